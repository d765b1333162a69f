using Microsoft.Extensions.Time.Testing;
using Spotter.Collab.Grains.KnowledgeBase.Storage;

namespace Spotter.Collab.Server.Tests.KnowledgeBase;

/// <summary>What every <see cref="IKnowledgeBaseStore"/> must do; run on SQLite here and on PostgreSQL in Cluster.Tests.</summary>
public abstract class KnowledgeBaseStoreContractTests
{
    /// <summary>"Now" of the stores these tests open, unless a test moves its own clock.</summary>
    private static readonly DateTimeOffset Now = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);

    /// <summary>A store whose retention policy (defaults) reads the time from <paramref name="time"/>.</summary>
    protected abstract IKnowledgeBaseStore OpenStore(TimeProvider time);

    private IKnowledgeBaseStore OpenStore() => OpenStore(new FakeTimeProvider(Now));

    private static string NewId() => Guid.NewGuid().ToString("N");

    [Fact]
    public async Task Versions_are_listed_newest_first_per_document_with_their_state()
    {
        var store = OpenStore();
        var doc = NewId();
        var at = new DateTimeOffset(2026, 11, 25, 1, 2, 3, 456, TimeSpan.Zero);
        var first = await store.AddVersionAsync(doc, new NewVersion(at, ["ana", "ben"], "activity", [1, 2, 3]));
        var second = await store.AddVersionAsync(doc, new NewVersion(at.AddMinutes(5), [], "closed", [4]));
        await store.AddVersionAsync(NewId(), new NewVersion(at, ["x"], "activity", [9]));
        Assert.True(second > first);

        var list = await store.ListVersionsAsync(doc);
        Assert.Equal([second, first], list.Select(v => v.Id));
        Assert.Equal(["ana", "ben"], list[1].Authors);
        Assert.Empty(list[0].Authors);
        Assert.Equal(at, list[1].CreatedAt);
        Assert.Equal("closed", list[0].Reason);

        var stored = await store.GetVersionAsync(doc, first);
        Assert.Equal([1, 2, 3], stored!.State);
        Assert.Null(await store.GetVersionAsync(NewId(), first));
    }

    [Fact]
    public async Task Automatic_versions_thin_out_with_age_and_import_or_restore_versions_stay()
    {
        var store = OpenStore();
        var doc = NewId();
        var ids = new Dictionary<string, long>(StringComparer.Ordinal);
        async Task Add(string name, TimeSpan ago, string reason = "activity") =>
            ids[name] = await store.AddVersionAsync(doc, new NewVersion(Now - ago, ["ana"], reason, [1]));
        // Oldest first, as they are made; the policy runs on every write.
        await Add("week-old-a", TimeSpan.FromDays(203));           // 2026-05-06, a Wednesday
        await Add("week-old-b", TimeSpan.FromDays(201));           // the Friday of the same week: newest of it
        await Add("week-old-restore", TimeSpan.FromDays(200.5), "before-restore");
        await Add("day-a", TimeSpan.FromDays(30) + TimeSpan.FromHours(3));
        await Add("day-import", TimeSpan.FromDays(30) + TimeSpan.FromHours(2), "import");
        await Add("day-b", TimeSpan.FromDays(30) + TimeSpan.FromHours(1));
        await Add("day-c", TimeSpan.FromDays(30));                 // newest of that day
        await Add("hour-a", TimeSpan.FromDays(3) + TimeSpan.FromMinutes(50));
        await Add("hour-b", TimeSpan.FromDays(3) + TimeSpan.FromMinutes(20)); // newest of that hour
        await Add("hour-closed", TimeSpan.FromDays(3) - TimeSpan.FromMinutes(10), "closed"); // the next hour
        await Add("recent-a", TimeSpan.FromHours(23));
        await Add("recent-b", TimeSpan.FromHours(22.9));
        await Add("recent-c", TimeSpan.FromMinutes(1), "last-editor-left");

        var left = (await store.ListVersionsAsync(doc)).Select(v => v.Id).ToHashSet();
        string[] kept = ["week-old-b", "week-old-restore", "day-import", "day-c", "hour-b", "hour-closed", "recent-a", "recent-b", "recent-c"];
        Assert.Equal(kept.Select(k => ids[k]).ToHashSet(), left);
        Assert.Null(await store.GetVersionAsync(doc, ids["day-a"]));
    }

    [Fact]
    public async Task Versions_kept_whole_for_a_day_are_thinned_once_they_are_older()
    {
        var clock = new FakeTimeProvider(Now);
        var store = OpenStore(clock);
        var doc = NewId();
        var other = NewId();
        var early = new List<long>();
        // Five automatic versions within one hour (11:05 … 11:45) and one of another document.
        for (var minute = 5; minute < 50; minute += 10)
        {
            early.Add(await store.AddVersionAsync(doc, new NewVersion(Now.AddHours(-1).AddMinutes(minute), ["ana"], "activity", [1])));
        }
        var otherEarly = await store.AddVersionAsync(other, new NewVersion(Now.AddHours(-1).AddMinutes(5), ["ben"], "activity", [2]));
        await store.AddVersionAsync(other, new NewVersion(Now.AddHours(-1).AddMinutes(15), ["ben"], "activity", [2]));
        Assert.Equal(5, (await store.ListVersionsAsync(doc)).Count);

        clock.Advance(TimeSpan.FromDays(2));
        var later = await store.AddVersionAsync(doc, new NewVersion(clock.GetUtcNow(), ["ana"], "activity", [3]));
        Assert.Equal([later, early[^1]], (await store.ListVersionsAsync(doc)).Select(v => v.Id));
        // Only the written document is pruned.
        Assert.Contains(otherEarly, (await store.ListVersionsAsync(other)).Select(v => v.Id));
    }

    [Fact]
    public async Task Attachments_round_trip_and_unknown_ids_are_null()
    {
        var store = OpenStore();
        var attachment = new StoredAttachment(NewId(), NewId(), "image/png", [0x89, 0x50, 7], "ana", new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero));
        await store.AddAttachmentAsync(attachment);
        var read = await store.GetAttachmentAsync(attachment.Id);
        Assert.Equal(attachment with { Data = read!.Data }, read);
        Assert.Equal(attachment.Data, read.Data);
        Assert.Null(await store.GetAttachmentAsync(NewId()));
    }

    [Fact]
    public async Task Search_documents_are_upserted()
    {
        var store = OpenStore();
        var id = NewId();
        var at = new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero);
        await store.UpsertSearchDocumentAsync(new SearchDocument(id, "T", "old body", null, at));
        await store.UpsertSearchDocumentAsync(new SearchDocument(id, "供应商", "new body", "space-1", at.AddSeconds(1)));
        var all = await store.LoadSearchDocumentsAsync();
        Assert.Equal(new SearchDocument(id, "供应商", "new body", "space-1", at.AddSeconds(1)), all.Single(d => d.DocumentId == id));
    }

    [Fact]
    public async Task A_batch_of_search_documents_is_upserted_in_order()
    {
        var store = OpenStore();
        var (first, second) = (NewId(), NewId());
        var at = new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero);
        await store.UpsertSearchDocumentsAsync([
            new SearchDocument(first, "A", "old body", null, at),
            new SearchDocument(second, "B", "other", "space-2", at),
            new SearchDocument(first, "A2", "new body", "space-1", at.AddSeconds(1)),
        ]);
        var all = await store.LoadSearchDocumentsAsync();
        Assert.Equal(new SearchDocument(first, "A2", "new body", "space-1", at.AddSeconds(1)), all.Single(d => d.DocumentId == first));
        Assert.Equal(new SearchDocument(second, "B", "other", "space-2", at), all.Single(d => d.DocumentId == second));
    }
}
