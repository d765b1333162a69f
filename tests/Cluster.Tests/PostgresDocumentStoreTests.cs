using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;
using Spotter.Collab.Grains.Storage;
using Spotter.Collab.Server.Tests.Storage;
using Spotter.Collab.Storage.Postgres;

namespace Spotter.Collab.Cluster.Tests;

[Collection(PostgresGroup.Name)]
public sealed class PostgresDocumentStoreTests(PostgresFixture postgres) : DocumentStoreContractTests
{
    private readonly List<NpgsqlDataSource> _dataSources = [];
    private string _connectionString = "";

    public override async Task InitializeAsync()
    {
        _connectionString = await postgres.CreateDatabaseAsync("store");
        await PostgresMigrator.MigrateAsync(_connectionString);
    }

    public override async Task DisposeAsync()
    {
        foreach (var dataSource in _dataSources) await dataSource.DisposeAsync();
    }

    protected override GroupCommitDocumentStore OpenStore()
    {
        var dataSource = NpgsqlDataSource.Create(_connectionString);
        _dataSources.Add(dataSource);
        return new PostgresDocumentStore(dataSource, Options.Create(new PostgresStoreOptions()), NullLogger<PostgresDocumentStore>.Instance);
    }

    [Fact]
    public async Task Stores_of_different_silos_append_to_one_database_without_collisions()
    {
        await using var first = OpenStore();
        await using var second = OpenStore();
        var appends = Enumerable.Range(0, 200)
            .Select(i => (i % 2 == 0 ? first : second).AppendAsync($"shared-{i % 3}", BitConverter.GetBytes(i)))
            .ToArray();
        var sequences = await Task.WhenAll(appends);
        Assert.Equal(200, sequences.Distinct().Count());
        var total = 0;
        for (var d = 0; d < 3; d++) total += (await first.LoadAsync($"shared-{d}")).Tail.Count;
        Assert.Equal(200, total);
    }

    protected override async Task RejectAppendsOfAsync(string documentId)
    {
        await using var connection = new NpgsqlConnection(_connectionString);
        await connection.OpenAsync();
        await using var trigger = new NpgsqlCommand($"""
            CREATE FUNCTION reject_poison() RETURNS trigger LANGUAGE plpgsql AS
                $$ BEGIN IF NEW.doc_id = '{documentId}' THEN RAISE EXCEPTION 'poisoned'; END IF; RETURN NEW; END $$;
            CREATE TRIGGER reject_poison BEFORE INSERT ON doc_updates FOR EACH ROW EXECUTE FUNCTION reject_poison();
            """, connection);
        await trigger.ExecuteNonQueryAsync();
    }
}
