using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Concurrency;
using Spotter.Collab.Crdt;
using Spotter.Collab.Grains.Documents;
using Spotter.Collab.Grains.KnowledgeBase.Content;
using Spotter.Collab.Grains.KnowledgeBase.Storage;

namespace Spotter.Collab.Grains.KnowledgeBase;

/// <summary>Notice kinds of wiki pages (<c>Notice(pageId, kind, payload)</c> on the hub).</summary>
public static class PageNotices
{
    /// <summary>A comment thread of the page was added, replied to or resolved; the payload is empty.</summary>
    public const string Comments = "comments";
}

/// <summary>
/// The wiki page (and standalone document): the default resource kind, every id no other kind claims. Its extension
/// takes automatic versions, keeps the search index current and replaces content on import and restore.
/// </summary>
public sealed class PageKind(IKnowledgeBaseStore store, IOptions<KnowledgeBaseOptions> options, ILogger<PageKind> logger, TimeProvider? time = null) : IResourceKind
{
    public string Name => "page";

    public string IdPrefix => "";

    public LiveResourceExtension Attach(ILiveResource resource) =>
        new PageExtension(resource, store, options.Value, logger, time ?? TimeProvider.System);
}

/// <summary>Makes the page's content equal to <paramref name="SourceState"/>'s (a V1 state whose <c>default</c>
/// fragment holds the wanted blocks), or appends it; <paramref name="Reason"/> names the version taken afterwards.</summary>
[GenerateSerializer, Immutable, Alias("spotter.kb.ReplacePageContent")]
public sealed record ReplacePageContent(
    [property: Id(0)] byte[] SourceState,
    [property: Id(1)] bool Append,
    [property: Id(2)] string Reason) : ResourceCommand;

