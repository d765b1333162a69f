using Npgsql;
using Spotter.Collab.Storage.Postgres;

namespace Spotter.Collab.Cluster.Tests;

[Collection(PostgresGroup.Name)]
public sealed class MigrationTests(PostgresFixture postgres)
{
    /// <summary>Every key Orleans 10.4.2's ADO.NET clustering and persistence providers read from OrleansQuery.</summary>
    public static readonly string[] OrleansQueryKeys =
    [
        "InsertMembershipVersionKey", "InsertMembershipKey", "UpdateMembershipKey", "UpdateIAmAlivetimeKey",
        "MembershipReadRowKey", "MembershipReadAllKey", "DeleteMembershipTableEntriesKey", "GatewaysQueryKey",
        "CleanupDefunctSiloEntriesKey", "CleanupDefunctSiloEntryKey",
        "ReadFromStorageKey", "WriteToStorageKey", "ClearStorageKey", "DeleteStorageKey",
    ];

    [Fact]
    public async Task Fresh_database_gets_every_migration_and_the_full_query_catalogue()
    {
        var connectionString = await postgres.CreateDatabaseAsync("fresh");

        var applied = await PostgresMigrator.MigrateAsync(connectionString);

        Assert.Equal(PostgresMigrator.Migrations.Select(m => m.Version), applied);
        // Versions are contiguous from 1: a gap means a migration file was renamed or lost.
        Assert.Equal(Enumerable.Range(1, applied.Count), applied);
        Assert.True(applied.Count >= 6);
        Assert.Equal(OrleansQueryKeys.Order(StringComparer.Ordinal),
            await QueryListAsync<string>(connectionString, "SELECT querykey FROM orleansquery ORDER BY querykey COLLATE \"C\""));
        foreach (var table in new[] { "orleans_membership_version", "orleans_membership", "orleans_grain_state", "doc_updates", "doc_snapshots", "audit_log" })
        {
            Assert.Equal(table, await ScalarAsync<string>(connectionString, $"SELECT to_regclass('{table}')::text"));
        }
        Assert.Equal(
            PostgresMigrator.Migrations.Select(m => m.Checksum),
            await QueryListAsync<string>(connectionString, "SELECT checksum FROM schema_version ORDER BY version"));
    }

    [Fact]
    public async Task Second_run_applies_nothing_and_changes_nothing()
    {
        var connectionString = await postgres.CreateDatabaseAsync("rerun");
        await PostgresMigrator.MigrateAsync(connectionString);
        var before = await SchemaFingerprintAsync(connectionString);

        var applied = await PostgresMigrator.MigrateAsync(connectionString);

        Assert.Empty(applied);
        Assert.Equal(before, await SchemaFingerprintAsync(connectionString));
    }

    [Fact]
    public async Task Concurrent_runs_apply_each_migration_exactly_once()
    {
        var connectionString = await postgres.CreateDatabaseAsync("race");
        // Separate pools would still share the server; what matters is separate connections racing for the lock.
        using var start = new SemaphoreSlim(0);
        var runs = Enumerable.Range(0, 6).Select(async _ =>
        {
            await start.WaitAsync();
            return await PostgresMigrator.MigrateAsync(connectionString);
        }).ToArray();
        start.Release(runs.Length);

        var results = await Task.WhenAll(runs);

        // Every version was applied by exactly one of the runs, and none failed.
        var versions = PostgresMigrator.Migrations.Select(m => m.Version).ToList();
        Assert.Equal(versions, results.SelectMany(r => r).Order());
        Assert.Equal((long)versions.Count, await ScalarAsync<long>(connectionString, "SELECT count(*) FROM schema_version"));
        Assert.Equal(OrleansQueryKeys.Length, (int)await ScalarAsync<long>(connectionString, "SELECT count(*) FROM orleansquery"));
    }

    [Fact]
    public async Task Edited_applied_migration_is_refused()
    {
        var connectionString = await postgres.CreateDatabaseAsync("edited");
        await PostgresMigrator.MigrateAsync(connectionString);
        await ExecuteAsync(connectionString, "UPDATE schema_version SET checksum = 'not-the-shipped-script' WHERE version = 3");

        var error = await Assert.ThrowsAsync<PostgresMigrationException>(() => PostgresMigrator.MigrateAsync(connectionString));

        Assert.Contains("Migration 3", error.Message, StringComparison.Ordinal);
    }

    private static Task<string> SchemaFingerprintAsync(string connectionString) => ScalarAsync<string>(connectionString, """
        SELECT string_agg(item, E'\n' ORDER BY item) FROM (
            SELECT 'column ' || table_name || '.' || column_name || ' ' || data_type AS item
            FROM information_schema.columns WHERE table_schema = 'public'
            UNION ALL
            SELECT 'routine ' || p.proname || ' ' || md5(p.prosrc) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'public'
            UNION ALL
            SELECT 'query ' || querykey || ' ' || md5(querytext) FROM orleansquery
            UNION ALL
            SELECT 'version ' || version || ' ' || checksum || ' ' || applied_at FROM schema_version
        ) AS schema_items
        """);

    internal static async Task<T> ScalarAsync<T>(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return (T)(await command.ExecuteScalarAsync())!;
    }

    internal static async Task<List<T>> QueryListAsync<T>(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync();
        var values = new List<T>();
        while (await reader.ReadAsync())
        {
            values.Add(reader.GetFieldValue<T>(0));
        }
        return values;
    }

    internal static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
