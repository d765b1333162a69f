using Microsoft.Extensions.Logging;
using Spotter.Collab.Grains.Notifications;

namespace Spotter.Collab.Grains.KnowledgeBase;

[GenerateSerializer, Alias("spotter.kb.CommentsState")]
public sealed class CommentsState
{
    [Id(0)] public List<CommentThread> Threads { get; set; } = [];
}

/// <summary>The comment threads of one document. Every change is persisted, then announced to the open editors; a
/// new comment notifies the people it mentions (<c>@username</c>) and, for a reply, whoever started the thread.</summary>
public sealed partial class CommentsGrain([PersistentState("comments")] IPersistentState<CommentsState> state, TimeProvider time, ILogger<CommentsGrain> logger)
    : Grain, ICommentsGrain
{
    public Task<IReadOnlyList<CommentThread>> List() => Task.FromResult<IReadOnlyList<CommentThread>>(state.State.Threads.ToList());

    public async Task<CommentThread> Add(string author, CommentAnchor anchor, string quote, string text)
    {
        var now = time.GetUtcNow();
        var thread = new CommentThread(NewId(), anchor, quote, [new Comment(NewId(), author, text, now)], false, null, now);
        state.State.Threads.Add(thread);
        await SaveAsync();
        await NotifyAsync(author, thread.Id, text, threadStarter: null);
        return thread;
    }

    public async Task<CommentThread?> Reply(string author, string threadId, string text)
    {
        var index = state.State.Threads.FindIndex(t => t.Id == threadId);
        if (index < 0) return null;
        var thread = state.State.Threads[index];
        thread = thread with { Comments = [.. thread.Comments, new Comment(NewId(), author, text, time.GetUtcNow())] };
        state.State.Threads[index] = thread;
        await SaveAsync();
        await NotifyAsync(author, threadId, text, thread.Comments[0].Author);
        return thread;
    }

    public async Task<CommentThread?> Resolve(string author, string threadId, bool resolved)
    {
        var index = state.State.Threads.FindIndex(t => t.Id == threadId);
        if (index < 0) return null;
        var thread = state.State.Threads[index] with { Resolved = resolved, ResolvedBy = resolved ? author : null };
        state.State.Threads[index] = thread;
        await SaveAsync();
        return thread;
    }

    private async Task SaveAsync()
    {
        await state.WriteStateAsync();
        await GrainFactory.GetGrain<IDocumentGrain>(this.GetPrimaryKeyString()).Notify(PageNotices.Comments, "");
    }

    /// <summary>The comment is durable whatever happens here: a failure to notify is logged, not answered.</summary>
    private async Task NotifyAsync(string author, string threadId, string text, string? threadStarter)
    {
        try
        {
            var notifier = GrainFactory.GetGrain<INotifierGrain>(INotifierGrain.Key);
            var pageId = this.GetPrimaryKeyString();
            var mentioned = Mentions.InText(text);
            var notified = mentioned.Count == 0 ? [] : await notifier.Notify(new NotificationRequest(NotificationKinds.Mention, pageId, author, threadId, text), mentioned);
            // Someone mentioned in their own thread's reply hears of it once, as a mention.
            if (threadStarter is not null && !notified.Contains(threadStarter, StringComparer.Ordinal))
            {
                await notifier.Notify(new NotificationRequest(NotificationKinds.Reply, pageId, author, threadId, text), [threadStarter]);
            }
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            LogNotifyFailed(logger, ex, this.GetPrimaryKeyString());
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Notifying about a comment on {DocumentId} failed")]
    private static partial void LogNotifyFailed(ILogger logger, Exception exception, string documentId);

    private static string NewId() => Guid.NewGuid().ToString("N");
}