/// <summary>
/// A page's knowledge-base behaviour on one activation: automatic versions (after
/// <see cref="KnowledgeBaseOptions.VersionInterval"/> of editing, when the last participant leaves, when the
/// activation ends), search indexing shortly after edits, and content replacement (import, restore).
/// </summary>
internal sealed partial class PageExtension(ILiveResource page, IKnowledgeBaseStore store, KnowledgeBaseOptions options, ILogger logger, TimeProvider time)
    : LiveResourceExtension
{
    private readonly HashSet<string> _authorsSinceVersion = new(StringComparer.Ordinal);
    private bool _changedSinceVersion;
    private IGrainTimer? _versionTimer;
    private IGrainTimer? _indexTimer;
    private bool _indexScheduled;
    private ISearchIndexGrain? _searchIndex;
    // What the index was last sent for this page in this activation (null: nothing yet, or it failed).
    private long? _indexedTextHash;

    /// <summary>A new page is indexed with only its title.</summary>
    public override void OnCreated() => ScheduleIndex();

    public override void OnCommitted(string author, byte[] update)
    {
        _authorsSinceVersion.Add(author);
        if (!_changedSinceVersion)
        {
            _changedSinceVersion = true;
            _versionTimer ??= page.RegisterTimer(() => SaveVersionAsync("activity"), keepAlive: false);
            _versionTimer.Change(options.VersionInterval, Timeout.InfiniteTimeSpan);
        }
        ScheduleIndex();
    }

    /// <summary>When nobody is left, the edits of the session become a version.</summary>
    public override async Task OnLastParticipantLeftAsync()
    {
        if (_changedSinceVersion) await SaveVersionAsync("last-editor-left");
    }

    public override async Task OnDeactivatingAsync()
    {
        if (_indexScheduled) await IndexNowAsync();
        if (_changedSinceVersion) await SaveVersionAsync("closed");
    }

    public override Task<FrameResult> ExecuteAsync(ILiveResource resource, string principal, ResourceCommand command) => command switch
    {
        ReplacePageContent replace => ReplaceContentAsync(principal, replace),
        _ => base.ExecuteAsync(resource, principal, command),
    };

    /// <summary>Sends the page to the search index after <see cref="KnowledgeBaseOptions.IndexDelay"/>. Throttled, not
    /// debounced: continuous typing still reaches the index within the delay.</summary>
    private void ScheduleIndex()
    {
        if (_indexScheduled) return;
        _indexScheduled = true;
        _indexTimer ??= page.RegisterTimer(IndexNowAsync, keepAlive: true);
        _indexTimer.Change(options.IndexDelay, Timeout.InfiniteTimeSpan);
    }

    private async Task<long?> SaveVersionAsync(string reason)
    {
        if (!_changedSinceVersion || page.Content is not { } content) return null;
        var version = new NewVersion(time.GetUtcNow(), _authorsSinceVersion.Order(StringComparer.Ordinal).ToList(), reason, content.EncodeStateAsUpdate());
        _changedSinceVersion = false;
        _authorsSinceVersion.Clear();
        _versionTimer?.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        return await store.AddVersionAsync(page.Id, version);
    }

    private async Task<FrameResult> ReplaceContentAsync(string principal, ReplacePageContent command)
    {
        ArgumentNullException.ThrowIfNull(command.SourceState);
        if (await page.ResolveRoleAsync(principal) is not { } role || page.Content is null) return page.Reject(RejectCodes.Forbidden, "no access to this document");
        if (!role.CanEdit()) return page.Reject(RejectCodes.ReadOnly, $"role {role.ToWire()} may not change the document");
        // The state before the change stays in history.
        await SaveVersionAsync("before-" + command.Reason);
        // Read and diff in this turn: no other update can slip in between.
        byte[] update;
        try
        {
            update = RichContent.ReplaceUpdate(page.Content.EncodeStateAsUpdate(), RichContent.Read(command.SourceState), command.Append);
        }
        catch (Exception ex) when (ex is ContentTooDeepException or CrdtFormatException)
        {
            return page.Reject(RejectCodes.Malformed, ex.Message);
        }
        if (update.Length == 0) return page.Accepted;
        var result = await page.ApplyServerUpdateAsync(role, update, principal);
        if (!result.IsRejected) await SaveVersionAsync(command.Reason);
        return result;
    }

    private async Task IndexNowAsync()
    {
        _indexScheduled = false;
        if (page.Content is not { } content || !page.Exists) return;
        try
        {
            // Read from the live document on the grain's turn: walking the page's blocks costs what its text costs,
            // where copying the whole state and decoding the copy cost what every root and tombstone costs.
            var text = content.ReadFragment(RichContent.FragmentName, fragment => RichContent.PlainText(RichNode.FromFragment(fragment)));
            // Edits that leave the text as it is (other roots, marks, undone typing) have nothing new for the index.
            var textHash = TextHash(text);
            if (textHash == _indexedTextHash) return;
            _indexedTextHash = textHash;
            _searchIndex ??= page.GrainFactory.GetGrain<ISearchIndexGrain>("default");
            await _searchIndex.Index(new SearchDocument(page.Id, page.Title, text, null, time.GetUtcNow()));
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // The index may not hold this text: the next index of the page sends it whatever it is.
            _indexedTextHash = null;
            LogIndexFailed(logger, ex, page.Id);
        }
    }

    /// <summary>Length and a 32-bit hash: two texts that collide on both are the index's only way to miss an edit,
    /// and only until the page's next one.</summary>
    private static long TextHash(string text) => ((long)text.Length << 32) | (uint)StringComparer.Ordinal.GetHashCode(text);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Indexing page {PageId} failed")]
    private static partial void LogIndexFailed(ILogger logger, Exception exception, string pageId);
}

/// <summary>
/// <see cref="IDocumentKnowledgeBase"/> for callers of the HTTP API: forwards to the page's live resource, whose
/// extension does the work on the page's serial apply path.
/// </summary>
[StatelessWorker]
public sealed class PageContentGrain : Grain, IDocumentKnowledgeBase
{
    public Task<FrameResult> ApplyContent(string username, byte[] sourceState, bool append, string reason) =>
        GrainFactory.GetGrain<IDocumentGrain>(this.GetPrimaryKeyString()).Execute(username, new ReplacePageContent(sourceState, append, reason));
}
