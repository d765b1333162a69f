using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;

namespace Spotter.Collab.Grains.Storage;

/// <summary>
/// The embedded SQLite file: schema and connection settings (WAL, synchronous=FULL). Document logs and grain state
/// share one file so one fsync policy covers all of them. The data directory is 0700 and its files 0600 (Unix).
/// All statements run on the database's own threads (<see cref="WriteAsync{T}"/>, <see cref="ReadAsync{T}"/>), never on
/// the thread pool: one writer thread, because SQLite admits one writer at a time anyway (queueing in-process writers
/// here instead of in SQLite's busy handler), and a few reader threads, which WAL lets read beside the writer.
/// </summary>
public sealed class SqliteDatabase : IDisposable
{
    private readonly string _connectionString;
    private readonly SqliteThreads _writer;
    private readonly SqliteThreads _readers;
    private int _disposed;

    public SqliteDatabase(IOptions<SqliteStoreOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var path = options.Value.DatabasePath;
        var directory = Path.GetDirectoryName(path)!;
        SecureFiles.CreatePrivateDirectory(directory);
        // Created 0600 before SQLite opens it: SQLite gives its -wal and -shm files the database file's mode.
        if (!File.Exists(path)) SecureFiles.WritePrivate(path, []);
        // Only the database's own files: the operator may have pointed the data directory at a folder holding others.
        SecureFiles.RestrictFiles([path, path + "-wal", path + "-shm", path + "-journal"]);
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
            """);
        // The JWT signing key used to live here; it is kept outside the database now. secure_delete overwrites
        // the freed pages, so the old key is not left readable in the file.
        Execute(connection, "PRAGMA secure_delete=ON; DROP TABLE IF EXISTS secrets; PRAGMA secure_delete=OFF;");
        _writer = new SqliteThreads("SQLite writer", 1, Open);
        _readers = new SqliteThreads("SQLite reader", options.Value.ReaderThreads, Open);
    }

    /// <summary>
    /// Runs <paramref name="work"/> on the writer thread, on its connection. Writes from every store of this file
    /// are serialised here, in the order they were queued.
    /// </summary>
    public Task<T> WriteAsync<T>(Func<SqliteConnection, T> work, CancellationToken cancellationToken = default) =>
        _writer.RunAsync(work, cancellationToken);

    /// <summary>Runs read-only <paramref name="work"/> on a reader thread; it sees every write already completed.</summary>
    public Task<T> ReadAsync<T>(Func<SqliteConnection, T> work, CancellationToken cancellationToken = default) =>
        _readers.RunAsync(work, cancellationToken);

    /// <summary>Lets queued work finish, then closes the threads' connections.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        _writer.Dispose();
        _readers.Dispose();
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

    internal static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
