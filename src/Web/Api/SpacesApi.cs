using Microsoft.AspNetCore.Http.HttpResults;
using Spotter.Collab.Grains.Access;
using Spotter.Collab.WebHost.Auth;

namespace Spotter.Collab.WebHost.Api;

public sealed record CreateSpaceRequest(string Name);

/// <summary>Wiki spaces and their page tree, always filtered to what the caller can see.</summary>
public static class SpacesApi
{
    public static IEndpointRouteBuilder MapSpacesApi(this IEndpointRouteBuilder app)
    {
        var spaces = app.MapGroup("/api/spaces").RequireAuthorization().WithTags("Spaces").ProducesProblems(StatusCodes.Status401Unauthorized);
        spaces.MapGet("/", async (HttpContext http, IGrainFactory grains) => TypedResults.Ok(await grains.Organization().ListSpaces(http.User.Username())));
        spaces.MapPost("/", CreateAsync).ProducesProblems(StatusCodes.Status400BadRequest, StatusCodes.Status403Forbidden, StatusCodes.Status409Conflict);
        spaces.MapGet("/{id}/tree", TreeAsync).ProducesProblems(StatusCodes.Status404NotFound);
        spaces.MapGet("/{id}/trash", async (string id, HttpContext http, IGrainFactory grains) =>
            (await grains.Organization().GetTrash(http.User.Username(), id)).OkOrProblem())
            .ProducesProblems(StatusCodes.Status400BadRequest, StatusCodes.Status403Forbidden, StatusCodes.Status404NotFound);
        return app;
    }

    private static async Task<Results<Created<CreatedResponse>, ProblemHttpResult>> CreateAsync(CreateSpaceRequest request, HttpContext http, IGrainFactory grains)
    {
        var result = await grains.Organization().CreateSpace(http.User.Username(), request.Name);
        return result.IsOk ? TypedResults.Created($"/api/spaces/{result.Id}", new CreatedResponse(result.Id!)) : result.Problem();
    }

    private static async Task<Results<Ok<SpaceTree>, ProblemHttpResult>> TreeAsync(string id, HttpContext http, IGrainFactory grains) =>
        await grains.AccessReader().GetTree(http.User.Username(), id) is { } tree ? TypedResults.Ok(tree) : Problems.NotFound();
}
