using Npgsql;
using Spotter.Collab.Grains.Okr;
using Spotter.Collab.Server.Tests.Okr;
using Spotter.Collab.Storage.Postgres;

namespace Spotter.Collab.Cluster.Tests;

[Collection(PostgresGroup.Name)]
public sealed class PostgresOkrStoreTests(PostgresFixture postgres) : OkrStoreContractTests, IAsyncLifetime
{
    private NpgsqlDataSource? _dataSource;

    public async Task InitializeAsync()
    {
        var connectionString = await postgres.CreateDatabaseAsync("okr");
        await PostgresMigrator.MigrateAsync(connectionString);
        _dataSource = NpgsqlDataSource.Create(connectionString);
    }

    public async Task DisposeAsync()
    {
        if (_dataSource is not null) await _dataSource.DisposeAsync();
    }

    protected override IOkrStore OpenStore() => new PostgresOkrStore(_dataSource!);
}
