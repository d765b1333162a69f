using Npgsql;
using Spotter.Collab.Grains.Audit;
using Spotter.Collab.Server.Tests.Audit;
using Spotter.Collab.Storage.Postgres;

namespace Spotter.Collab.Cluster.Tests;

[Collection(PostgresGroup.Name)]
public sealed class PostgresAuditLogTests(PostgresFixture postgres) : AuditLogContractTests, IAsyncLifetime
{
    private NpgsqlDataSource? _dataSource;

    public async Task InitializeAsync()
    {
        // A database per test: the contract asserts exact contents.
        var connectionString = await postgres.CreateDatabaseAsync("audit");
        await PostgresMigrator.MigrateAsync(connectionString);
        _dataSource = NpgsqlDataSource.Create(connectionString);
    }

    public async Task DisposeAsync()
    {
        if (_dataSource is not null) await _dataSource.DisposeAsync();
    }

    protected override IAuditLog OpenLog() => new PostgresAuditLog(_dataSource!);
}
