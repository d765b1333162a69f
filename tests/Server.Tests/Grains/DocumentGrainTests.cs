using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Orleans.TestingHost;
using Spotter.Collab.Crdt.Protocols;
using Spotter.Collab.Grains;
using Spotter.Collab.Grains.Documents;
using Spotter.Collab.Grains.Protocol;
using Spotter.Collab.Grains.Storage;
using Spotter.Collab.Server.Tests.Infrastructure;

namespace Spotter.Collab.Server.Tests.Grains;

/// <summary>An in-process test cluster whose silo stores everything in a temp SQLite file.</summary>
public sealed class GrainClusterFixture : IAsyncLifetime, IDisposable
{
    private static readonly TempDirectory Directory = new();

    public TestCluster Cluster { get; private set; } = null!;

    // Static because the silo configurator is created by type inside the silo.
    public static string DataDirectory => Directory.Path;

    public const int CompactAfterUpdates = 4;

    public async Task InitializeAsync()
    {
        Cluster = SqliteTestCluster.Build<SiloConfigurator>(Directory.Path);
        await Cluster.DeployAsync();
    }

    public async Task DisposeAsync() => await Cluster.StopAllSilosAsync();

    public void Dispose()
    {
        Cluster?.Dispose();
        Directory.Dispose();
    }

    private sealed class SiloConfigurator : ISiloConfigurator
    {
        public void Configure(ISiloBuilder siloBuilder)
        {
            siloBuilder.Services.AddResourceKind<ResourceKinds.BoardKind>();
            siloBuilder.Services.Configure<DocumentGrainOptions>(o =>
            {
                o.CompactAfterUpdates = CompactAfterUpdates;
                o.BroadcastTick = TimeSpan.FromMilliseconds(50);
                o.MinBroadcastTick = TimeSpan.FromMilliseconds(50);
            });
        }
    }
}

/// <summary>One test cluster for every grain-level test class: the silo's data directory is static (the silo
/// configurator is created by type), so two fixtures would delete each other's database.</summary>
[CollectionDefinition(Name)]
public sealed class GrainClusterGroup : ICollectionFixture<GrainClusterFixture>
{
    public const string Name = "grain cluster";
}

[Collection(GrainClusterGroup.Name)]
public sealed class DocumentGrainTests(GrainClusterFixture fixture)
{
    private IGrainFactory Grains => fixture.Cluster.Client;

    private async Task<(string Id, IDocumentGrain Grain)> NewDocumentAsync(string owner = "owner")
    {
        var id = Guid.NewGuid().ToString("N");
        var grain = Grains.GetGrain<IDocumentGrain>(id);
        Assert.True(await grain.Create(owner, "title"));
        return (id, grain);
    }

    private static byte[] TextUpdate(SyncedDoc doc, string text) =>
        Frames.Parse(doc.Edit(d => d.GetText("t").Insert(d.GetText("t").ToString().Length, text))!).Payload.ToArray();

    internal sealed class RecordingObserver : IDocumentObserver
    {
        public ConcurrentQueue<DocumentBroadcast> Broadcasts { get; } = new();
        public ConcurrentQueue<(string User, DocumentRole? Role)> AccessChanges { get; } = new();

        public Task OnBroadcast(DocumentBroadcast broadcast)
        {
            Broadcasts.Enqueue(broadcast);
            return Task.CompletedTask;
        }

        public Task OnAccessChanged(string documentId, string username, DocumentRole? role)
        {
            AccessChanges.Enqueue((username, role));
            return Task.CompletedTask;
        }

        public ConcurrentQueue<(string ResourceId, string Kind, string Payload)> Notices { get; } = new();

        public Task OnNotice(string resourceId, string kind, string payload)
        {
            Notices.Enqueue((resourceId, kind, payload));
            return Task.CompletedTask;
        }

        public ConcurrentQueue<(string DocumentId, Guid Epoch)> Deactivations { get; } = new();

        public Task OnDeactivated(string documentId, Guid epoch)
        {
            Deactivations.Enqueue((documentId, epoch));
            return Task.CompletedTask;
        }
    }

