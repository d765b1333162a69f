using Npgsql;
using Spotter.Collab.Grains.Access;
using Spotter.Collab.Grains.Storage;
using Spotter.Collab.Server.Tests.Storage;
using Spotter.Collab.Storage.Postgres;

namespace Spotter.Collab.Cluster.Tests;

[Collection(PostgresGroup.Name)]
public sealed class PostgresAccessStoreTests(PostgresFixture postgres) : AccessStoreContractTests, IAsyncLifetime
{
    private NpgsqlDataSource? _dataSource;

    public async Task InitializeAsync()
    {
        // A database per test: the contract asserts exact contents.
        var connectionString = await postgres.CreateDatabaseAsync("access");
        await PostgresMigrator.MigrateAsync(connectionString);
        _dataSource = NpgsqlDataSource.Create(connectionString);
    }

    public async Task DisposeAsync()
    {
        if (_dataSource is not null) await _dataSource.DisposeAsync();
    }

    protected override IAccessStore OpenStore() => new PostgresAccessStore(_dataSource!);
}
