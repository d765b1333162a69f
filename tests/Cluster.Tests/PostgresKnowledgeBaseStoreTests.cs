using Npgsql;
using Spotter.Collab.Grains.KnowledgeBase.Storage;
using Spotter.Collab.Server.Tests.KnowledgeBase;
using Spotter.Collab.Storage.Postgres;

namespace Spotter.Collab.Cluster.Tests;

/// <summary>The knowledge-base tables of migrations 0007-0009 against a real PostgreSQL.</summary>
[Collection(PostgresGroup.Name)]
public sealed class PostgresKnowledgeBaseStoreTests(PostgresFixture postgres) : KnowledgeBaseStoreContractTests, IAsyncLifetime
{
    private NpgsqlDataSource? _dataSource;

    public async Task InitializeAsync()
    {
        var connectionString = await postgres.CreateDatabaseAsync("kb");
        await PostgresMigrator.MigrateAsync(connectionString);
        _dataSource = NpgsqlDataSource.Create(connectionString);
    }

    public async Task DisposeAsync()
    {
        if (_dataSource is not null) await _dataSource.DisposeAsync();
    }

    protected override IKnowledgeBaseStore OpenStore(TimeProvider time) => new PostgresKnowledgeBaseStore(_dataSource!, time: time);
}
