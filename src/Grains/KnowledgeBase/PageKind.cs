using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Concurrency;
using Spotter.Collab.Crdt;
using Spotter.Collab.Grains.Documents;
using Spotter.Collab.Grains.KnowledgeBase.Content;
using Spotter.Collab.Grains.KnowledgeBase.Storage;
using Spotter.Collab.Grains.Notifications;

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
/// activation ends), search indexing shortly after edits, content replacement (import, restore), and mentions: on the
/// same throttled pass as indexing, people newly mentioned (<c>mention</c> nodes not in the content when it loaded or
/// at an earlier pass) are notified, with the last editor as the actor.
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
    // Usernames mentioned in the content at load or at any pass since: only others are new.
    private HashSet<string>? _mentioned;
    private string? _lastAuthor;

    public override Task OnLoadedAsync()
    {
        RememberMentions();
        return Task.CompletedTask;
    }

    /// <summary>Who the content mentions now is not news (an activation starting, a page created).</summary>
    private void RememberMentions()
    {
        if (page.Content is { } content)
        {
            _mentioned = content.ReadFragment(RichContent.FragmentName, fragment => MentionedIn(RichNode.FromFragment(fragment)));
        }
    }

    /// <summary>A new page is indexed with only its title; what it holds already is nobody's new mention.</summary>
    public override void OnCreated()
    {
        RememberMentions();
        ScheduleIndex();
    }

    public override void OnCommitted(string author, byte[] update)
    {
        _authorsSinceVersion.Add(author);
        _lastAuthor = author;
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
            var blocks = content.ReadFragment(RichContent.FragmentName, RichNode.FromFragment);
            await NotifyNewMentionsAsync(blocks);
            var text = RichContent.PlainText(blocks);
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

    private async Task NotifyNewMentionsAsync(List<RichNode> blocks)
    {
        var current = MentionedIn(blocks);
        if (_mentioned is null)
        {
            _mentioned = current;
            return;
        }
        var added = current.Where(_mentioned.Add).ToList();
        if (added.Count == 0 || _lastAuthor is null) return;
        try
        {
            await page.GrainFactory.GetGrain<INotifierGrain>(INotifierGrain.Key)
                .Notify(new NotificationRequest(NotificationKinds.Mention, page.Id, _lastAuthor, null, ""), added);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            LogMentionsFailed(logger, ex, page.Id);
        }
    }

    /// <summary>The usernames of the <c>mention</c> nodes in the blocks (iteratively: the tree is stored content).</summary>
    private static HashSet<string> MentionedIn(List<RichNode> blocks)
    {
        var mentioned = new HashSet<string>(StringComparer.Ordinal);
        var work = new Stack<RichNode>(blocks);
        while (work.Count > 0)
        {
            var node = work.Pop();
            if (node.Type == Mentions.NodeType && node.Attr("id") is string username && username.Length is > 0 and <= 64)
            {
                if (mentioned.Count < NotificationLimits.MaxCountedUnread) mentioned.Add(username.ToLowerInvariant());
                continue;
            }
            foreach (var child in node.Children) work.Push(child);
        }
        return mentioned;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Notifying the people mentioned on page {PageId} failed")]
    private static partial void LogMentionsFailed(ILogger logger, Exception exception, string pageId);

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
