using System.Security.Cryptography;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;

namespace Spotter.Collab.Grains.Storage;

/// <summary>
/// The embedded SQLite file: schema, connection settings (WAL, synchronous=FULL) and the small secrets table.
/// Document logs, grain state and secrets share one file so one fsync policy covers all of them.
/// </summary>
public sealed class SqliteDatabase : ISecretStore
{
    private readonly string _connectionString;

    public SqliteDatabase(IOptions<SqliteStoreOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var path = options.Value.DatabasePath;
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Cache = SqliteCacheMode.Private,
            DefaultTimeout = 30,
            Pooling = true,
        }.ToString();
        using var connection = Open();
        Execute(connection, """
            PRAGMA journal_mode=WAL;
            CREATE TABLE IF NOT EXISTS doc_updates (
                seq INTEGER PRIMARY KEY AUTOINCREMENT,
                doc_id TEXT NOT NULL,
                data BLOB NOT NULL);
            CREATE INDEX IF NOT EXISTS doc_updates_by_doc ON doc_updates(doc_id, seq);
            CREATE TABLE IF NOT EXISTS doc_snapshots (
                doc_id TEXT PRIMARY KEY,
                seq INTEGER NOT NULL,
                data BLOB NOT NULL);
            CREATE TABLE IF NOT EXISTS grain_state (
                grain_type TEXT NOT NULL,
                grain_id TEXT NOT NULL,
                etag INTEGER NOT NULL,
                data BLOB NOT NULL,
                PRIMARY KEY (grain_type, grain_id));
            CREATE TABLE IF NOT EXISTS secrets (
                name TEXT PRIMARY KEY,
                value BLOB NOT NULL);
            """);
    }

    /// <summary>Opens a pooled connection with the durability settings every writer must use.</summary>
    public SqliteConnection Open()
    {
        var connection = new SqliteConnection(_connectionString);
        connection.Open();
        // synchronous is per connection: FULL makes every commit survive power loss, not only a process crash.
        // busy_timeout: SQLite has one writer; when another connection (search text, audit, grain state) holds the
        // write lock, SQLite's own busy handler waits in 1-25 ms steps. Without it Microsoft.Data.Sqlite sees BUSY and
        // retries after sleeping 150 ms, which showed up as ack-latency spikes for a hot document.
        Execute(connection, "PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON; PRAGMA busy_timeout=30000;");
        return connection;
    }

    public byte[] GetOrCreate(string name, Func<byte[]> create)
    {
        ArgumentNullException.ThrowIfNull(create);
        using var connection = Open();
        using (var select = connection.CreateCommand())
        {
            select.CommandText = "SELECT value FROM secrets WHERE name = $name";
            select.Parameters.AddWithValue("$name", name);
            if (select.ExecuteScalar() is byte[] existing) return existing;
        }
        var value = create();
        using (var insert = connection.CreateCommand())
        {
            // Two hosts racing on first start both keep the winner's value.
            insert.CommandText = "INSERT OR IGNORE INTO secrets(name, value) VALUES ($name, $value); SELECT value FROM secrets WHERE name = $name";
            insert.Parameters.AddWithValue("$name", name);
            insert.Parameters.AddWithValue("$value", value);
            return (byte[])insert.ExecuteScalar()!;
        }
    }

    public static byte[] RandomSecret(int length) => RandomNumberGenerator.GetBytes(length);

    internal static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