    [Fact]
    public async Task Roles_decide_join_and_missing_documents_look_like_unshared_ones()
    {
        var (_, grain) = await NewDocumentAsync();
        Assert.False(await grain.Create("other", "again"));
        Assert.Equal(MembershipResult.Ok, await grain.SetMember("owner", "vera", DocumentRole.Viewer));
        Assert.Equal(MembershipResult.Forbidden, await grain.SetMember("vera", "vera", DocumentRole.Owner));
        Assert.Equal(MembershipResult.NotFound, await grain.SetMember("stranger", "vera", DocumentRole.Owner));
        Assert.Equal(MembershipResult.LastOwner, await grain.RemoveMember("owner", "owner"));

        var viewer = await grain.Join("vera", "c1");
        Assert.Equal(DocumentRole.Viewer, viewer.Role);
        Assert.Equal(FrameType.Sync, Frames.Parse(viewer.SyncStep1!).Type);
        var stranger = await grain.Join("stranger", "c2");
        var missing = await Grains.GetGrain<IDocumentGrain>(Guid.NewGuid().ToString("N")).Join("stranger", "c3");
        Assert.Equal((stranger.Role, stranger.SyncStep1), (missing.Role, missing.SyncStep1));
        Assert.Null(stranger.Role);
        Assert.Null(await grain.Describe("stranger"));
    }

    [Fact]
    public async Task Editor_updates_are_durable_and_viewer_updates_rejected()
    {
        var (id, grain) = await NewDocumentAsync();
        await grain.SetMember("owner", "vera", DocumentRole.Viewer);
        var doc = new SyncedDoc();
        var ok = await grain.Receive("owner", "c1", Frames.Sync(SyncMessageType.Update, TextUpdate(doc, "hello")));
        Assert.False(ok.IsRejected);

        var viewerDoc = new SyncedDoc();
        var denied = await grain.Receive("vera", "c2", Frames.Sync(SyncMessageType.Step2, TextUpdate(viewerDoc, "nope")));
        Assert.Equal(RejectCodes.ReadOnly, denied.RejectCode);
        var empty = await grain.Receive("vera", "c2", Frames.Sync(SyncMessageType.Step2, new SyncedDoc().Doc.EncodeStateAsUpdate()));
        Assert.False(empty.IsRejected);
        var malformed = await grain.Receive("owner", "c1", Frames.Sync(SyncMessageType.Update, [3, 1, 2, 250]));
        Assert.Equal(RejectCodes.Malformed, malformed.RejectCode);

        Assert.Equal("\"hello\"", (await grain.ReadRoot("vera", "t", RootKind.Text)).Json);
        // Durable before Receive returned: the log already holds it.
        await using var store = OpenStore();
        var stored = await store.LoadAsync(id);
        var replay = DocumentState.Load(stored);
        Assert.Equal("\"hello\"", replay.ReadRootJson("t", RootKind.Text));
    }

    [Fact]
    public async Task Each_subscribed_host_gets_at_most_one_batch_per_tick_marked_with_its_origin()
    {
        var (_, grain) = await NewDocumentAsync();
        var hostA = new RecordingObserver();
        var hostB = new RecordingObserver();
        var refA = Grains.CreateObjectReference<IDocumentObserver>(hostA);
        var refB = Grains.CreateObjectReference<IDocumentObserver>(hostB);
        await grain.Subscribe(refA);
        await grain.Subscribe(refB);

        var doc = new SyncedDoc();
        var updates = Enumerable.Range(0, 4).Select(i => TextUpdate(doc, $"{i}")).ToList();
        // The first update after a quiet tick goes out at once, alone.
        await grain.Receive("owner", "conn-1", Frames.Sync(SyncMessageType.Update, updates[0]));
        await Eventually.HoldsAsync(() => !hostA.Broadcasts.IsEmpty && !hostB.Broadcasts.IsEmpty, "both hosts got the first batch");
        // A burst within the tick (50 ms here) is merged: fewer batches than updates, each host gets the same ones.
        await Task.WhenAll(updates.Skip(1).Select(u => grain.Receive("owner", "conn-1", Frames.Sync(SyncMessageType.Update, u))));
        var receiver = new SyncedDoc();
        await Eventually.HoldsAsync(() =>
        {
            foreach (var broadcast in hostA.Broadcasts) receiver.Handle(Assert.Single(broadcast.Frames).Frame);
            return receiver.Text() == "0123";
        }, "the batches carry every update");
        await Task.Delay(200);
        Assert.InRange(hostA.Broadcasts.Count, 2, 3);
        Assert.Equal(hostA.Broadcasts.Count, hostB.Broadcasts.Count);
        var frames = hostA.Broadcasts.Select(b => Assert.Single(b.Frames)).ToList();
        // A lone sender: everyone but it gets the frame.
        Assert.All(frames, frame => Assert.Equal(["conn-1"], frame.Except));
        Assert.All(frames, frame => Assert.Null(frame.To));
        var first = new SyncedDoc();
        first.Handle(frames[0].Frame);
        Assert.Equal("0", first.Text());

        // Role changes are pushed for principals with a connection open (access lives in the organisation grain).
        await grain.SetMember("owner", "bob", DocumentRole.Editor);
        Assert.Equal(DocumentRole.Editor, (await grain.Join("bob", "conn-bob")).Role);
        await grain.SetMember("owner", "bob", DocumentRole.Viewer);
        await grain.RemoveMember("owner", "bob");
        await Eventually.HoldsAsync(() => hostA.AccessChanges.Count == 2, "access changes reached the host");
        Assert.Equal([("bob", DocumentRole.Viewer), ("bob", (DocumentRole?)null)], hostA.AccessChanges.ToList());
        Grains.DeleteObjectReference<IDocumentObserver>(refA);
        Grains.DeleteObjectReference<IDocumentObserver>(refB);
    }

