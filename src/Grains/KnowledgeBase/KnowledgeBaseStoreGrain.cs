using Orleans.Concurrency;
using Spotter.Collab.Grains.KnowledgeBase.Storage;

namespace Spotter.Collab.Grains.KnowledgeBase;

/// <summary>Stateless pass-through to the store, on whichever silo is local to the caller.</summary>
[StatelessWorker]
public sealed class KnowledgeBaseStoreGrain(IKnowledgeBaseStore store) : Grain, IKnowledgeBaseStoreGrain
{
    public Task<IReadOnlyList<VersionSummary>> ListVersions(string documentId) => store.ListVersionsAsync(documentId);

    public Task<StoredVersion?> GetVersion(string documentId, long versionId) => store.GetVersionAsync(documentId, versionId);

    public Task AddAttachment(StoredAttachment attachment) => store.AddAttachmentAsync(attachment);

    public Task<StoredAttachment?> GetAttachment(string attachmentId) => store.GetAttachmentAsync(attachmentId);
}
