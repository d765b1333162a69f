using Spotter.Collab.Grains.KnowledgeBase.Storage;

namespace Spotter.Collab.Grains.KnowledgeBase;

/// <summary>
/// Content replacement of one page for the HTTP API (import, version restore). The page's live resource does the
/// work, on its serial apply path (<see cref="ReplacePageContent"/>). Callers check access through
/// <see cref="IDocumentGrain.Describe"/> first; the edit is still role-checked like any update.
/// </summary>
[Alias("spotter.IDocumentKnowledgeBase")]
public interface IDocumentKnowledgeBase : IGrainWithStringKey
{
    /// <summary>
    /// Makes the Tiptap content equal to the content of <paramref name="sourceState"/> (a V1 state whose
    /// <c>default</c> fragment holds the wanted blocks), or appends it. A new change, durable and broadcast like any
    /// update before the call returns; <paramref name="reason"/> names the version taken afterwards (e.g. restore).
    /// </summary>
    [Alias("ApplyContent")]
    Task<FrameResult> ApplyContent(string username, byte[] sourceState, bool append, string reason);
}

/// <summary>The knowledge-base tables for web hosts (which may be Orleans clients without store access).</summary>
[Alias("spotter.IKnowledgeBaseStoreGrain")]
public interface IKnowledgeBaseStoreGrain : IGrainWithIntegerKey
{
    [Alias("ListVersions")]
    Task<IReadOnlyList<VersionSummary>> ListVersions(string documentId);

    [Alias("GetVersion")]
    Task<StoredVersion?> GetVersion(string documentId, long versionId);

    [Alias("AddAttachment")]
    Task AddAttachment(StoredAttachment attachment);

    [Alias("GetAttachment")]
    Task<StoredAttachment?> GetAttachment(string attachmentId);
}

/// <summary>The full-text index of every page (one activation, key <c>default</c>).</summary>
[Alias("spotter.ISearchIndexGrain")]
public interface ISearchIndexGrain : IGrainWithStringKey
{
    /// <summary>Stores the document's text durably, then updates the index. A document already indexed keeps the
    /// title it has there (see <see cref="Retitle"/>).</summary>
    [Alias("Index")]
    Task Index(SearchDocument document);

    /// <summary>The page was renamed: its title in the index (and in the durable table) becomes <paramref name="title"/>
    /// now, and stays so when the document is re-indexed after later edits.</summary>
    [Alias("Retitle")]
    Task Retitle(string documentId, string title);

    /// <summary>Best matches first, at most <paramref name="limit"/>, with HTML snippets (matches in &lt;mark&gt;).
    /// Not filtered by access: callers filter.</summary>
    [Alias("Search")]
    Task<IReadOnlyList<SearchHit>> Search(string query, int limit);

    /// <summary>Pages matching any of the terms (not all of them, unlike <see cref="Search"/>), best first, at most
    /// <paramref name="limit"/>: <paramref name="words"/> as the word analyzer makes them (SmartCn: lower-cased,
    /// stemmed), <paramref name="bigrams"/> as the CJK bigram analyzer does. Not filtered by access: callers filter.</summary>
    [Alias("Candidates")]
    Task<IReadOnlyList<SearchCandidate>> Candidates(IReadOnlyList<string> words, IReadOnlyList<string> bigrams, int limit);
}

/// <summary>A page that matches some terms, with the time its text was last indexed.</summary>
[GenerateSerializer, Immutable, Alias("spotter.kb.SearchCandidate")]
public sealed record SearchCandidate(
    [property: Id(0)] string DocumentId,
    [property: Id(1)] float Score,
    [property: Id(2)] DateTimeOffset UpdatedAt);

[GenerateSerializer, Immutable, Alias("spotter.kb.SearchHit")]
public sealed record SearchHit(
    [property: Id(0)] string DocumentId,
    [property: Id(1)] string Title,
    [property: Id(2)] string? SpaceId,
    [property: Id(3)] string Snippet,
    [property: Id(4)] float Score);

/// <summary>Comment threads of one document (key: document id), kept in grain state.</summary>
[Alias("spotter.ICommentsGrain")]
public interface ICommentsGrain : IGrainWithStringKey
{
    [Alias("List")]
    Task<IReadOnlyList<CommentThread>> List();

    [Alias("Add")]
    Task<CommentThread> Add(string author, CommentAnchor anchor, string quote, string text);

    /// <summary>Null when the thread does not exist.</summary>
    [Alias("Reply")]
    Task<CommentThread?> Reply(string author, string threadId, string text);

    [Alias("Resolve")]
    Task<CommentThread?> Resolve(string author, string threadId, bool resolved);
}

/// <summary>Start and end as base64 of <c>Y.encodeRelativePosition</c>.</summary>
[GenerateSerializer, Immutable, Alias("spotter.kb.CommentAnchor")]
public sealed record CommentAnchor([property: Id(0)] string Start, [property: Id(1)] string End);

[GenerateSerializer, Immutable, Alias("spotter.kb.Comment")]
public sealed record Comment(
    [property: Id(0)] string Id,
    [property: Id(1)] string Author,
    [property: Id(2)] string Text,
    [property: Id(3)] DateTimeOffset CreatedAt);

[GenerateSerializer, Immutable, Alias("spotter.kb.CommentThread")]
public sealed record CommentThread(
    [property: Id(0)] string Id,
    [property: Id(1)] CommentAnchor Anchor,
    [property: Id(2)] string Quote,
    [property: Id(3)] IReadOnlyList<Comment> Comments,
    [property: Id(4)] bool Resolved,
    [property: Id(5)] string? ResolvedBy,
    [property: Id(6)] DateTimeOffset CreatedAt);
