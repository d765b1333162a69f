using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans.Core.Internal;
using Orleans.Runtime;
using Orleans.TestingHost;
using Spotter.Collab.Grains;
using Spotter.Collab.Grains.Access;
using Spotter.Collab.Crdt.Protocols;
using Spotter.Collab.Grains.Documents;
using Spotter.Collab.Grains.Protocol;
using Spotter.Collab.Grains.Storage;
using Spotter.Collab.Server.Tests.Infrastructure;

namespace Spotter.Collab.Server.Tests.Access;

/// <summary>
/// Decisions served by the per-silo copies of the access model (<see cref="IAccessReaderGrain"/>), on a cluster of
/// two silos: a change is in every copy before its call returns, a copy that missed changes catches up, joins resolve
/// on their silo, and each copy enforces changes on the connections open on its silo.
/// </summary>
public sealed class AccessReplicaTests : IAsyncLifetime, IDisposable
{
    private const int Documents = 12;
    // Each test's cluster gets a directory of its own (xunit makes an instance per test): SQLite pools connections
    // by file name, so a reused name could hand the next cluster a pooled connection to the deleted file.
    private readonly TempDirectory _directory = new();
    // Static because the silo configurator is created by type inside the silo.
    private static readonly AccessReplicaOptions ReplicaOptions = new();
    private static readonly FailingAccessStore.Switch FailNextWrite = new();
    private TestCluster _cluster = null!;

    public async Task InitializeAsync()
    {
        _cluster = SqliteTestCluster.Build<SiloConfigurator>(_directory.Path, silos: 2);
        await _cluster.DeployAsync();
    }

    public async Task DisposeAsync()
    {
        ReplicaOptions.Renewal = new AccessReplicaOptions().Renewal;
        DocumentAccessRefresh = DefaultDocumentAccessRefresh;
        await _cluster.StopAllSilosAsync();
    }

    public void Dispose()
    {
        _cluster.Dispose();
        _directory.Dispose();
    }

    private sealed class SiloConfigurator : ISiloConfigurator
    {
        public void Configure(ISiloBuilder siloBuilder)
        {
            siloBuilder.Services.AddSingleton<SqliteAccessStore>();
            siloBuilder.Services.AddSingleton<IAccessStore>(sp => new FailingAccessStore(sp.GetRequiredService<SqliteAccessStore>(), FailNextWrite));
            siloBuilder.Services.AddSingleton(Options.Create(ReplicaOptions));
            // Read when the silo first activates a document, so a test may set it before creating its documents.
            siloBuilder.Services.Configure<DocumentGrainOptions>(o => o.AccessRefresh = DocumentAccessRefresh);
            siloBuilder.AddIncomingGrainCallFilter<AccessCallLog>();
        }
    }

    /// <summary>How often documents re-register their open connections with their silo's copy (and catch up on
    /// missed changes): by default beyond any test, so what reaches an open connection was pushed.</summary>
    private static readonly TimeSpan DefaultDocumentAccessRefresh = TimeSpan.FromMinutes(5);
    private static TimeSpan DocumentAccessRefresh = DefaultDocumentAccessRefresh;

    /// <summary>Calls received by the organisation grain and the copies, by method (static: filters are created
    /// inside the silos; tests of a class run one at a time).</summary>
    private sealed class AccessCallLog : IIncomingGrainCallFilter
    {
        public static readonly ConcurrentQueue<(Type Grain, string Method)> Calls = new();

        public Task Invoke(IIncomingGrainCallContext context)
        {
            if (context.Grain is OrganizationGrain or AccessReaderGrain) Calls.Enqueue((context.Grain.GetType(), context.MethodName));
            return context.Invoke();
        }

        public static int Count<TGrain>(string method) => Calls.Count(c => c.Grain == typeof(TGrain) && c.Method == method);
    }

    /// <summary>A web host's view of the documents: the role changes they announce.</summary>
    private sealed class AccessWatcher : IDocumentObserver
    {
        public ConcurrentQueue<(string DocumentId, string Username, DocumentRole? Role, long At)> Changes { get; } = new();

        public Task OnBroadcast(DocumentBroadcast broadcast) => Task.CompletedTask;

        public Task OnAccessChanged(string documentId, string username, DocumentRole? role)
        {
            Changes.Enqueue((documentId, username, role, Stopwatch.GetTimestamp()));
            return Task.CompletedTask;
        }

