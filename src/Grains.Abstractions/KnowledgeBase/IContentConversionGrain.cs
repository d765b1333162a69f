using Spotter.Collab.Grains.KnowledgeBase.Content;

namespace Spotter.Collab.Grains.KnowledgeBase;

/// <summary>
/// Page content (the Tiptap blocks of a Yjs state) to and from HTML and Markdown, for the web hosts, which hold no
/// CRDT engine. A stateless worker on the silos; callers check access first.
/// </summary>
[Alias("spotter.IContentConversionGrain")]
public interface IContentConversionGrain : IGrainWithIntegerKey
{
    /// <summary>The content of a V1 state as HTML (what the page shows) and Markdown.</summary>
    [Alias("Render")]
    Task<RenderedContent> Render(byte[] state);

    /// <summary>Block by block, which blocks of <paramref name="toState"/> are kept from, added to or removed from
    /// <paramref name="fromState"/> (each block as HTML).</summary>
    [Alias("Compare")]
    Task<IReadOnlyList<ComparedBlock>> Compare(byte[] fromState, byte[] toState);

    /// <summary>The Markdown as a Yjs update whose <c>default</c> fragment holds its blocks, for
    /// <see cref="IDocumentKnowledgeBase.ApplyContent"/>; refused when it nests deeper than a document may.</summary>
    [Alias("ImportMarkdown")]
    Task<ImportedContent> ImportMarkdown(string markdown, bool allowExternalImages);

    /// <summary>One Markdown text or HTML document of the pages in order, each under a heading of its depth; the
    /// pages' current content is read from their document grains.</summary>
    [Alias("Export")]
    Task<string> Export(string title, IReadOnlyList<ExportedPage> pages, bool markdown, bool allowExternalImages);

    /// <summary>True when start and end are each base64 of exactly one encoded Yjs relative position.</summary>
    [Alias("IsAnchor")]
    Task<bool> IsAnchor(CommentAnchor anchor);
}

[GenerateSerializer, Immutable, Alias("spotter.kb.RenderedContent")]
public sealed record RenderedContent([property: Id(0)] string Html, [property: Id(1)] string Markdown);

[GenerateSerializer, Immutable, Alias("spotter.kb.ComparedBlock")]
public sealed record ComparedBlock([property: Id(0)] BlockChange Change, [property: Id(1)] string Html);

/// <summary>The update to apply, or why the content was refused (<see cref="Update"/> null).</summary>
[GenerateSerializer, Immutable, Alias("spotter.kb.ImportedContent")]
public sealed record ImportedContent([property: Id(0)] byte[]? Update, [property: Id(1)] string? Refusal);

[GenerateSerializer, Immutable, Alias("spotter.kb.ExportedPage")]
public sealed record ExportedPage([property: Id(0)] string Id, [property: Id(1)] string Title, [property: Id(2)] int Depth);
