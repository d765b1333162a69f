using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;
using Spotter.Collab.Crdt.Protocols;
using Spotter.Collab.Grains;
using Spotter.Collab.Grains.Documents;
using Spotter.Collab.Grains.Protocol;
using Spotter.Collab.Grains.Storage;
using Spotter.Collab.Server.Tests.Infrastructure;

namespace Spotter.Collab.Server.Tests.Grains;

/// <summary>A test cluster whose documents deactivate <see cref="IdleTime"/> after their last participant left.</summary>
public sealed class IdleDocumentClusterFixture : IAsyncLifetime, IDisposable
{
    private readonly TempDirectory _directory = new();

    public static readonly TimeSpan IdleTime = TimeSpan.FromMilliseconds(500);

    public TestCluster Cluster { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Cluster = SqliteTestCluster.Build<SiloConfigurator>(_directory.Path);
        await Cluster.DeployAsync();
    }

    public async Task DisposeAsync() => await Cluster.StopAllSilosAsync();

    public void Dispose()
    {
        Cluster?.Dispose();
        _directory.Dispose();
    }

    private sealed class SiloConfigurator : ISiloConfigurator
    {
        public void Configure(ISiloBuilder siloBuilder)
        {
            siloBuilder.Services.Configure<DocumentGrainOptions>(o => o.IdleDeactivation = IdleTime);
        }
    }
}

public sealed class IdleDeactivationTests(IdleDocumentClusterFixture fixture) : IClassFixture<IdleDocumentClusterFixture>
{
    private IGrainFactory Grains => fixture.Cluster.Client;

    [Fact]
    public async Task A_document_deactivates_once_its_last_participant_left_and_comes_back_with_everything()
    {
        var id = Guid.NewGuid().ToString("N");
        var grain = Grains.GetGrain<IDocumentGrain>(id);
        Assert.True(await grain.Create("owner", "title"));
        var observer = new DocumentGrainTests.RecordingObserver();
        var reference = Grains.CreateObjectReference<IDocumentObserver>(observer);
        var epoch = await grain.Subscribe(reference);

        var doc = new SyncedDoc();
        Assert.Equal(epoch, (await grain.Join("owner", "c1")).Epoch);
        await grain.Join("owner", "c2");
        var edit = doc.Edit(d => d.GetText("t").Insert(0, "kept"))!;
        Assert.False((await grain.Receive("owner", "c1", edit)).IsRejected);

        // One connection left: the other keeps the activation (and its epoch) well past the idle time.
        await grain.Leave("c1");
        await Task.Delay(IdleDocumentClusterFixture.IdleTime * 3);
        Assert.Empty(observer.Deactivations);
        Assert.Equal(epoch, (await grain.Join("owner", "c2")).Epoch);

        // A participant who leaves and comes back within the idle time does not lose the activation either.
        await grain.Leave("c2");
        Assert.Equal(epoch, (await grain.Join("owner", "c3")).Epoch);
        await Task.Delay(IdleDocumentClusterFixture.IdleTime * 3);
        Assert.Empty(observer.Deactivations);

        // Nobody left: the activation goes on its own schedule, saying goodbye to the hosts still subscribed.
        await grain.Leave("c3");
        await Eventually.HoldsAsync(() => observer.Deactivations.Contains((id, epoch)), "the idle document deactivated");

        // The next join gets a new activation with the content it had.
        var rejoined = await grain.Join("owner", "c4");
        Assert.Equal(DocumentRole.Owner, rejoined.Role);
        Assert.NotEqual(epoch, rejoined.Epoch);
        Assert.Equal("\"kept\"", (await grain.ReadRoot("owner", "t", RootKind.Text)).Json);
        await grain.Leave("c4");
        Grains.DeleteObjectReference<IDocumentObserver>(reference);
    }
}
