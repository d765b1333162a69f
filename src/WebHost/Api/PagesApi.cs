using Spotter.Collab.Grains;
using Spotter.Collab.Grains.Access;
using Spotter.Collab.Grains.Audit;
using Spotter.Collab.Grains.KnowledgeBase;
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
        var pages = app.MapGroup("/api/pages").RequireAuthorization().WithTags("Pages");
        pages.MapPost("/", CreateAsync);
        pages.MapPatch("/{id}", async (string id, RenamePageRequest request, HttpContext http, IGrainFactory grains) =>
        {
            var result = await grains.Organization().RenameResource(http.User.Username(), id, request.Title);
            if (!result.IsOk) return result.Problem();
            // Title search must find the new title at once, not after the next edit.
            if (await grains.Organization().GetResource(id, http.User.Username()) is { Kind: not ResourceKind.Space } renamed)
            {
                await grains.GetGrain<ISearchIndexGrain>("default").Retitle(id, renamed.Title);
            }
            return Results.NoContent();
        });
        pages.MapPost("/{id}/move", async (string id, MovePageRequest request, HttpContext http, IGrainFactory grains) =>
        {
            var result = await grains.Organization().MovePage(http.User.Username(), id, request.ParentId ?? "", request.Index);
            if (!result.IsOk) return result.Problem();
            await http.AuditAsync(AuditActions.PageMoved, id, $"to {request.ParentId} at {request.Index}");
            return Results.NoContent();
        });
        pages.MapPost("/{id}/trash", (string id, HttpContext http, IGrainFactory grains) => SetTrashedAsync(id, true, http, grains));
        pages.MapPost("/{id}/restore", (string id, HttpContext http, IGrainFactory grains) => SetTrashedAsync(id, false, http, grains));
        return app;
    }

    private static async Task<IResult> CreateAsync(CreatePageRequest request, HttpContext http, IGrainFactory grains)
    {
        var actor = http.User.Username();
        var result = await grains.Organization().CreatePage(actor, request.SpaceId ?? "", AccessApi.CleanId(request.ParentId), request.Title, request.Index);
        if (!result.IsOk) return result.Problem();
        // The page resource exists (with its place in the tree), so creating its document registers nothing new.
        await grains.GetGrain<IDocumentGrain>(result.Id!).Create(actor, request.Title.Trim());
        return Results.Created($"/api/docs/{result.Id}", new CreatedResponse(result.Id!));
    }

    private static async Task<IResult> SetTrashedAsync(string id, bool trashed, HttpContext http, IGrainFactory grains)
    {
        var result = await grains.Organization().SetTrashed(http.User.Username(), id, trashed);
        if (!result.IsOk) return result.Problem();
        await http.AuditAsync(trashed ? AuditActions.PageTrashed : AuditActions.PageRestored, id);
        return Results.NoContent();
    }
}
