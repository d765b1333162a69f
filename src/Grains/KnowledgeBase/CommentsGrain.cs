namespace Spotter.Collab.Grains.KnowledgeBase;

[GenerateSerializer, Alias("spotter.kb.CommentsState")]
public sealed class CommentsState
{
    [Id(0)] public List<CommentThread> Threads { get; set; } = [];
}

/// <summary>The comment threads of one document. Every change is persisted, then announced to the open editors.</summary>
public sealed class CommentsGrain([PersistentState("comments")] IPersistentState<CommentsState> state, TimeProvider time) : Grain, ICommentsGrain
{
    public Task<IReadOnlyList<CommentThread>> List() => Task.FromResult<IReadOnlyList<CommentThread>>(state.State.Threads.ToList());

    public async Task<CommentThread> Add(string author, CommentAnchor anchor, string quote, string text)
    {
        var now = time.GetUtcNow();
        var thread = new CommentThread(NewId(), anchor, quote, [new Comment(NewId(), author, text, now)], false, null, now);
        state.State.Threads.Add(thread);
        await SaveAsync();
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

    private static string NewId() => Guid.NewGuid().ToString("N");
}
