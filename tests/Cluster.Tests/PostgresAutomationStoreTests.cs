using Npgsql;
using Spotter.Collab.Grains.Projects;
using Spotter.Collab.Server.Tests.Projects;
using Spotter.Collab.Storage.Postgres;

namespace Spotter.Collab.Cluster.Tests;

/// <summary>The project automation tables of migration 0013 against a real PostgreSQL.</summary>
[Collection(PostgresGroup.Name)]
public sealed class PostgresAutomationStoreTests(PostgresFixture postgres) : AutomationStoreContractTests, IAsyncLifetime
{
    private NpgsqlDataSource? _dataSource;

    public async Task InitializeAsync()
    {
        var connectionString = await postgres.CreateDatabaseAsync("automation");
        await PostgresMigrator.MigrateAsync(connectionString);
        _dataSource = NpgsqlDataSource.Create(connectionString);
    }

    public async Task DisposeAsync()
    {
        if (_dataSource is not null) await _dataSource.DisposeAsync();
    }

    protected override IAutomationStore OpenStore() => new PostgresAutomationStore(_dataSource!);
}
