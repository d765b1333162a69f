using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;

namespace Spotter.Collab.Grains.Storage;

/// <summary>
/// The embedded SQLite file: schema (<see cref="SqliteMigrator"/>, applied on the writer thread before any other
/// statement) and connection settings (WAL, synchronous=FULL). Document logs and grain state
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
        _writer = new SqliteThreads("SQLite writer", 1, Open);
        _readers = new SqliteThreads("SQLite reader", options.Value.ReaderThreads, Open);
        // The writer's first work item: every write queued after it sees the migrated schema; reads wait for it.
        // journal_mode cannot change inside a transaction, so it is set before the migrations run.
        Migrated = _writer.RunAsync(connection =>
        {
            Execute(connection, "PRAGMA journal_mode=WAL;");
            return SqliteMigrator.Migrate(connection);
        }, CancellationToken.None);
    }

    /// <summary>
    /// Completes when the file has the shipped schema (<see cref="SqliteMigrator"/>), with the migration versions this
    /// start applied; faults, and so does every statement after it, when a migration fails.
    /// </summary>
    public Task<IReadOnlyList<int>> Migrated { get; }

    /// <summary>
    /// Runs <paramref name="work"/> on the writer thread, on its connection. Writes from every store of this file
    /// are serialised here, in the order they were queued.
    /// </summary>
    public Task<T> WriteAsync<T>(Func<SqliteConnection, T> work, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(work);
        // Queued at once to keep the callers' order; the migration ran before it on this thread, so checking its
        // outcome here never waits.
        return _writer.RunAsync(connection =>
        {
            if (!Migrated.IsCompletedSuccessfully) throw MigrationFailure();
            return work(connection);
        }, cancellationToken);
    }

    /// <summary>Runs read-only <paramref name="work"/> on a reader thread; it sees every write already completed.</summary>
    public Task<T> ReadAsync<T>(Func<SqliteConnection, T> work, CancellationToken cancellationToken = default) =>
        Migrated.IsCompletedSuccessfully ? _readers.RunAsync(work, cancellationToken) : ReadAfterMigrationAsync(work, cancellationToken);

    /// <summary>
    /// Writes a consistent copy of the whole file to <paramref name="destinationPath"/> (a new file) while the server
    /// keeps reading and writing: the online backup API on a reader thread, so it holds every write completed before
    /// the call and blocks no writer. Returns the copy's schema version.
    /// </summary>
    public Task<int> BackupAsync(string destinationPath, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(destinationPath);
        return ReadAsync(connection => SqliteBackup.Copy(connection, destinationPath), cancellationToken);
    }

    private async Task<T> ReadAfterMigrationAsync<T>(Func<SqliteConnection, T> work, CancellationToken cancellationToken)
    {
        try
        {
            await Migrated.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception) when (!cancellationToken.IsCancellationRequested)
        {
            throw MigrationFailure();
        }
        return await _readers.RunAsync(work, cancellationToken).ConfigureAwait(false);
    }

    private SqliteMigrationException MigrationFailure() =>
        Migrated.Exception?.GetBaseException() is { } cause
            ? new("The SQLite database could not be brought to the current schema; see the inner exception.", cause)
            : new("The SQLite database is not migrated.");

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
