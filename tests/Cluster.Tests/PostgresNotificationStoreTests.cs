using Npgsql;
using Spotter.Collab.Grains.Notifications;
using Spotter.Collab.Server.Tests.Notifications;
using Spotter.Collab.Storage.Postgres;

namespace Spotter.Collab.Cluster.Tests;

[Collection(PostgresGroup.Name)]
public sealed class PostgresNotificationStoreTests(PostgresFixture postgres) : NotificationStoreContractTests, IAsyncLifetime
{
    private NpgsqlDataSource? _dataSource;

    public async Task InitializeAsync()
    {
        var connectionString = await postgres.CreateDatabaseAsync("notifications");
        await PostgresMigrator.MigrateAsync(connectionString);
        _dataSource = NpgsqlDataSource.Create(connectionString);
    }

    public async Task DisposeAsync()
    {
        if (_dataSource is not null) await _dataSource.DisposeAsync();
    }

    protected override INotificationStore OpenStore() => new PostgresNotificationStore(_dataSource!);
}
