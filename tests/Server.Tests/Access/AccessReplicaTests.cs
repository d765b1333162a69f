using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans.TestingHost;
using Spotter.Collab.Grains;
using Spotter.Collab.Grains.Access;
using Spotter.Collab.Grains.Storage;
using Spotter.Collab.Server.Tests.Infrastructure;

namespace Spotter.Collab.Server.Tests.Access;

/// <summary>
/// Decisions served by the per-silo copies of the access model (<see cref="IAccessReaderGrain"/>), on a cluster of
/// two silos: a change is in every copy before its call returns, and a copy that missed changes catches up.
/// </summary>
public sealed class AccessReplicaTests : IAsyncLifetime, IDisposable
{
    private const int Documents = 12;
    // Each test's cluster gets a directory of its own (xunit makes an instance per test): SQLite pools connections
    // by file name, so a reused name could hand the next cluster a pooled connection to the deleted file.
    private readonly TempDirectory _directory = new();
    // Static because the silo configurator is created by type inside the silo; tests of a class run one at a time.
    private static string DataDirectory = "";
    // Static because the silo configurator is created by type inside the silo.
    private static readonly AccessReplicaOptions ReplicaOptions = new();
    private static readonly FailingAccessStore.Switch FailNextWrite = new();
    private TestCluster _cluster = null!;

    public async Task InitializeAsync()
    {
        var builder = new TestClusterBuilder(2);
        DataDirectory = _directory.Path;
        builder.AddSiloBuilderConfigurator<SiloConfigurator>();
        _cluster = builder.Build();
        await _cluster.DeployAsync();
    }

    public async Task DisposeAsync()
    {
        ReplicaOptions.Renewal = new AccessReplicaOptions().Renewal;
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
            var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Storage:DataDirectory"] = DataDirectory,
            }).Build();
            siloBuilder.Services.AddSqliteStorage(configuration);
            siloBuilder.Services.AddSingleton<SqliteAccessStore>();
            siloBuilder.Services.AddSingleton<IAccessStore>(sp => new FailingAccessStore(sp.GetRequiredService<SqliteAccessStore>(), FailNextWrite));
            siloBuilder.Services.AddSingleton(Options.Create(ReplicaOptions));
        }
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
}
