using Spotter.Collab.Grains.Access;
using Spotter.Collab.WebHost.Auth;

namespace Spotter.Collab.WebHost.Api;

/// <summary>The sharing picker's search: employees only (partners and link sessions get 403).</summary>
public static class DirectoryApi
{
    public static IEndpointRouteBuilder MapDirectoryApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/directory/search", async (string? q, HttpContext http, IGrainFactory grains) =>
            (await grains.Organization().SearchDirectory(http.User.Username(), q ?? "")).OkOrProblem())
            .RequireAuthorization().WithTags("Directory")
            .ProducesProblems(StatusCodes.Status400BadRequest, StatusCodes.Status401Unauthorized, StatusCodes.Status403Forbidden, StatusCodes.Status404NotFound);
        return app;
    }
}