    [Fact]
    public async Task Reactivation_reloads_content_from_snapshot_and_log_and_changes_the_epoch()
    {
        var (id, grain) = await NewDocumentAsync();
        var observer = new RecordingObserver();
        var reference = Grains.CreateObjectReference<IDocumentObserver>(observer);
        var epoch = await grain.Subscribe(reference);
        var doc = new SyncedDoc();
        for (var i = 0; i < 10; i++) await grain.Receive("owner", "c1", Frames.Sync(SyncMessageType.Update, TextUpdate(doc, $"{i}")));

        // Compaction ran (every few updates): the log holds a snapshot plus a short tail.
        await using var store = OpenStore();
        await Eventually.HoldsAsync(async () => (await store.LoadAsync(id)).Snapshot is not null, "a snapshot was written");
        Assert.True((await store.LoadAsync(id)).Tail.Count < 10);

        await Grains.GetGrain<IManagementGrain>(0).ForceActivationCollection(TimeSpan.Zero);
        // The old activation said goodbye to its subscribers, naming itself, so they re-subscribe without waiting.
        await Eventually.HoldsAsync(() => observer.Deactivations.Contains((id, epoch)), "the deactivating grain told its observer");
        var after = await grain.Subscribe(reference);
        Assert.NotEqual(epoch, after);
        Assert.Equal("\"0123456789\"", (await grain.ReadRoot("owner", "t", RootKind.Text)).Json);
        Grains.DeleteObjectReference<IDocumentObserver>(reference);
    }

    [Fact]
    public async Task Leaving_removes_awareness_states_for_everyone()
    {
        var (_, grain) = await NewDocumentAsync();
        await grain.SetMember("owner", "vera", DocumentRole.Viewer);
        var observer = new RecordingObserver();
        var reference = Grains.CreateObjectReference<IDocumentObserver>(observer);
        await grain.Subscribe(reference);
        await grain.Join("vera", "c2");
        var awareness = AwarenessUpdates.Encode((77, 3, """{"cursor":1}"""));
        Assert.False((await grain.Receive("vera", "c2", Frames.Awareness(awareness))).IsRejected);
        await grain.Leave("c2");
        await Eventually.HoldsAsync(() => AwarenessUpdates.Decode(observer.Broadcasts.SelectMany(b => b.Frames).Select(f => f.Frame))
            .Any(e => e.Client == 77 && e.State is null), "the removal was broadcast");
        var query = await grain.Receive("owner", "c1", [3]);
        Assert.Null(query.Reply);
        Grains.DeleteObjectReference<IDocumentObserver>(reference);
    }

    private static SqliteDocumentStore OpenStore()
    {
        var options = Options.Create(new SqliteStoreOptions { DataDirectory = GrainClusterFixture.DataDirectory });
        return new SqliteDocumentStore(new SqliteDatabase(options), options, NullLogger<SqliteDocumentStore>.Instance);
    }
}
