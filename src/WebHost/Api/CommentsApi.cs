using Microsoft.AspNetCore.Http.HttpResults;
using Spotter.Collab.Crdt;
using Spotter.Collab.Grains;
using Spotter.Collab.Grains.KnowledgeBase;
using Spotter.Collab.WebHost.Auth;

namespace Spotter.Collab.WebHost.Api;

public sealed record AnchorRequest(string? Start, string? End);
public sealed record AddCommentRequest(AnchorRequest? Anchor, string? Quote, string? Text);
public sealed record ReplyRequest(string? Text);
public sealed record ResolveRequest(bool? Resolved);
public sealed record CommentResponse(string Id, string Author, string AuthorName, string Text, DateTimeOffset CreatedAt);
public sealed record CommentThreadResponse(string Id, CommentAnchor Anchor, string Quote, bool Resolved, string? ResolvedBy, DateTimeOffset CreatedAt,
    IReadOnlyList<CommentResponse> Comments);

/// <summary>Comment threads anchored to text by Yjs relative positions; commenters and above may write.</summary>
public static class CommentsApi
{
    private const int MaxText = 10_000;
    private const int MaxQuote = 2_000;

    public static IEndpointRouteBuilder MapCommentsApi(this IEndpointRouteBuilder app)
    {
        var comments = app.MapGroup("/api/docs/{id}/comments").RequireAuthorization().WithTags("Comments");
        comments.MapGet("/", ListAsync);
        comments.MapPost("/", AddAsync);
        comments.MapPost("/{threadId}/replies", ReplyAsync);
        comments.MapPost("/{threadId}/resolve", ResolveAsync);
        return app;
    }

    private static async Task<Results<Ok<List<CommentThreadResponse>>, ProblemHttpResult>> ListAsync(string id, HttpContext http, IGrainFactory grains)
    {
        if (await grains.GetGrain<IDocumentGrain>(id).Describe(http.User.Username()) is null) return Problems.NotFound();
        var threads = await grains.GetGrain<ICommentsGrain>(id).List();
        var names = new DisplayNames(grains);
        var response = new List<CommentThreadResponse>(threads.Count);
        foreach (var thread in threads) response.Add(await ToResponseAsync(thread, names));
        return TypedResults.Ok(response);
    }

    private static async Task<Results<Created<CommentThreadResponse>, ProblemHttpResult>> AddAsync(string id, AddCommentRequest request, HttpContext http, IGrainFactory grains)
    {
        if (await CheckCommenterAsync(id, http, grains) is { } denied) return denied;
        if (request.Anchor is null || !IsRelativePosition(request.Anchor.Start) || !IsRelativePosition(request.Anchor.End))
        {
            return Problems.Invalid("anchor: start and end as base64 of Y.encodeRelativePosition");
        }
        if (Validate(request.Text) is { } invalid) return invalid;
        var quote = request.Quote ?? "";
        if (quote.Length > MaxQuote) return Problems.Invalid($"quote: at most {MaxQuote} characters");
        var thread = await grains.GetGrain<ICommentsGrain>(id).Add(http.User.Username(), new CommentAnchor(request.Anchor.Start!, request.Anchor.End!), quote, request.Text!);
        return TypedResults.Created($"/api/docs/{id}/comments/{thread.Id}", await ToResponseAsync(thread, new DisplayNames(grains)));
    }

    private static async Task<Results<Ok<CommentThreadResponse>, ProblemHttpResult>> ReplyAsync(string id, string threadId, ReplyRequest request, HttpContext http, IGrainFactory grains)
    {
        if (await CheckCommenterAsync(id, http, grains) is { } denied) return denied;
        if (Validate(request.Text) is { } invalid) return invalid;
        var thread = await grains.GetGrain<ICommentsGrain>(id).Reply(http.User.Username(), threadId, request.Text!);
        return thread is null ? NoThread() : TypedResults.Ok(await ToResponseAsync(thread, new DisplayNames(grains)));
    }

    private static async Task<Results<Ok<CommentThreadResponse>, ProblemHttpResult>> ResolveAsync(string id, string threadId, HttpContext http, IGrainFactory grains)
    {
        if (await CheckCommenterAsync(id, http, grains) is { } denied) return denied;
        // Optional body { resolved: false } reopens a thread.
        var resolved = true;
        if (http.Request.ContentLength > 0)
        {
            var body = await http.Request.ReadFromJsonAsync<ResolveRequest>(http.RequestAborted);
            resolved = body?.Resolved ?? true;
        }
        var thread = await grains.GetGrain<ICommentsGrain>(id).Resolve(http.User.Username(), threadId, resolved);
        return thread is null ? NoThread() : TypedResults.Ok(await ToResponseAsync(thread, new DisplayNames(grains)));
    }

    private static async Task<ProblemHttpResult?> CheckCommenterAsync(string id, HttpContext http, IGrainFactory grains)
    {
        var info = await grains.GetGrain<IDocumentGrain>(id).Describe(http.User.Username());
        if (info is null) return Problems.NotFound();
        return info.Role >= DocumentRole.Commenter ? null : Problems.Forbidden("commenting needs comment access");
    }

    private static ProblemHttpResult? Validate(string? text) =>
        string.IsNullOrWhiteSpace(text) || text.Length > MaxText ? Problems.Invalid($"text: 1-{MaxText} characters") : null;

    private static ProblemHttpResult NoThread() => Problems.Of(StatusCodes.Status404NotFound, "not-found", "no such comment thread");

    /// <summary>True when the value is base64 of exactly one encoded Yjs relative position (decoded by the engine).</summary>
    private static bool IsRelativePosition(string? base64)
    {
        if (string.IsNullOrEmpty(base64) || base64.Length > 512) return false;
        try
        {
            var bytes = Convert.FromBase64String(base64);
            // Exactly one encoded position: re-encoding must give the same bytes (no trailing garbage).
            return RelativePosition.Decode(bytes).Encode().AsSpan().SequenceEqual(bytes);
        }
        catch (Exception ex) when (ex is FormatException or CrdtFormatException)
        {
            return false;
        }
    }

    private static async Task<CommentThreadResponse> ToResponseAsync(CommentThread thread, DisplayNames names)
    {
        var comments = new List<CommentResponse>(thread.Comments.Count);
        foreach (var c in thread.Comments) comments.Add(new CommentResponse(c.Id, c.Author, await names.OfAsync(c.Author), c.Text, c.CreatedAt));
        return new CommentThreadResponse(thread.Id, thread.Anchor, thread.Quote, thread.Resolved, thread.ResolvedBy, thread.CreatedAt, comments);
    }
}
