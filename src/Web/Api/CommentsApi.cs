using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.HttpResults;
using Spotter.Collab.Grains;
using Spotter.Collab.Grains.KnowledgeBase;
using Spotter.Collab.WebHost.Auth;

namespace Spotter.Collab.WebHost.Api;

public sealed record AnchorRequest(string? Start, string? End);
public sealed record AddCommentRequest(AnchorRequest? Anchor, string? Quote, string? Text);
public sealed record ReplyRequest(string? Text);
public sealed record ResolveRequest(bool? Resolved);
/// <summary><see cref="Author"/> is the author's opaque id; <see cref="AuthorUsername"/> is sent to employees only.</summary>
public sealed record CommentResponse(string Id, string Author, string AuthorName, string Text, DateTimeOffset CreatedAt,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? AuthorUsername);
/// <summary><see cref="ResolvedBy"/> is the opaque id of whoever resolved the thread.</summary>
public sealed record CommentThreadResponse(string Id, CommentAnchor Anchor, string Quote, bool Resolved, string? ResolvedBy, string? ResolvedByName, DateTimeOffset CreatedAt,
    IReadOnlyList<CommentResponse> Comments);

/// <summary>Comment threads anchored to text by Yjs relative positions; commenters and above may write. Resolved
/// threads are history (often internal discussion): only callers who may see history get them, and to anyone else
/// a resolved thread is as missing as a thread that never existed.</summary>
public static class CommentsApi
{
    private const int MaxText = 10_000;
    private const int MaxQuote = 2_000;

    public static IEndpointRouteBuilder MapCommentsApi(this IEndpointRouteBuilder app)
    {
        var comments = app.MapGroup("/api/docs/{id}/comments").RequireAuthorization().WithTags("Comments")
            .ProducesProblems(StatusCodes.Status401Unauthorized, StatusCodes.Status404NotFound);
        comments.MapGet("/", ListAsync);
        comments.MapPost("/", AddAsync).ProducesProblems(StatusCodes.Status400BadRequest, StatusCodes.Status403Forbidden);
        comments.MapPost("/{threadId}/replies", ReplyAsync).ProducesProblems(StatusCodes.Status400BadRequest, StatusCodes.Status403Forbidden);
        // The optional body { resolved: false } reopens the thread.
        comments.MapPost("/{threadId}/resolve", ResolveAsync).Accepts<ResolveRequest>(true, "application/json")
            .ProducesProblems(StatusCodes.Status400BadRequest, StatusCodes.Status403Forbidden);
        return app;
    }

    private static async Task<Results<Ok<List<CommentThreadResponse>>, ProblemHttpResult>> ListAsync(string id, HttpContext http, IGrainFactory grains)
    {
        if (await grains.DescribeResourceAsync(id, http.User.Username()) is not { } info) return Problems.NotFound();
        var threads = (await grains.GetGrain<ICommentsGrain>(id).List()).Where(t => info.History || !t.Resolved).ToList();
        var people = await PeopleOfAsync(grains, http, threads);
        return TypedResults.Ok(threads.Select(t => ToResponse(t, people)).ToList());
    }

    private static async Task<Results<Created<CommentThreadResponse>, ProblemHttpResult>> AddAsync(string id, AddCommentRequest request, HttpContext http, IGrainFactory grains)
    {
        if ((await CheckCommenterAsync(id, http, grains)).Denied is { } denied) return denied;
        if (request.Anchor is not { Start: { } start, End: { } end } || !await grains.GetGrain<IContentConversionGrain>(0).IsAnchor(new CommentAnchor(start, end)))
        {
            return Problems.Invalid("anchor: start and end as base64 of Y.encodeRelativePosition");
        }
        if (Validate(request.Text) is { } invalid) return invalid;
        var quote = request.Quote ?? "";
        if (quote.Length > MaxQuote) return Problems.Invalid($"quote: at most {MaxQuote} characters");
        var thread = await grains.GetGrain<ICommentsGrain>(id).Add(http.User.Username(), new CommentAnchor(start, end), quote, request.Text!);
        return TypedResults.Created($"/api/docs/{id}/comments/{thread.Id}", ToResponse(thread, await PeopleOfAsync(grains, http, [thread])));
    }

