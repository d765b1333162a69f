using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;
using Spotter.Collab.Grains.Access;
using Spotter.Collab.Grains.Storage;
using Spotter.Collab.Server.Tests.Infrastructure;

namespace Spotter.Collab.Server.Tests.Access;

/// <summary>Access decisions of the organisation grain do not queue behind a mutation that is waiting for its rows
/// to be written; the mutation itself completes once its write does.</summary>
public sealed class OrganizationInterleavingTests : IAsyncLifetime, IDisposable
{
    // Each test's cluster gets a directory of its own (xunit makes an instance per test): SQLite pools connections
    // by file name, so a reused name could hand the next cluster a pooled connection to the deleted file.
    private readonly TempDirectory _directory = new();
    // Static because the silo configurator is created by type inside the silo.
    private static readonly GatedAccessStore.Gate WriteGate = new();
    private TestCluster _cluster = null!;

    public async Task InitializeAsync()
    {
        _cluster = SqliteTestCluster.Build<SiloConfigurator>(_directory.Path);
        await _cluster.DeployAsync();
    }

    public async Task DisposeAsync()
    {
        WriteGate.Open();
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
            siloBuilder.Services.AddSingleton<IAccessStore>(sp => new GatedAccessStore(sp.GetRequiredService<SqliteAccessStore>(), WriteGate));
            siloBuilder.Services.AddSingleton<SqliteAccessStore>();
        }
    }

    /// <summary>Writes wait while the gate is closed.</summary>
    private sealed class GatedAccessStore(IAccessStore inner, GatedAccessStore.Gate gate) : IAccessStore
    {
        public sealed class Gate
        {
            private volatile TaskCompletionSource _open = CompletedSource();

            private static TaskCompletionSource CompletedSource()
            {
                var source = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                source.SetResult();
                return source;
            }

            public void Close() => _open = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

            public void Open() => _open.TrySetResult();

            public Task WaitAsync() => _open.Task;
        }

        public Task<OrganizationState?> LoadAsync(CancellationToken cancellationToken = default) => inner.LoadAsync(cancellationToken);

        public async Task SaveAsync(AccessRowChanges changes, CancellationToken cancellationToken = default)
        {
            await gate.WaitAsync();
            await inner.SaveAsync(changes, cancellationToken);
        }
    }

    [Fact]
    public async Task Decisions_and_trees_answer_while_a_mutation_waits_for_its_write()
    {
        var org = _cluster.Client.GetGrain<IOrganizationGrain>(IOrganizationGrain.Key);
        var space = (await org.CreateSpace("admin", "Space")).Id!;
        var page = (await org.CreatePage("admin", space, null, "Page", null)).Id!;

        WriteGate.Close();
        var pending = org.CreatePage("admin", space, null, "Waiting", null);
        // Each read would wait for the held write if it queued behind the mutation.
        var reads = Task.WhenAll(
            org.Resolve(page, "admin"),
            org.GetTree("admin", space),
            org.FilterReadable("admin", [page]));
        var first = await Task.WhenAny(reads, pending, Task.Delay(TimeSpan.FromSeconds(30)));
        Assert.Same(reads, first);
        Assert.False(pending.IsCompleted);
        Assert.Equal(AccessLevel.Manage, (await org.Resolve(page, "admin")).Level);

        WriteGate.Open();
        var created = await pending;
        Assert.True(created.IsOk);
        Assert.Equal(2, (await org.GetTree("admin", space))!.Pages.Count);
    }

    [Fact]
    public async Task Mutations_apply_while_an_earlier_one_waits_for_its_write_and_complete_with_it()
    {
        var org = _cluster.Client.GetGrain<IOrganizationGrain>(IOrganizationGrain.Key);
        var space = (await org.CreateSpace("admin", "Group commit")).Id!;

        WriteGate.Close();
        var first = org.CreatePage("admin", space, null, "First", null);
        var second = org.CreatePage("admin", space, null, "Second", null);
        var grant = org.AddGrant("admin", space, "company", AccessLevel.View);
        // All three are applied in memory (visible to decisions and trees) while the first write is held; the
        // calls may arrive in any order, so wait (bounded) until all three are seen.
        var waiting = System.Diagnostics.Stopwatch.StartNew();
        while ((await org.GetTree("admin", space))!.Pages.Count < 2 || !(await org.GetGrants("admin", space)).Value!.Any(g => g.Principal == "company"))
        {
            Assert.True(waiting.Elapsed < TimeSpan.FromSeconds(30), "the mutations were not applied while the write was held");
            await Task.Delay(10);
        }
        Assert.Equal(["First", "Second"], (await org.GetTree("admin", space))!.Pages.Select(p => p.Title).Order());
        Assert.False(first.IsCompleted);
        Assert.False(second.IsCompleted);
        Assert.False(grant.IsCompleted);

        WriteGate.Open();
        Assert.True((await first).IsOk);
        Assert.True((await second).IsOk);
        Assert.True((await grant).IsOk);
    }
}
