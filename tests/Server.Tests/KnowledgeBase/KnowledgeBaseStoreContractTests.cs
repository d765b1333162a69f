using Spotter.Collab.Grains.KnowledgeBase.Storage;

namespace Spotter.Collab.Server.Tests.KnowledgeBase;

/// <summary>What every <see cref="IKnowledgeBaseStore"/> must do; run on SQLite here and on PostgreSQL in Cluster.Tests.</summary>
public abstract class KnowledgeBaseStoreContractTests
{
    protected abstract IKnowledgeBaseStore OpenStore();

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
}
