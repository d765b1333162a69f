using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans.Serialization;
using Orleans.Storage;
using Spotter.Collab.Grains.Storage;
using Spotter.Collab.Grains.Users;
using Spotter.Collab.Server.Tests.Infrastructure;

namespace Spotter.Collab.Server.Tests.Storage;

public sealed class SqliteGrainStorageTests : IDisposable
{
    private readonly TempDirectory _directory = new();
    private readonly ServiceProvider _services = new ServiceCollection().AddSerializer().BuildServiceProvider();

    private SqliteGrainStorage Storage() => new(
        new SqliteDatabase(Options.Create(new SqliteStoreOptions { DataDirectory = _directory.Path })),
        _services.GetRequiredService<Serializer>());

    private static GrainId Id(string key) => GrainId.Create("user", key);

    private static DateTimeOffset At(int day) => new(2026, 1, day, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task State_round_trips_with_a_changing_etag()
    {
        var storage = Storage();
        var state = new GrainState<UserRecord>(new UserRecord { CreatedAt = At(1) });
        await storage.WriteStateAsync("user", Id("alice"), state);
        var firstEtag = state.ETag;
        state.State!.CreatedAt = At(2);
        await storage.WriteStateAsync("user", Id("alice"), state);
        Assert.NotEqual(firstEtag, state.ETag);

        var read = new GrainState<UserRecord>();
        await Storage().ReadStateAsync("user", Id("alice"), read);
        Assert.True(read.RecordExists);
        Assert.Equal(At(2), read.State!.CreatedAt);
        Assert.Equal(state.ETag, read.ETag);
    }

    [Fact]
    public async Task Stale_etag_writes_and_duplicate_creates_are_refused()
    {
        var storage = Storage();
        var winner = new GrainState<UserRecord>(new UserRecord { CreatedAt = At(1) });
        await storage.WriteStateAsync("user", Id("bob"), winner);
        var stale = new GrainState<UserRecord> { State = new UserRecord { CreatedAt = At(2) }, ETag = winner.ETag };
        await storage.WriteStateAsync("user", Id("bob"), winner);
        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteStateAsync("user", Id("bob"), stale));
        var duplicate = new GrainState<UserRecord>(new UserRecord { CreatedAt = At(3) });
        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteStateAsync("user", Id("bob"), duplicate));

        var read = new GrainState<UserRecord>();
        await storage.ReadStateAsync("user", Id("bob"), read);
        Assert.Equal(At(1), read.State!.CreatedAt);
    }

    [Fact]
    public async Task Missing_state_reads_as_default_and_clear_removes_it()
    {
        var storage = Storage();
        var missing = new GrainState<UserRecord>();
        await storage.ReadStateAsync("user", Id("nobody"), missing);
        Assert.False(missing.RecordExists);
        Assert.Null(missing.ETag);

        var state = new GrainState<UserRecord>(new UserRecord { CreatedAt = At(1) });
        await storage.WriteStateAsync("user", Id("carol"), state);
        await storage.ClearStateAsync("user", Id("carol"), state);
        var read = new GrainState<UserRecord>();
        await storage.ReadStateAsync("user", Id("carol"), read);
        Assert.False(read.RecordExists);
    }

    public void Dispose()
    {
        _services.Dispose();
        _directory.Dispose();
    }
}