        public Task OnNotice(string resourceId, string kind, string payload) => Task.CompletedTask;

        public Task OnDeactivated(string documentId, Guid epoch) => Task.CompletedTask;

        public bool Revoked(IDocumentGrain document, string username) => RevokedAt(document, username) is not null;

        /// <summary>When the revocation of <paramref name="username"/> on the document was announced.</summary>
        public long? RevokedAt(IDocumentGrain document, string username) =>
            Changes.Where(c => c.DocumentId == document.GetPrimaryKeyString() && c.Username == username && c.Role is null)
                .Select(c => (long?)c.At).FirstOrDefault();
    }

    /// <summary>Fails the next write when switched on (the organisation grain then reloads from the store).</summary>
    private sealed class FailingAccessStore(IAccessStore inner, FailingAccessStore.Switch fail) : IAccessStore
    {
        public sealed class Switch
        {
            private int _armed;

            public void Arm() => Volatile.Write(ref _armed, 1);

            public bool Take() => Interlocked.Exchange(ref _armed, 0) == 1;
        }

        public Task<OrganizationState?> LoadAsync(CancellationToken cancellationToken = default) => inner.LoadAsync(cancellationToken);

        public Task SaveAsync(AccessRowChanges changes, CancellationToken cancellationToken = default) =>
            fail.Take() ? Task.FromException(new IOException("disk full (test)")) : inner.SaveAsync(changes, cancellationToken);
    }

    private IOrganizationGrain Organization => _cluster.Client.GetGrain<IOrganizationGrain>(IOrganizationGrain.Key);

    /// <summary>Documents owned by <paramref name="owner"/>, activated on both silos (random placement: twelve
    /// documents all on one of two silos would happen once in 2,048 runs).</summary>
    private async Task<List<IDocumentGrain>> DocumentsAsync(string owner)
    {
        var documents = new List<IDocumentGrain>();
        for (var i = 0; i < Documents; i++)
        {
            var document = _cluster.Client.GetGrain<IDocumentGrain>(Guid.NewGuid().ToString("N"));
            Assert.True(await document.Create(owner, $"Doc {i}"));
            documents.Add(document);
        }
        return documents;
    }

    /// <summary>Grants <paramref name="username"/> edit on every document, opens a connection of theirs on each and
    /// watches the documents' role changes; returns the grant ids.</summary>
    private async Task<(AccessWatcher Watcher, List<string> Grants)> OpenConnectionsAsync(List<IDocumentGrain> documents, string owner, string username)
    {
        var watcher = new AccessWatcher();
        var reference = _cluster.Client.CreateObjectReference<IDocumentObserver>(watcher);
        var grants = new List<string>();
        foreach (var document in documents)
        {
            var grant = await Organization.AddGrant(owner, document.GetPrimaryKeyString(), $"user:{username}", AccessLevel.Edit);
            Assert.True(grant.IsOk);
            grants.Add(grant.Value!.Id);
            await document.Subscribe(reference);
            Assert.Equal(DocumentRole.Editor, (await document.Join(username, $"c-{username}")).Role);
        }
        return (watcher, grants);
    }

    /// <summary>Documents owned by <paramref name="owner"/> until at least <paramref name="perSilo"/> are active on
    /// each silo (placement decides where each goes; under load it may favour one silo for a while).</summary>
    private async Task<List<IDocumentGrain>> DocumentsOnEverySiloAsync(string owner, int perSilo = 3)
    {
        var management = _cluster.Client.GetGrain<IManagementGrain>(0);
        var documents = new List<IDocumentGrain>();
        var perSiloCount = new Dictionary<SiloAddress, int>();
        for (var i = 0; i < 100 && (perSiloCount.Count < 2 || perSiloCount.Values.Any(n => n < perSilo)); i++)
        {
            var document = _cluster.Client.GetGrain<IDocumentGrain>(Guid.NewGuid().ToString("N"));
            Assert.True(await document.Create(owner, $"Doc {i}"));
            documents.Add(document);
            if (await management.GetActivationAddress(document) is { } silo) perSiloCount[silo] = perSiloCount.GetValueOrDefault(silo) + 1;
        }
        Assert.True(perSiloCount.Count == 2 && perSiloCount.Values.All(n => n >= perSilo), "documents on both silos");
        return documents;
    }

    private async Task AddUserAsync(string username) =>
        Assert.True((await Organization.AddUser(new DirectoryUser(username, username, UserKind.Employee, null, null, [], false, false))).IsOk);

