using Microsoft.Extensions.DependencyInjection;
using Orleans.Storage;
using Spotter.Collab.Storage.Postgres;

namespace Spotter.Collab.Cluster.Tests;

[Collection(PostgresGroup.Name)]
public sealed class GrainPersistenceTests(PostgresFixture postgres) : IAsyncLifetime
{
    private const string DeletingStorageName = "pg-delete";
    private string _connectionString = "";
    private TestSilo? _silo;

    private TestSilo Silo => _silo ?? throw new InvalidOperationException("Silo not started.");

    public async Task InitializeAsync()
    {
        _connectionString = await postgres.CreateDatabaseAsync("persistence");
        await PostgresMigrator.MigrateAsync(_connectionString);
        _silo = await TestSilo.StartAsync(_connectionString, clusterId: "persistence", configure: silo =>
            silo.AddAdoNetGrainStorage(DeletingStorageName, options =>
            {
                options.Invariant = TestSilo.Invariant;
                options.ConnectionString = _connectionString;
                options.DeleteStateOnClear = true;
            }));
    }

    public async Task DisposeAsync()
    {
        if (_silo is not null)
        {
            await _silo.DisposeAsync();
        }
    }

    [Fact]
    public async Task State_survives_deactivation_and_the_etag_is_the_row_version()
    {
        var grain = Silo.Grains.GetGrain<ICounterGrain>("doc-1");
        var fresh = await grain.Read();
        Assert.Equal((0, null, false), (fresh.Value, fresh.ETag, fresh.RecordExists));

        await grain.Add(5, "first");
        await grain.Add(2, "second");
        await grain.Deactivate();

        // The next call waits for the deactivation to finish and lands on a new activation that loads from storage.
        var reloaded = await grain.Read();
        Assert.NotEqual(fresh.Activation, reloaded.Activation);
        Assert.Equal(7, reloaded.Value);
        Assert.Equal(["first", "second"], reloaded.History);
        Assert.True(reloaded.RecordExists);
        Assert.Equal("2", reloaded.ETag);
        Assert.Equal(2, await MigrationTests.ScalarAsync<int>(_connectionString, "SELECT version FROM orleans_grain_state"));
    }

    [Fact]
    public async Task Write_with_a_stale_etag_surfaces_as_InconsistentStateException_and_changes_nothing()
    {
        var grain = Silo.Grains.GetGrain<ICounterGrain>("contended");
        var before = await grain.Read();
        await grain.Add(1, "mine");
        // Another writer (e.g. a duplicate activation in a split cluster) moves the row on.
        await MigrationTests.ExecuteAsync(_connectionString, "UPDATE orleans_grain_state SET version = version + 1");

        await Assert.ThrowsAsync<InconsistentStateException>(() => grain.Add(1, "lost"));

        Assert.Equal(2, await MigrationTests.ScalarAsync<int>(_connectionString, "SELECT version FROM orleans_grain_state"));
        // Orleans deactivates a grain whose write failed on an ETag conflict; the next call reloads the stored state.
        var reloaded = await grain.Read();
        Assert.NotEqual(before.Activation, reloaded.Activation);
        Assert.Equal(1, reloaded.Value);
        Assert.Equal(["mine"], reloaded.History);
        Assert.Equal("2", reloaded.ETag);
    }

    [Fact]
    public async Task First_write_conflicts_when_another_writer_created_the_state_meanwhile()
    {
        var storage = Silo.Host.Services.GetRequiredKeyedService<IGrainStorage>(TestSilo.StorageName);
        var grainId = GrainId.Create("spotter.tests.counter", "raced");
        var first = new GrainState<CounterState>(new CounterState { Value = 1 });
        var second = new GrainState<CounterState>(new CounterState { Value = 2 });

        await storage.WriteStateAsync("counter", grainId, first);
        // Both believed the state did not exist yet (no ETag); only one create may win.
        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteStateAsync("counter", grainId, second));

