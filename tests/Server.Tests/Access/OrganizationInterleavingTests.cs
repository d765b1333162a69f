using Microsoft.Extensions.Configuration;
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
    private static readonly TempDirectory Directory = new();
    // Static because the silo configurator is created by type inside the silo.
    private static readonly GatedAccessStore.Gate WriteGate = new();
    private TestCluster _cluster = null!;

    public async Task InitializeAsync()
    {
        var builder = new TestClusterBuilder(1);
        builder.AddSiloBuilderConfigurator<SiloConfigurator>();
        _cluster = builder.Build();
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
        Directory.Dispose();
    }

    private sealed class SiloConfigurator : ISiloConfigurator
    {
        public void Configure(ISiloBuilder siloBuilder)
        {
            var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Storage:DataDirectory"] = Directory.Path,
            }).Build();
            siloBuilder.Services.AddSqliteStorage(configuration);
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
            org.OpenDocument(page, "admin"),
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
}
