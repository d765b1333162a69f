using Spotter.Collab.Grains.Storage;

// Compiled into Server.Tests (SQLite) and Cluster.Tests (PostgreSQL): one contract, every store.
namespace Spotter.Collab.Server.Tests.Storage;

/// <summary>
/// What every <see cref="IDocumentStore"/> must do. A derived class supplies stores that all open the same
/// database, so "reopening" means a new store instance on the data the previous one committed.
/// </summary>
public abstract class DocumentStoreContractTests : IAsyncLifetime
{
    /// <summary>Creates the (empty) database the test's stores share.</summary>
    public virtual Task InitializeAsync() => Task.CompletedTask;

    public virtual Task DisposeAsync() => Task.CompletedTask;

    /// <summary>A new store instance on the test's database.</summary>
    protected abstract GroupCommitDocumentStore OpenStore();

    /// <summary>Makes the database itself refuse every insert of <paramref name="documentId"/>'s updates (a trigger),
    /// a failure in the middle of a batch that the store cannot see coming.</summary>
    protected abstract Task RejectAppendsOfAsync(string documentId);

    [Fact]
    public async Task Appended_updates_load_back_in_order_after_reopening()
    {
        await using (var store = OpenStore())
        {
            for (byte i = 1; i <= 5; i++) await store.AppendAsync("doc", new[] { i, i });
            await store.AppendAsync("other", new byte[] { 99 });
        }
        await using var reopened = OpenStore();
        var loaded = await reopened.LoadAsync("doc");
        Assert.Null(loaded.Snapshot);
        Assert.Equal([1, 2, 3, 4, 5], loaded.Tail.Select(u => (int)u.Update[0]));
        Assert.Equal(new byte[] { 5, 5 }, loaded.Tail[^1].Update);
        Assert.True(loaded.Tail.Zip(loaded.Tail.Skip(1)).All(p => p.First.Sequence < p.Second.Sequence));
        Assert.True((await reopened.LoadAsync("missing")).IsEmpty);
    }

    [Fact]
    public async Task Concurrent_appends_across_documents_share_transactions()
    {
        await using var store = OpenStore();
        const int count = 400;
        var appends = Enumerable.Range(0, count)
            .Select(i => Task.Run(() => store.AppendAsync($"doc-{i % 7}", BitConverter.GetBytes(i))))
            .ToArray();
        var sequences = await Task.WhenAll(appends);
        Assert.Equal(count, sequences.Distinct().Count());
        Assert.Equal(count, store.UpdatesCommitted);
        // Group commit: far fewer transactions than appends.
        Assert.True(store.BatchesCommitted < count, $"{store.BatchesCommitted} batches for {count} appends");
        var loaded = new List<int>();
        for (var d = 0; d < 7; d++) loaded.AddRange((await store.LoadAsync($"doc-{d}")).Tail.Select(u => BitConverter.ToInt32(u.Update)));
        Assert.Equal(Enumerable.Range(0, count), loaded.Order());
    }

    [Fact]
    public async Task Appends_issued_in_order_commit_in_that_order()
    {
        await using var store = OpenStore();
        // Issued without awaiting, like a grain turn queuing several appends.
        var pending = Enumerable.Range(0, 50).Select(i => store.AppendAsync("ordered", BitConverter.GetBytes(i))).ToArray();
        var sequences = await Task.WhenAll(pending);
        Assert.Equal(sequences.Order(), sequences);
        Assert.Equal(Enumerable.Range(0, 50), (await store.LoadAsync("ordered")).Tail.Select(u => BitConverter.ToInt32(u.Update)));
    }

