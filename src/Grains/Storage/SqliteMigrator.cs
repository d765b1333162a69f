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

    private static readonly Lazy<IReadOnlyList<SqliteMigration>> s_migrations = new(LoadMigrations);

    /// <summary>The migrations this assembly ships, in the order they are applied.</summary>
    public static IReadOnlyList<SqliteMigration> Migrations => s_migrations.Value;

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

    private static bool Apply(SqliteConnection connection, SqliteMigration migration)
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

    private static List<SqliteMigration> LoadMigrations()
    {
        var assembly = typeof(SqliteMigrator).Assembly;
        var migrations = new List<SqliteMigration>();
        foreach (var resource in assembly.GetManifestResourceNames())
        {
            if (!resource.StartsWith(ResourcePrefix, StringComparison.Ordinal) || !resource.EndsWith(".sql", StringComparison.Ordinal)) continue;
            var fileName = resource[ResourcePrefix.Length..^".sql".Length];
            var separator = fileName.IndexOf('_', StringComparison.Ordinal);
            if (separator <= 0 || !int.TryParse(fileName.AsSpan(0, separator), NumberStyles.None, CultureInfo.InvariantCulture, out var version))
            {
                throw new SqliteMigrationException($"Migration resource '{resource}' is not named NNNN_name.sql.");
            }
            migrations.Add(new SqliteMigration(version, fileName[(separator + 1)..], ReadResource(assembly, resource)));
        }
        migrations.Sort((a, b) => a.Version.CompareTo(b.Version));
        for (var i = 1; i < migrations.Count; i++)
        {
            if (migrations[i].Version == migrations[i - 1].Version) throw new SqliteMigrationException($"Two migrations share version {migrations[i].Version}.");
        }
        return migrations;
    }

    private static string ReadResource(Assembly assembly, string resource)
    {
        using var stream = assembly.GetManifestResourceStream(resource)
            ?? throw new SqliteMigrationException($"Migration resource '{resource}' cannot be opened.");
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return reader.ReadToEnd();
    }
}

/// <summary>One schema change of the SQLite file: its version (from the file name), name and SQL.</summary>
public sealed class SqliteMigration
{
    internal SqliteMigration(int version, string name, string sql)
    {
        Version = version;
        Name = name;
        // Line endings are normalised so a checkout with CRLF does not look like an edited migration.
        Sql = sql.Replace("\r\n", "\n", StringComparison.Ordinal);
        Checksum = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Sql)));
    }

    public int Version { get; }
    public string Name { get; }
    public string Sql { get; }
    /// <summary>Lower-case hex SHA-256 of <see cref="Sql"/>.</summary>
    public string Checksum { get; }
}

/// <summary>The SQLite file cannot be brought to the shipped schema (bad migration set or an edited applied migration).</summary>
public sealed class SqliteMigrationException : Exception
{
    public SqliteMigrationException(string message) : base(message) { }
    public SqliteMigrationException(string message, Exception innerException) : base(message, innerException) { }
    public SqliteMigrationException() { }
}
