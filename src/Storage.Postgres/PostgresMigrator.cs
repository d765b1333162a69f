using System.Globalization;
using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using Npgsql;
using Spotter.Collab.Grains.Storage;

namespace Spotter.Collab.Storage.Postgres;

/// <summary>
/// Brings a PostgreSQL database up to the schema this assembly ships: the Orleans ADO.NET query catalogue,
/// clustering and grain-state tables, and the document store tables.
/// </summary>
/// <remarks>
/// Migrations are the embedded <c>Migrations/NNNN_name.sql</c> files, applied in version order. Each runs in its
/// own transaction that first takes a transaction-scoped advisory lock, so silos starting together queue up and
/// every migration is applied exactly once; a crash mid-migration rolls it back completely. Applied versions are
/// recorded in <c>schema_version</c> with a checksum of the script, and a changed script is refused rather than
/// silently skipped.
/// </remarks>
public static class PostgresMigrator
{
    /// <summary>Key of the advisory lock that serialises migrations across processes ("SPOTTERC" in ASCII).</summary>
    public const long AdvisoryLockKey = 0x53504F5454455243;

    private const string ResourcePrefix = "Spotter.Collab.Storage.Postgres.Migrations.";

    private static readonly Lazy<IReadOnlyList<Migration>> s_migrations = new(LoadMigrations);

    /// <summary>The migrations this assembly ships, in the order they are applied.</summary>
    public static IReadOnlyList<Migration> Migrations => s_migrations.Value;

    /// <summary>Applies every pending migration and returns the versions it applied (empty when up to date).</summary>
    /// <exception cref="PostgresMigrationException">An applied migration's script has changed since it ran.</exception>
    public static async Task<IReadOnlyList<int>> MigrateAsync(string connectionString, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(connectionString);
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);

        var applied = new List<int>();
        foreach (var migration in Migrations)
        {
            if (await ApplyAsync(connection, migration, cancellationToken).ConfigureAwait(false))
            {
                applied.Add(migration.Version);
            }
        }
        return applied;
    }

    private static async Task<bool> ApplyAsync(NpgsqlConnection connection, Migration migration, CancellationToken cancellationToken)
    {
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);

        await ExecuteAsync(connection, transaction, $"SELECT pg_advisory_xact_lock({AdvisoryLockKey})", cancellationToken).ConfigureAwait(false);
        // Created under the lock, so concurrent first runs cannot race on it either.
        await ExecuteAsync(connection, transaction, """
            CREATE TABLE IF NOT EXISTS schema_version
            (
                version    integer PRIMARY KEY,
                name       text NOT NULL,
                checksum   text NOT NULL,
                applied_at timestamptz NOT NULL DEFAULT now()
            )
            """, cancellationToken).ConfigureAwait(false);

        string? recordedChecksum;
        await using (var lookup = new NpgsqlCommand("SELECT checksum FROM schema_version WHERE version = $1", connection, transaction))
        {
            lookup.Parameters.AddWithValue(migration.Version);
            recordedChecksum = (string?)await lookup.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
        }

        if (recordedChecksum is not null)
        {
            if (!string.Equals(recordedChecksum, migration.Checksum, StringComparison.Ordinal))
            {
                throw new PostgresMigrationException(
                    $"Migration {migration.Version} ({migration.Name}) was applied with checksum {recordedChecksum}, but the shipped script has {migration.Checksum}. Applied migrations must never change; add a new migration instead.");
            }
            await transaction.RollbackAsync(cancellationToken).ConfigureAwait(false);
            return false;
        }

        await ExecuteAsync(connection, transaction, migration.Sql, cancellationToken).ConfigureAwait(false);
        await using (var record = new NpgsqlCommand("INSERT INTO schema_version (version, name, checksum) VALUES ($1, $2, $3)", connection, transaction))
        {
            record.Parameters.AddWithValue(migration.Version);
            record.Parameters.AddWithValue(migration.Name);
            record.Parameters.AddWithValue(migration.Checksum);
            await record.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return true;
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private static IReadOnlyList<Migration> LoadMigrations() =>
        Migration.LoadEmbedded(typeof(PostgresMigrator).Assembly, ResourcePrefix, message => new PostgresMigrationException(message));
}

/// <summary>The schema cannot be brought to the shipped version (bad migration set or an edited applied migration).</summary>
public sealed class PostgresMigrationException : Exception
{
    public PostgresMigrationException(string message) : base(message) { }
    public PostgresMigrationException(string message, Exception innerException) : base(message, innerException) { }
    public PostgresMigrationException() { }
}
