using Spotter.Collab.Grains.KnowledgeBase.Storage;

namespace Spotter.Collab.Grains.KnowledgeBase;

public sealed class KnowledgeBaseOptions
{
    public const string SectionName = "KnowledgeBase";

    /// <summary>While a page is being edited, a version is taken once this much time has passed since the last one.</summary>
    public TimeSpan VersionInterval { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>After an edit the page's text goes to the search index within this time (throttled: a page being
    /// typed into is re-indexed at most this often). Re-analysing a long page costs tens of milliseconds of CPU, which
    /// a hot document's typists feel as delivery-latency spikes when it happens every second (load bench, 100 clients:
    /// p99 103 ms at 1 s, 44 ms at 4 s, 26 ms without indexing); 3 s keeps search within 5 s of an edit.</summary>
    public TimeSpan IndexDelay { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>Whether images with a source on another site may stay in imported content and appear in exports
    /// (and load in the browser). Off by default: such an image tells its site who read the page.</summary>
    public bool AllowExternalImages { get; set; }

    /// <summary>Largest accepted attachment (413 too-large beyond).</summary>
    public long MaxAttachmentBytes { get; set; } = 10 * 1024 * 1024;

    /// <summary>Which automatic versions are pruned, and when (on each new version of the document).</summary>
    public VersionRetentionOptions VersionRetention { get; set; } = new();
}
