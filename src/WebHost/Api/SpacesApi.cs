using Spotter.Collab.Grains.Access;
using Spotter.Collab.WebHost.Auth;

namespace Spotter.Collab.WebHost.Api;

public sealed record CreateSpaceRequest(string Name);

/// <summary>Wiki spaces and their page tree, always filtered to what the caller can see.</summary>
public static class SpacesApi
{
    public static IEndpointRouteBuilder MapSpacesApi(this IEndpointRouteBuilder app)
    {
        var spaces = app.MapGroup("/api/spaces").RequireAuthorization().WithTags("Spaces");
        spaces.MapGet("/", (HttpContext http, IGrainFactory grains) => grains.Organization().ListSpaces(http.User.Username()));
        spaces.MapPost("/", async (CreateSpaceRequest request, HttpContext http, IGrainFactory grains) =>
        {
            var result = await grains.Organization().CreateSpace(http.User.Username(), request.Name);
            return result.IsOk ? Results.Created($"/api/spaces/{result.Id}", new CreatedResponse(result.Id!)) : result.Problem();
        });
        spaces.MapGet("/{id}/tree", async (string id, HttpContext http, IGrainFactory grains) =>
            await grains.Organization().GetTree(http.User.Username(), id) is { } tree ? Results.Ok(tree) : Problems.NotFound());
        spaces.MapGet("/{id}/trash", async (string id, HttpContext http, IGrainFactory grains) =>
        {
            var answer = await grains.Organization().GetTrash(http.User.Username(), id);
            return answer.IsOk ? Results.Ok(answer.Value) : answer.Problem();
        });
        return app;
    }
}
