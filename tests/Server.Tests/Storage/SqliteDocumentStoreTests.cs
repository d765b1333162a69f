using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Spotter.Collab.Grains.Storage;
using Spotter.Collab.Server.Tests.Infrastructure;

namespace Spotter.Collab.Server.Tests.Storage;

public sealed class SqliteDocumentStoreTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    private (SqliteDatabase Database, SqliteDocumentStore Store) Open()
    {
        var options = Options.Create(new SqliteStoreOptions { DataDirectory = _directory.Path });
        var database = new SqliteDatabase(options);
        return (database, new SqliteDocumentStore(database, options, NullLogger<SqliteDocumentStore>.Instance));
    }

    [Fact]
    public async Task Appended_updates_load_back_in_order_after_reopening()
    {
        var (_, store) = Open();
        await using (store)
        {
            for (byte i = 1; i <= 5; i++) await store.AppendAsync("doc", new[] { i, i });
            await store.AppendAsync("other", new byte[] { 99 });
        }
        var (_, reopened) = Open();
        await using (reopened)
        {
            var loaded = await reopened.LoadAsync("doc");
            Assert.Null(loaded.Snapshot);
            Assert.Equal([1, 2, 3, 4, 5], loaded.Tail.Select(u => (int)u.Update[0]));
            Assert.True(loaded.Tail.Zip(loaded.Tail.Skip(1)).All(p => p.First.Sequence < p.Second.Sequence));
            Assert.True((await reopened.LoadAsync("missing")).IsEmpty);
        }
    }

    [Fact]
    public async Task Concurrent_appends_across_documents_share_transactions()
    {
        var (_, store) = Open();
        await using (store)
        {
            const int count = 400;
            var appends = Enumerable.Range(0, count)
                .Select(i => Task.Run(() => store.AppendAsync($"doc-{i % 7}", BitConverter.GetBytes(i))))
                .ToArray();
            var sequences = await Task.WhenAll(appends);
            Assert.Equal(count, sequences.Distinct().Count());
            Assert.Equal(count, store.UpdatesCommitted);
            // Group commit: far fewer transactions than appends.
            Assert.True(store.BatchesCommitted < count, $"{store.BatchesCommitted} batches for {count} appends");
            var total = 0;
            for (var d = 0; d < 7; d++) total += (await store.LoadAsync($"doc-{d}")).Tail.Count;
            Assert.Equal(count, total);
        }
    }

    [Fact]
    public async Task Compaction_replaces_covered_entries_with_the_snapshot_and_keeps_the_tail()
    {
        var (_, store) = Open();
        await using (store)
        {
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
        }
    }

    [Fact]
    public async Task Secrets_are_created_once_and_kept()
    {
        var (database, store) = Open();
        await using var _ = store;
        var created = database.GetOrCreate("key", () => [1, 2, 3]);
        var again = database.GetOrCreate("key", () => [9]);
        Assert.Equal(new byte[] { 1, 2, 3 }, created);
        Assert.Equal(created, again);
    }

    public void Dispose() => _directory.Dispose();
}
