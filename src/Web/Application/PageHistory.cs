using Spotter.Collab.Grains;
using Spotter.Collab.WebHost.Api;
using Spotter.Collab.Grains.KnowledgeBase;
using Spotter.Collab.Grains.KnowledgeBase.Storage;

namespace Spotter.Collab.WebHost.Application;

/// <summary>A page's version history as the principal may use it; restoring a version is a new, ordinary change.</summary>
public sealed class PageHistory(IGrainFactory grains)
{
    /// <summary>Null when the caller may read the page's history; the refusal otherwise. Checked before any version
    /// is looked up, so a refused caller learns nothing about which versions exist.</summary>
    public static Refusal? HistoryRefusal(DocumentInfo? info)
    {
        if (info is null) return Refusal.NotFound;
        if (!info.History) return new Refusal(StatusCodes.Status403Forbidden, "history-hidden", "version history is not shared with you");
        if (info.NoExport && !info.Role.CanEdit()) return new Refusal(StatusCodes.Status403Forbidden, "no-export", "copying content out of this document is not allowed");
        return null;
    }

    public static Refusal NoSuchVersion { get; } = new(StatusCodes.Status404NotFound, "not-found", "no such version");

    /// <summary>Brings the version's content back into the live page: editors who may see history only.</summary>
    public async Task<Refusal?> RestoreAsync(string principal, string id, long versionId)
    {
        var info = await grains.DescribeResourceAsync(id, principal);
        if (info is null) return Refusal.NotFound;
        if (!info.Role.CanEdit()) return Refusal.ReadOnly("restoring needs edit access");
        // Restoring would bring old content back into the live page: only for those who may see it.
        if (HistoryRefusal(info) is { } refused) return refused;
        var version = await grains.GetGrain<IKnowledgeBaseStoreGrain>(0).GetVersion(id, versionId);
        if (version is null) return NoSuchVersion;
        var result = await grains.GetGrain<IDocumentKnowledgeBase>(id).ApplyContent(principal, version.State, append: false, reason: "restore");
        return result.IsRejected ? Refusal.Of(result) : null;
    }
}
