using Npgsql;
using Spotter.Collab.Grains.Projects;
using Spotter.Collab.Server.Tests.Projects;
using Spotter.Collab.Storage.Postgres;

namespace Spotter.Collab.Cluster.Tests;

[Collection(PostgresGroup.Name)]
public sealed class PostgresProjectHistoryStoreTests(PostgresFixture postgres) : ProjectHistoryStoreContractTests, IAsyncLifetime
{
    private NpgsqlDataSource? _dataSource;

    public async Task InitializeAsync()
    {
        var connectionString = await postgres.CreateDatabaseAsync("projects");
        await PostgresMigrator.MigrateAsync(connectionString);
        _dataSource = NpgsqlDataSource.Create(connectionString);
    }

    public async Task DisposeAsync()
    {
        if (_dataSource is not null) await _dataSource.DisposeAsync();
    }

    protected override IProjectHistoryStore OpenStore() => new PostgresProjectHistoryStore(_dataSource!);
}
