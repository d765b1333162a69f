namespace Spotter.Collab.Grains.KnowledgeBase;

public sealed class KnowledgeBaseOptions
{
    public const string SectionName = "KnowledgeBase";

    /// <summary>While a page is being edited, a version is taken once this much time has passed since the last one.</summary>
    public TimeSpan VersionInterval { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>After an edit, the page's text goes to the search index once no further edit came for this long.</summary>
    public TimeSpan IndexDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Largest accepted attachment (413 too-large beyond).</summary>
    public long MaxAttachmentBytes { get; set; } = 10 * 1024 * 1024;
}
