using Microsoft.AspNetCore.Http.HttpResults;
using Spotter.Collab.Grains;
using Spotter.Collab.Grains.Access;
using Spotter.Collab.Grains.Audit;
using Spotter.Collab.Grains.KnowledgeBase;
using Spotter.Collab.WebHost.Application;
using Spotter.Collab.WebHost.Auth;

namespace Spotter.Collab.WebHost.Api;

public sealed record CreatePageRequest(string SpaceId, string? ParentId, string Title, int? Index);
public sealed record RenamePageRequest(string Title);
public sealed record MovePageRequest(string ParentId, int? Index);

/// <summary>Pages of the tree: each page is a document grain whose access is inherited through the tree.</summary>
public static class PagesApi
{
    public static IEndpointRouteBuilder MapPagesApi(this IEndpointRouteBuilder app)
    {
        var pages = app.MapGroup("/api/pages").RequireAuthorization().WithTags("Pages")
            .ProducesProblems(StatusCodes.Status400BadRequest, StatusCodes.Status401Unauthorized, StatusCodes.Status403Forbidden, StatusCodes.Status404NotFound);
        pages.MapPost("/", CreateAsync).ProducesProblems(StatusCodes.Status409Conflict);
        pages.MapPatch("/{id}", RenameAsync).ProducesProblems(StatusCodes.Status409Conflict);
        // Who would gain or lose read access by the move (the client asks before moving and has it confirmed).
        pages.MapPost("/{id}/move/preview", async (string id, MovePageRequest request, HttpContext http, PageMoves moves) =>
            (await moves.PreviewAsync(http.User.Username(), id, request.ParentId ?? "")).OkOrProblem());
        pages.MapPost("/{id}/move", MoveAsync).ProducesProblems(StatusCodes.Status409Conflict);
        pages.MapPost("/{id}/trash", (string id, HttpContext http, IGrainFactory grains, AuditRecorder audit) => SetTrashedAsync(id, true, http, grains, audit))
            .ProducesProblems(StatusCodes.Status409Conflict);
        pages.MapPost("/{id}/restore", (string id, HttpContext http, IGrainFactory grains, AuditRecorder audit) => SetTrashedAsync(id, false, http, grains, audit))
            .ProducesProblems(StatusCodes.Status409Conflict);
        return app;
    }

    private static async Task<Results<Created<CreatedResponse>, ProblemHttpResult>> CreateAsync(CreatePageRequest request, HttpContext http, IGrainFactory grains)
    {
        var actor = http.User.Username();
        var result = await grains.Organization().CreatePage(actor, request.SpaceId ?? "", AccessApi.CleanId(request.ParentId), request.Title, request.Index);
        if (!result.IsOk) return result.Problem();
        // The page resource exists (with its place in the tree), so creating its document registers nothing new.
        await grains.GetGrain<IDocumentGrain>(result.Id!).Create(actor, request.Title.Trim());
        return TypedResults.Created($"/api/docs/{result.Id}", new CreatedResponse(result.Id!));
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> RenameAsync(string id, RenamePageRequest request, HttpContext http, IGrainFactory grains)
    {
        var result = await grains.Organization().RenameResource(http.User.Username(), id, request.Title);
        if (!result.IsOk) return result.Problem();
        // Title search must find the new title at once, not after the next edit.
        if (await grains.Organization().GetResource(id, http.User.Username()) is { Kind: not ResourceKind.Space } renamed)
        {
            await grains.GetGrain<ISearchIndexGrain>("default").Retitle(id, renamed.Title);
        }
        return TypedResults.NoContent();
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> MoveAsync(string id, MovePageRequest request, HttpContext http, PageMoves moves, AuditRecorder audit)
    {
        var moved = await moves.MoveAsync(http.User.Username(), id, request.ParentId ?? "", request.Index);
        if (!moved.Outcome.IsOk) return moved.Outcome.Problem();
        await audit.RecordAsync(http, AuditActions.PageMoved, id, $"to {request.ParentId} at {request.Index}{AccessChanges.Describe(moved.Change)}");
        return TypedResults.NoContent();
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> SetTrashedAsync(string id, bool trashed, HttpContext http, IGrainFactory grains, AuditRecorder audit)
    {
        var result = await grains.Organization().SetTrashed(http.User.Username(), id, trashed);
        if (!result.IsOk) return result.Problem();
        await audit.RecordAsync(http, trashed ? AuditActions.PageTrashed : AuditActions.PageRestored, id);
        return TypedResults.NoContent();
    }
}

/// <summary>The audit wording of a change in who can read a page: principals with display names, bounded.</summary>
public static class AccessChanges
{
    private const int MaxNamed = 20;

    public static string Describe(AccessChange? change)
    {
        if (change is null || change.IsEmpty) return "";
        return $"; gained: {Names(change.Gains)}; lost: {Names(change.Losses)}";
    }

    private static string Names(IReadOnlyList<AccessChangeEntry> entries)
    {
        if (entries.Count == 0) return "nobody";
        var named = entries.Take(MaxNamed).Select(e => $"{e.Principal ?? e.Kind} ({e.DisplayName})");
        return string.Join(", ", named) + (entries.Count > MaxNamed ? $" and {entries.Count - MaxNamed} more" : "");
    }
}
