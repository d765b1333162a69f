using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Spotter.Collab.Crdt;
using Spotter.Collab.Grains.KnowledgeBase;
using Spotter.Collab.Grains.KnowledgeBase.Content;
using Spotter.Collab.Grains.KnowledgeBase.Storage;

namespace Spotter.Collab.Grains.Documents;

/// <summary>
/// Knowledge-base hooks of the document grain: automatic versions (after <see cref="KnowledgeBaseOptions.VersionInterval"/>
/// of editing, when the last participant leaves, when the grain deactivates), search indexing shortly after edits,
/// content replacement (import, restore) and comment notifications. Kept apart from the sync/ACL code.
/// </summary>
public sealed partial class DocumentGrain : IDocumentKnowledgeBase
{
    private readonly HashSet<string> _authorsSinceVersion = new(StringComparer.Ordinal);
    private bool _changedSinceVersion;
    private IGrainTimer? _versionTimer;
    private IGrainTimer? _indexTimer;
    private bool _indexScheduled;

    private KnowledgeBaseOptions KnowledgeBase => ServiceProvider.GetService<IOptions<KnowledgeBaseOptions>>()?.Value ?? new KnowledgeBaseOptions();

    /// <summary>Called once an accepted update is durable.</summary>
    private void OnContentChanged(string author)
    {
        _authorsSinceVersion.Add(author);
        if (!_changedSinceVersion)
        {
            _changedSinceVersion = true;
            _versionTimer ??= this.RegisterGrainTimer(_ => SaveVersion("activity"), new GrainTimerCreationOptions(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan) { Interleave = true, KeepAlive = false });
            _versionTimer.Change(KnowledgeBase.VersionInterval, Timeout.InfiniteTimeSpan);
        }
        ScheduleIndex();
    }

    /// <summary>Sends the page to the search index after <see cref="KnowledgeBaseOptions.IndexDelay"/> (a new page
    /// with only its title too). Throttled, not debounced: continuous typing still reaches the index within the delay.</summary>
    private void ScheduleIndex()
    {
        if (_indexScheduled) return;
        _indexScheduled = true;
        _indexTimer ??= this.RegisterGrainTimer(_ => IndexNowAsync(), new GrainTimerCreationOptions(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan) { Interleave = true, KeepAlive = true });
        _indexTimer.Change(KnowledgeBase.IndexDelay, Timeout.InfiniteTimeSpan);
    }

    /// <summary>A connection left: when nobody is left, the edits of the session become a version.</summary>
    private async Task OnParticipantLeftAsync()
    {
        if (_participants.Count == 0 && _changedSinceVersion) await SaveVersion("last-editor-left");
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        try
        {
            if (_indexScheduled) await IndexNowAsync();
            if (_changedSinceVersion) await SaveVersion("closed");
        }
        catch (Exception ex)
        {
            LogKnowledgeBaseHookFailed(ex, Id);
        }
        await HandOffAsync();
        await base.OnDeactivateAsync(reason, cancellationToken);
    }

    public async Task<long?> SaveVersion(string reason)
    {
        if (!_changedSinceVersion || _content is null) return null;
        var version = new NewVersion(_time.GetUtcNow(), _authorsSinceVersion.Order(StringComparer.Ordinal).ToList(), reason, _content.EncodeStateAsUpdate());
        _changedSinceVersion = false;
        _authorsSinceVersion.Clear();
        _versionTimer?.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        return await ServiceProvider.GetRequiredService<IKnowledgeBaseStore>().AddVersionAsync(Id, version);
    }

    public async Task<FrameResult> ApplyContent(string username, byte[] sourceState, bool append, string reason)
    {
        ArgumentNullException.ThrowIfNull(sourceState);
        if (await ResolveAsync(username) is not { } role) return Reject(RejectCodes.Forbidden, "no access to this document");
        if (!role.CanEdit()) return Reject(RejectCodes.ReadOnly, $"role {role.ToWire()} may not change the document");
        // The state before the change stays in history.
        await SaveVersion("before-" + reason);
        // Read and diff in this turn: no other update can slip in between.
        byte[] update;
        try
        {
            update = RichContent.ReplaceUpdate(Content.EncodeStateAsUpdate(), RichContent.Read(sourceState), append);
        }
        catch (Exception ex) when (ex is ContentTooDeepException or CrdtFormatException)
        {
            return Reject(RejectCodes.Malformed, ex.Message);
        }
        if (update.Length == 0) return Reply(null);
        var result = await AcceptUpdateAsync(role, null, update, username);
        if (!result.IsRejected) await SaveVersion(reason);
        return result;
    }

    public Task NotifyCommentsChanged() => _observers.Notify(o => o.OnCommentsChanged(Id));

    private async Task IndexNowAsync()
    {
        _indexScheduled = false;
        if (_content is null || !_record.RecordExists) return;
        try
        {
            // Only the encode runs on the grain's turn; decoding the copy and extracting its text run on the thread
            // pool, so a long page being typed into does not stall the updates queued behind this timer (the grain
            // is reentrant, so they proceed during the await).
            var state = _content.EncodeStateAsUpdate();
            var text = await Task.Run(() => RichContent.PlainText(RichContent.Read(state)));
            await GrainFactory.GetGrain<ISearchIndexGrain>("default").Index(new SearchDocument(Id, _record.State.Title, text, null, _time.GetUtcNow()));
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            LogKnowledgeBaseHookFailed(ex, Id);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Knowledge-base upkeep (version or index) of document {DocumentId} failed")]
    private partial void LogKnowledgeBaseHookFailed(Exception exception, string documentId);
}
