using System.Globalization;
using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Data.Sqlite;

namespace Spotter.Collab.Grains.Storage;

/// <summary>
/// Brings the embedded SQLite file up to the schema this assembly ships, the way <c>PostgresMigrator</c> does for
/// PostgreSQL: the embedded <c>SqliteMigrations/NNNN_name.sql</c> files are applied in version order, each in its own
/// write transaction (BEGIN IMMEDIATE, so another process opening the same file waits rather than racing), and
/// recorded in <c>schema_version</c> with a SHA-256 of the script. A changed applied script is refused.
/// </summary>
/// <remarks>Runs synchronously on the connection it is given: <see cref="SqliteDatabase"/> calls it on its writer thread.</remarks>
public static class SqliteMigrator
{
    private const string ResourcePrefix = "Spotter.Collab.Grains.Storage.SqliteMigrations.";

    private static readonly Lazy<IReadOnlyList<Migration>> s_migrations = new(LoadMigrations);

    /// <summary>The migrations this assembly ships, in the order they are applied.</summary>
    public static IReadOnlyList<Migration> Migrations => s_migrations.Value;

    /// <summary>Applies every pending migration and returns the versions it applied (empty when up to date).</summary>
    /// <exception cref="SqliteMigrationException">An applied migration's script has changed since it ran.</exception>
    public static IReadOnlyList<int> Migrate(SqliteConnection connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        var applied = new List<int>();
        foreach (var migration in Migrations)
        {
            if (Apply(connection, migration)) applied.Add(migration.Version);
        }
        return applied;
    }

    private static bool Apply(SqliteConnection connection, Migration migration)
    {
        using var transaction = connection.BeginTransaction(deferred: false);
        Execute(connection, transaction, """
            CREATE TABLE IF NOT EXISTS schema_version (
                version INTEGER PRIMARY KEY,
                name TEXT NOT NULL,
                checksum TEXT NOT NULL,
                applied_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')))
            """);

        using (var lookup = connection.CreateCommand())
        {
            lookup.Transaction = transaction;
            lookup.CommandText = "SELECT checksum FROM schema_version WHERE version = $version";
            lookup.Parameters.AddWithValue("$version", migration.Version);
            if (lookup.ExecuteScalar() is string recorded)
            {
                if (!string.Equals(recorded, migration.Checksum, StringComparison.Ordinal))
                {
                    throw new SqliteMigrationException(
                        $"Migration {migration.Version} ({migration.Name}) was applied with checksum {recorded}, but the shipped script has {migration.Checksum}. Applied migrations must never change; add a new migration instead.");
                }
                transaction.Rollback();
                return false;
            }
        }

        Execute(connection, transaction, migration.Sql);
        using (var record = connection.CreateCommand())
        {
            record.Transaction = transaction;
            record.CommandText = "INSERT INTO schema_version (version, name, checksum) VALUES ($version, $name, $checksum)";
            record.Parameters.AddWithValue("$version", migration.Version);
            record.Parameters.AddWithValue("$name", migration.Name);
            record.Parameters.AddWithValue("$checksum", migration.Checksum);
            record.ExecuteNonQuery();
        }
        transaction.Commit();
        return true;
    }

    private static void Execute(SqliteConnection connection, SqliteTransaction transaction, string sql)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private static IReadOnlyList<Migration> LoadMigrations() =>
        Migration.LoadEmbedded(typeof(SqliteMigrator).Assembly, ResourcePrefix, message => new SqliteMigrationException(message));
}

/// <summary>The SQLite file cannot be brought to the shipped schema (bad migration set or an edited applied migration).</summary>
public sealed class SqliteMigrationException : Exception
{
    public SqliteMigrationException(string message) : base(message) { }
    public SqliteMigrationException(string message, Exception innerException) : base(message, innerException) { }
    public SqliteMigrationException() { }
}