        var read = new GrainState<CounterState>();
        await storage.ReadStateAsync("counter", grainId, read);
        Assert.Equal((1, "1", true), (read.State?.Value, read.ETag, read.RecordExists));
    }

    [Fact]
    public async Task Clear_keeps_a_versioned_tombstone_and_a_stale_clear_conflicts()
    {
        var grain = Silo.Grains.GetGrain<ICounterGrain>("cleared");
        await grain.Add(3, "x");
        await grain.Clear();

        var afterClear = await grain.Read();
        Assert.Equal((0, "2", false), (afterClear.Value, afterClear.ETag, afterClear.RecordExists));
        Assert.True(await MigrationTests.ScalarAsync<bool>(_connectionString, "SELECT payload IS NULL FROM orleans_grain_state"));

        await grain.Add(4, "again");
        await grain.Deactivate();
        var reloaded = await grain.Read();
        Assert.NotEqual(afterClear.Activation, reloaded.Activation);
        Assert.Equal((4, "3", true), (reloaded.Value, reloaded.ETag, reloaded.RecordExists));

        var storage = Silo.Host.Services.GetRequiredKeyedService<IGrainStorage>(TestSilo.StorageName);
        var stale = new GrainState<CounterState>(new CounterState(), "2") { RecordExists = true };
        await Assert.ThrowsAsync<InconsistentStateException>(() =>
            storage.ClearStateAsync("counter", GrainId.Create("spotter.tests.counter", "cleared"), stale));
    }

    [Fact]
    public async Task With_DeleteStateOnClear_a_clear_deletes_the_row_and_a_stale_delete_conflicts()
    {
        var storage = Silo.Host.Services.GetRequiredKeyedService<IGrainStorage>(DeletingStorageName);
        var grainId = GrainId.Create("spotter.tests.counter", "deleted");
        var state = new GrainState<CounterState>(new CounterState { Value = 8 });
        await storage.WriteStateAsync("counter", grainId, state);
        await storage.WriteStateAsync("counter", grainId, state);
        Assert.Equal("2", state.ETag);

        var stale = new GrainState<CounterState>(new CounterState(), "1") { RecordExists = true };
        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.ClearStateAsync("counter", grainId, stale));
        Assert.Equal(1L, await MigrationTests.ScalarAsync<long>(_connectionString, "SELECT count(*) FROM orleans_grain_state"));

        await storage.ClearStateAsync("counter", grainId, state);

        Assert.Equal((null, false), (state.ETag, state.RecordExists));
        Assert.Equal(0L, await MigrationTests.ScalarAsync<long>(_connectionString, "SELECT count(*) FROM orleans_grain_state"));
        // With the row gone, the state starts over from a create.
        await storage.WriteStateAsync("counter", grainId, state);
        Assert.Equal("1", state.ETag);
    }

    [Fact]
    public async Task Integer_guid_and_string_keys_with_extensions_are_distinct_states()
    {
        var guid = Guid.Parse("0f8fad5b-d9cb-469f-a165-70867728950e");
        await Silo.Grains.GetGrain<IIntegerCounterGrain>(42, "a").Add(1, "int-a");
        await Silo.Grains.GetGrain<IIntegerCounterGrain>(42, "b").Add(2, "int-b");
        await Silo.Grains.GetGrain<IIntegerCounterGrain>(-42, "a").Add(3, "int-negative");
        await Silo.Grains.GetGrain<IGuidCounterGrain>(guid).Add(4, "guid");
        await Silo.Grains.GetGrain<ICounterGrain>("42").Add(5, "string");

        Assert.Equal(5L, await MigrationTests.ScalarAsync<long>(_connectionString, "SELECT count(*) FROM orleans_grain_state"));
        foreach (var (key, ext, expected) in new[] { (42L, "a", 1), (42L, "b", 2), (-42L, "a", 3) })
        {
            var grain = Silo.Grains.GetGrain<IIntegerCounterGrain>(key, ext);
            Assert.Equal(expected, (await grain.Read()).Value);
        }
        Assert.Equal(4, (await Silo.Grains.GetGrain<IGuidCounterGrain>(guid).Read()).Value);
        Assert.Equal(5, (await Silo.Grains.GetGrain<ICounterGrain>("42").Read()).Value);
        // The stored identity columns hold the decoded key parts, so rows can be inspected by hand.
        Assert.Equal(["a", "a", "b"], await MigrationTests.QueryListAsync<string>(_connectionString,
            "SELECT grain_id_extension FROM orleans_grain_state WHERE grain_id_n0 = 0 AND grain_id_n1 IN (42, -42) AND grain_id_extension IS NOT NULL AND grain_type LIKE '%counter%' ORDER BY grain_id_extension, grain_id_n1"));
    }
}