    [Fact]
    public async Task Compaction_replaces_covered_entries_with_the_snapshot_and_keeps_the_tail()
    {
        await using var store = OpenStore();
        var first = await store.AppendAsync("doc", new byte[] { 1 });
        var second = await store.AppendAsync("doc", new byte[] { 2 });
        var third = await store.AppendAsync("doc", new byte[] { 3 });
        await store.CompactAsync("doc", new byte[] { 12 }, second);
        var loaded = await store.LoadAsync("doc");
        Assert.Equal(new byte[] { 12 }, loaded.Snapshot);
        Assert.Equal(second, loaded.SnapshotSequence);
        Assert.Equal(third, Assert.Single(loaded.Tail).Sequence);
        Assert.True(first < second);

        // An older snapshot never replaces a newer one.
        await store.CompactAsync("doc", new byte[] { 1 }, first);
        Assert.Equal(new byte[] { 12 }, (await store.LoadAsync("doc")).Snapshot);

        // Appends after a compaction that emptied the log still sort after the snapshot.
        await store.CompactAsync("doc", new byte[] { 123 }, third);
        var fourth = await store.AppendAsync("doc", new byte[] { 4 });
        await using var reopened = OpenStore();
        var reloaded = await reopened.LoadAsync("doc");
        Assert.Equal(new byte[] { 123 }, reloaded.Snapshot);
        Assert.Equal(fourth, Assert.Single(reloaded.Tail).Sequence);
        Assert.True(fourth > third);
    }

    [Fact]
    public async Task Compaction_queued_with_appends_keeps_queue_order()
    {
        await using var store = OpenStore();
        var before = await store.AppendAsync("mixed", new byte[] { 1 });
        // Appends and a compaction in one burst: the compaction covers only what was committed before it.
        var a = store.AppendAsync("mixed", new byte[] { 2 });
        var compact = store.CompactAsync("mixed", new byte[] { 10 }, before);
        var b = store.AppendAsync("mixed", new byte[] { 3 });
        await Task.WhenAll(a, compact, b);
        var loaded = await store.LoadAsync("mixed");
        Assert.Equal(new byte[] { 10 }, loaded.Snapshot);
        Assert.Equal([2, 3], loaded.Tail.Select(u => (int)u.Update[0]));
    }

    [Fact]
    public async Task Disposing_commits_everything_already_queued()
    {
        var store = OpenStore();
        var pending = Enumerable.Range(0, 100).Select(i => store.AppendAsync("drain", BitConverter.GetBytes(i))).ToArray();
        await store.DisposeAsync();
        Assert.All(pending, p => Assert.True(p.IsCompletedSuccessfully));
        await Assert.ThrowsAsync<ObjectDisposedException>(() => store.AppendAsync("drain", new byte[] { 1 }));
        await using var reopened = OpenStore();
        Assert.Equal(100, (await reopened.LoadAsync("drain")).Tail.Count);
    }

    [Fact]
    public async Task A_group_commit_that_fails_part_way_leaves_nothing_of_it_durable()
    {
        await RejectAppendsOfAsync("poison");
        await using var store = OpenStore();
        // Queued in one go, so the poisoned append shares its group commit with valid ones (the writer is busy with
        // an earlier batch while the rest queue up).
        var appends = Enumerable.Range(0, 200)
            .Select(i => (Index: i, Task: store.AppendAsync(i == 100 ? "poison" : "valid", BitConverter.GetBytes(i))))
            .ToArray();
        await Task.WhenAll(appends.Select(a => a.Task.ContinueWith(_ => { }, TaskScheduler.Default)));
        var failed = appends.Where(a => a.Task.IsFaulted).Select(a => a.Index).ToHashSet();
        Assert.Contains(100, failed);
        Assert.True(failed.Count > 1, "the poisoned append was committed alone; the test needs it in a shared batch");
        var durable = (await store.LoadAsync("valid")).Tail.Select(u => BitConverter.ToInt32(u.Update)).ToHashSet();
        // Every caller told "failed" has nothing durable, every caller told "durable" is.
        Assert.Empty(durable.Intersect(failed));
        Assert.Equal(Enumerable.Range(0, 200).Except(failed).Order(), durable.Order());
        // The store keeps working after a failed batch.
        Assert.True(await store.AppendAsync("valid", BitConverter.GetBytes(1000)) > 0);
    }
}