    [Fact]
    public async Task A_grant_is_seen_by_the_next_decision_on_every_silo_and_a_removal_refuses_at_once()
    {
        await AddUserAsync("olga");
        await AddUserAsync("bob");
        var documents = await DocumentsAsync("olga");
        // Every document's silo answers from its own copy: bob sees nothing yet.
        foreach (var document in documents) Assert.Null(await document.Describe("bob"));

        var grants = new List<(IDocumentGrain Document, string GrantId)>();
        foreach (var document in documents)
        {
            var id = document.GetPrimaryKeyString();
            var grant = await Organization.AddGrant("olga", id, "user:bob", AccessLevel.Edit);
            Assert.True(grant.IsOk);
            grants.Add((document, grant.Value!.Id));
            Assert.Equal(AccessLevel.Edit, (await document.Describe("bob"))?.Level);
        }

        foreach (var (document, grantId) in grants)
        {
            Assert.True((await Organization.RemoveGrant("olga", document.GetPrimaryKeyString(), grantId)).IsOk);
            Assert.Null(await document.Describe("bob"));
        }
    }

    [Fact]
    public async Task A_deactivated_user_is_refused_by_the_next_decision()
    {
        await AddUserAsync("carl");
        var documents = await DocumentsAsync("carl");
        foreach (var document in documents) Assert.Equal(AccessLevel.Manage, (await document.Describe("carl"))?.Level);

        Assert.True((await Organization.SetDeactivated("carl", true)).IsOk);
        foreach (var document in documents) Assert.Null(await document.Describe("carl"));
    }

    [Fact]
    public async Task Copies_reload_before_their_next_answer_when_the_organisation_grain_starts_over()
    {
        await AddUserAsync("dana");
        await AddUserAsync("erik");
        var documents = await DocumentsAsync("dana");
        foreach (var document in documents) Assert.Null(await document.Describe("erik"));

        // A failed write makes the organisation grain start over from the store: before its callers hear of the
        // failure it tells the copies its versions end, and its new activation knows no copies. The copies reload
        // before their next answer, not at the end of their lease.
        FailNextWrite.Arm();
        await Assert.ThrowsAnyAsync<Exception>(() => Organization.CreateGroup("lost"));
        var target = documents[0].GetPrimaryKeyString();
        var granted = await Organization.AddGrant("dana", target, "user:erik", AccessLevel.View);
        Assert.True(granted.IsOk);

        Assert.Equal(AccessLevel.View, (await documents[0].Describe("erik"))?.Level);
        foreach (var document in documents.Skip(1)) Assert.Null(await document.Describe("erik"));
        Assert.Equal(AccessLevel.View, (await _cluster.Client.GetGrain<IAccessReaderGrain>(IAccessReaderGrain.Key).Resolve(target, "erik")).Level);
    }

    [Fact]
    public async Task A_join_resolves_on_its_silo_without_calling_the_organisation_grain()
    {
        await AddUserAsync("fay");
        await AddUserAsync("gus");
        var documents = await DocumentsAsync("fay");
        foreach (var document in documents)
        {
            Assert.True((await Organization.AddGrant("fay", document.GetPrimaryKeyString(), "user:gus", AccessLevel.Comment)).IsOk);
            // Activates the copy on the document's silo (a new copy loads the model once).
            Assert.Equal(AccessLevel.Comment, (await document.Describe("gus"))?.Level);
        }

        AccessCallLog.Calls.Clear();
        foreach (var document in documents)
        {
            Assert.Equal(DocumentRole.Commenter, (await document.Join("gus", "c-gus")).Role);
            Assert.Null((await document.Join("stranger", "c-stranger")).Role);
        }

        Assert.Equal(2 * Documents, AccessCallLog.Count<AccessReaderGrain>(nameof(IAccessReaderGrain.OpenDocument)));
        // A copy renews its lease on its own schedule; nothing else reached the organisation grain.
        Assert.DoesNotContain(AccessCallLog.Calls, c => c.Grain == typeof(OrganizationGrain) && c.Method != nameof(IAccessReplicaSource.SubscribeReplica));
    }

