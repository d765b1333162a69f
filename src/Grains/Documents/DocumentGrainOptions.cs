using Spotter.Collab.Grains.Protocol;

namespace Spotter.Collab.Grains.Documents;

public sealed class DocumentGrainOptions
{
    public const string SectionName = "Documents";

    /// <summary>Accepted updates and awareness changes are collected for this long and sent as one batch per host.</summary>
    public TimeSpan BroadcastTick { get; set; } = TimeSpan.FromMilliseconds(15);

    /// <summary>A host observer not refreshed within this time is dropped; hosts refresh at a third of it.</summary>
    public TimeSpan ObserverExpiry { get; set; } = TimeSpan.FromSeconds(90);

    /// <summary>How often a document with open connections re-registers them with the organisation grain and
    /// re-reads their roles (covers a reactivated organisation grain and any missed push).</summary>
    public TimeSpan AccessRefresh { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Log entries after which the document is compacted into a new snapshot.</summary>
    public int CompactAfterUpdates { get; set; } = 1000;

    /// <summary>Logged bytes after which the document is compacted into a new snapshot.</summary>
    public long CompactAfterBytes { get; set; } = 8 * 1024 * 1024;

    public AwarenessRelayOptions Awareness { get; set; } = new();
}