    private static async Task<Results<Ok<CommentThreadResponse>, ProblemHttpResult>> ReplyAsync(string id, string threadId, ReplyRequest request, HttpContext http, IGrainFactory grains)
    {
        var (info, denied) = await CheckCommenterAsync(id, http, grains);
        if (denied is not null) return denied;
        if (Validate(request.Text) is { } invalid) return invalid;
        if (await HiddenAsync(grains, id, threadId, info!)) return NoThread();
        var thread = await grains.GetGrain<ICommentsGrain>(id).Reply(http.User.Username(), threadId, request.Text!);
        return thread is null ? NoThread() : TypedResults.Ok(ToResponse(thread, await PeopleOfAsync(grains, http, [thread])));
    }

    private static async Task<Results<Ok<CommentThreadResponse>, ProblemHttpResult>> ResolveAsync(string id, string threadId, HttpContext http, IGrainFactory grains)
    {
        var (info, denied) = await CheckCommenterAsync(id, http, grains);
        if (denied is not null) return denied;
        if (await HiddenAsync(grains, id, threadId, info!)) return NoThread();
        // Optional body { resolved: false } reopens a thread.
        var resolved = true;
        if (http.Request.ContentLength > 0)
        {
            var body = await http.Request.ReadFromJsonAsync<ResolveRequest>(http.RequestAborted);
            resolved = body?.Resolved ?? true;
        }
        var thread = await grains.GetGrain<ICommentsGrain>(id).Resolve(http.User.Username(), threadId, resolved);
        return thread is null ? NoThread() : TypedResults.Ok(ToResponse(thread, await PeopleOfAsync(grains, http, [thread])));
    }

    private static async Task<(DocumentInfo? Info, ProblemHttpResult? Denied)> CheckCommenterAsync(string id, HttpContext http, IGrainFactory grains)
    {
        var info = await grains.DescribeResourceAsync(id, http.User.Username());
        if (info is null) return (null, Problems.NotFound());
        return (info, info.Role >= DocumentRole.Commenter ? null : Problems.Forbidden("commenting needs comment access"));
    }

    /// <summary>A resolved thread, asked about by someone who may not see history: answered like a missing one
    /// (replying to it or reopening it would hand its content out).</summary>
    private static async Task<bool> HiddenAsync(IGrainFactory grains, string id, string threadId, DocumentInfo info) =>
        !info.History && (await grains.GetGrain<ICommentsGrain>(id).List()).Any(t => t.Id == threadId && t.Resolved);

    private static ProblemHttpResult? Validate(string? text) =>
        string.IsNullOrWhiteSpace(text) || text.Length > MaxText ? Problems.Invalid($"text: 1-{MaxText} characters") : null;

    private static ProblemHttpResult NoThread() => Problems.Of(StatusCodes.Status404NotFound, "not-found", "no such comment thread");

    private static Task<People> PeopleOfAsync(IGrainFactory grains, HttpContext http, IEnumerable<CommentThread> threads) =>
        People.DescribeAsync(grains, http, threads.SelectMany(t => t.Comments.Select(c => c.Author).Concat(t.ResolvedBy is { } by ? [by] : [])));

    private static CommentThreadResponse ToResponse(CommentThread thread, People people)
    {
        var comments = thread.Comments.Select(c =>
        {
            var author = people.Of(c.Author);
            return new CommentResponse(c.Id, author.Id, author.DisplayName, c.Text, c.CreatedAt, author.Username);
        }).ToList();
        var resolvedBy = thread.ResolvedBy is { } by ? people.Of(by) : null;
        return new CommentThreadResponse(thread.Id, thread.Anchor, thread.Quote, thread.Resolved, resolvedBy?.Id, resolvedBy?.DisplayName, thread.CreatedAt, comments);
    }
}