    [Fact]
    public async Task A_grant_removed_revokes_open_connections_whose_documents_live_on_either_silo()
    {
        await AddUserAsync("hal");
        await AddUserAsync("ida");
        var documents = await DocumentsOnEverySiloAsync("hal");
        var (watcher, grants) = await OpenConnectionsAsync(documents, "hal", "ida");

        var returnedAt = new long[documents.Count];
        for (var i = 0; i < documents.Count; i++)
        {
            Assert.True((await Organization.RemoveGrant("hal", documents[i].GetPrimaryKeyString(), grants[i])).IsOk);
            returnedAt[i] = Stopwatch.GetTimestamp();
        }

        // The copy on each document's silo pushed the revocation before the removal returned: it is announced well
        // within a second of that (the copies' lease tick, 2.5 s, would be later).
        await Eventually.HoldsAsync(() => documents.All(d => watcher.Revoked(d, "ida")), "every open connection was revoked");
        for (var i = 0; i < documents.Count; i++)
        {
            var after = Stopwatch.GetElapsedTime(returnedAt[i], watcher.RevokedAt(documents[i], "ida")!.Value);
            Assert.True(after < TimeSpan.FromSeconds(1), $"revoked {after.TotalMilliseconds:F0} ms after the removal returned");
        }
        var update = new SyncedDoc().Edit(d => d.GetText("t").Insert(0, "x"))!;
        foreach (var document in documents)
        {
            Assert.Equal(RejectCodes.Forbidden, (await document.Receive("ida", "c-ida", Frames.Sync(SyncMessageType.Update, update))).RejectCode);
        }
    }

    [Fact]
    public async Task A_reactivated_copy_gets_its_open_connections_back_from_the_documents_and_enforces_on_them()
    {
        DocumentAccessRefresh = TimeSpan.FromSeconds(1);
        await AddUserAsync("jon");
        await AddUserAsync("kim");
        var documents = await DocumentsOnEverySiloAsync("jon");
        var (watcher, grants) = await OpenConnectionsAsync(documents, "jon", "kim");

        // Each silo's copy goes away with the pairs it held; the next call on that silo activates a fresh one.
        var snapshotsBefore = AccessCallLog.Count<OrganizationGrain>(nameof(IAccessReplicaSource.GetReplicaSnapshot));
        foreach (var silo in _cluster.Silos.Cast<InProcessSiloHandle>())
        {
            var grains = silo.SiloHost.Services.GetRequiredService<IGrainFactory>();
            await grains.GetGrain<IAccessReaderGrain>(IAccessReaderGrain.Key).AsReference<IGrainManagementExtension>().DeactivateOnIdle();
        }
        var refreshesBefore = AccessCallLog.Count<AccessReaderGrain>(nameof(IAccessReaderGrain.RefreshOpen));
        // Every document re-registers its open connection on its refresh; both fresh copies loaded the model whole.
        await Eventually.HoldsAsync(
            () => AccessCallLog.Count<AccessReaderGrain>(nameof(IAccessReaderGrain.RefreshOpen)) >= refreshesBefore + 2 * documents.Count,
            "the documents refreshed their open connections twice");
        Assert.True(AccessCallLog.Count<OrganizationGrain>(nameof(IAccessReplicaSource.GetReplicaSnapshot)) >= snapshotsBefore + 2, "both copies were reactivated");

        for (var i = 0; i < documents.Count; i++)
        {
            Assert.True((await Organization.RemoveGrant("jon", documents[i].GetPrimaryKeyString(), grants[i])).IsOk);
        }
        await Eventually.HoldsAsync(() => documents.All(d => watcher.Revoked(d, "kim")), "every open connection was revoked");
    }

    [Fact]
    public async Task Open_connections_hear_of_a_change_made_by_an_organisation_activation_that_knows_no_copies()
    {
        await AddUserAsync("lea");
        await AddUserAsync("max");
        var documents = await DocumentsOnEverySiloAsync("lea");
        var (watcher, grants) = await OpenConnectionsAsync(documents, "lea", "max");

        // A failed write makes the organisation grain start over: its next activation pushes to no copy until the
        // copies subscribe again, which those holding open connections do within half a lease.
        FailNextWrite.Arm();
        await Assert.ThrowsAnyAsync<Exception>(() => Organization.CreateGroup("lost"));
        for (var i = 0; i < documents.Count; i++)
        {
            Assert.True((await Organization.RemoveGrant("lea", documents[i].GetPrimaryKeyString(), grants[i])).IsOk);
        }
        await Eventually.HoldsAsync(() => documents.All(d => watcher.Revoked(d, "max")), "every open connection was revoked");
    }
}
