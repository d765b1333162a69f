using Microsoft.Data.Sqlite;

namespace Spotter.Collab.Grains.Storage;

/// <summary>
/// Consistent copies of a live SQLite file through SQLite's online backup API, and the checks a copy must pass before
/// it is put back. The copy is one backup step: it reads one snapshot (WAL lets the writer go on meanwhile), so it
/// holds every transaction committed before it started and none after.
/// </summary>
/// <remarks>Synchronous: callers run it on a database thread (<see cref="SqliteDatabase.BackupAsync"/>) or in a
/// command-line process that does nothing else.</remarks>
public static class SqliteBackup
{
    /// <summary>Copies <paramref name="source"/> into a new file at <paramref name="destinationPath"/> (0600) and
    /// returns the copy's schema version.</summary>
    public static int Copy(SqliteConnection source, string destinationPath)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentException.ThrowIfNullOrEmpty(destinationPath);
        if (File.Exists(destinationPath)) throw new IOException($"{destinationPath} already exists.");
        SecureFiles.WritePrivate(destinationPath, []);
        using (var destination = OpenUnpooled(destinationPath, SqliteOpenMode.ReadWrite))
        {
            source.BackupDatabase(destination);
            // A self-contained file: no -wal beside it to carry along.
            using var command = destination.CreateCommand();
            command.CommandText = "PRAGMA journal_mode=DELETE;";
            command.ExecuteNonQuery();
        }
        return SchemaVersion(destinationPath);
    }

    /// <summary>Opens an existing database file for a one-off job (a backup from another process, a restore check),
    /// outside the server's connection pool so the file is released when the connection closes.</summary>
    public static SqliteConnection OpenUnpooled(string path, SqliteOpenMode mode)
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = mode,
            Pooling = false,
            DefaultTimeout = 30,
        }.ToString());
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA busy_timeout=30000;";
        command.ExecuteNonQuery();
        return connection;
    }

    /// <summary>The highest migration version recorded in the file (0 for a file without a schema).</summary>
    public static int SchemaVersion(string path)
    {
        using var connection = OpenUnpooled(path, SqliteOpenMode.ReadOnly);
        return SchemaVersion(connection);
    }

    public static int SchemaVersion(SqliteConnection connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'";
        if (Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture) == 0) return 0;
        command.CommandText = "SELECT coalesce(max(version), 0) FROM schema_version";
        return Convert.ToInt32(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Checks that <paramref name="path"/> is an intact SQLite database this build can open: integrity check
    /// passes and its schema is not newer than the migrations shipped here.</summary>
    /// <exception cref="SqliteBackupException">It is not.</exception>
    public static int Verify(string path)
    {
        try
        {
            using var connection = OpenUnpooled(path, SqliteOpenMode.ReadOnly);
            using (var check = connection.CreateCommand())
            {
                check.CommandText = "PRAGMA integrity_check;";
                var result = check.ExecuteScalar() as string;
                if (!string.Equals(result, "ok", StringComparison.Ordinal))
                {
                    throw new SqliteBackupException($"The database in the backup is damaged (integrity check: {result}).");
                }
            }
            var version = SchemaVersion(connection);
            var shipped = SqliteMigrator.Migrations.Count == 0 ? 0 : SqliteMigrator.Migrations.Max(m => m.Version);
            if (version > shipped)
            {
                throw new SqliteBackupException($"The backup has schema version {version}, newer than this build's {shipped}: restore it with the version that made it, or a newer one.");
            }
            return version;
        }
        catch (SqliteException ex)
        {
            throw new SqliteBackupException($"The backup's database cannot be read: {ex.Message}", ex);
        }
    }
}

/// <summary>A backup cannot be made or restored; the message says why.</summary>
public sealed class SqliteBackupException : Exception
{
    public SqliteBackupException(string message) : base(message) { }
    public SqliteBackupException(string message, Exception innerException) : base(message, innerException) { }
    public SqliteBackupException() { }
}
