namespace Spotter.Collab.Grains.KnowledgeBase.Storage;

/// <summary>
/// Durable tables of the knowledge base: page versions (full V1 states), attachments (image bytes) and the search
/// documents the index is rebuilt from. SQLite in embedded mode, PostgreSQL (migrations 0007-0009) in a cluster.
/// </summary>
public interface IKnowledgeBaseStore
{
    /// <summary>Stores a version; returns its id (increasing per store).</summary>
    Task<long> AddVersionAsync(string documentId, NewVersion version, CancellationToken cancellationToken = default);

    /// <summary>A document's versions, newest first, without their states.</summary>
    Task<IReadOnlyList<VersionSummary>> ListVersionsAsync(string documentId, CancellationToken cancellationToken = default);

    /// <summary>One version with its state; null when it does not exist or belongs to another document.</summary>
    Task<StoredVersion?> GetVersionAsync(string documentId, long versionId, CancellationToken cancellationToken = default);

    Task AddAttachmentAsync(StoredAttachment attachment, CancellationToken cancellationToken = default);

    Task<StoredAttachment?> GetAttachmentAsync(string attachmentId, CancellationToken cancellationToken = default);

    Task UpsertSearchDocumentAsync(SearchDocument document, CancellationToken cancellationToken = default);

    /// <summary>Upserts all of <paramref name="documents"/> in one transaction (in order: a later one of the same id wins).</summary>
    Task UpsertSearchDocumentsAsync(IReadOnlyList<SearchDocument> documents, CancellationToken cancellationToken = default);

    Task<IReadOnlyList<SearchDocument>> LoadSearchDocumentsAsync(CancellationToken cancellationToken = default);
}

[GenerateSerializer, Immutable, Alias("spotter.kb.NewVersion")]
public sealed record NewVersion(
    [property: Id(0)] DateTimeOffset CreatedAt,
    [property: Id(1)] IReadOnlyList<string> Authors,
    [property: Id(2)] string Reason,
    [property: Id(3)] byte[] State);

[GenerateSerializer, Immutable, Alias("spotter.kb.VersionSummary")]
public sealed record VersionSummary(
    [property: Id(0)] long Id,
    [property: Id(1)] DateTimeOffset CreatedAt,
    [property: Id(2)] IReadOnlyList<string> Authors,
    [property: Id(3)] string Reason);

[GenerateSerializer, Immutable, Alias("spotter.kb.StoredVersion")]
public sealed record StoredVersion(
    [property: Id(0)] VersionSummary Summary,
    [property: Id(1)] byte[] State);

[GenerateSerializer, Immutable, Alias("spotter.kb.StoredAttachment")]
public sealed record StoredAttachment(
    [property: Id(0)] string Id,
    [property: Id(1)] string DocumentId,
    [property: Id(2)] string ContentType,
    [property: Id(3)] byte[] Data,
    [property: Id(4)] string UploadedBy,
    [property: Id(5)] DateTimeOffset UploadedAt);

/// <summary>What the search index holds for one page or document.</summary>
[GenerateSerializer, Immutable, Alias("spotter.kb.SearchDocument")]
public sealed record SearchDocument(
    [property: Id(0)] string DocumentId,
    [property: Id(1)] string Title,
    [property: Id(2)] string Body,
    [property: Id(3)] string? SpaceId,
    [property: Id(4)] DateTimeOffset UpdatedAt);
