using Microsoft.AspNetCore.Http.HttpResults;
using Spotter.Collab.Grains;
using Spotter.Collab.Grains.Access;
using Spotter.Collab.WebHost.Auth;

namespace Spotter.Collab.WebHost.Api;

public sealed record CreateUserRequest(string Username, string Password, string? DisplayName);
public sealed record UserResponse(string Username, string DisplayName);

public static class UsersApi
{
    public static IEndpointRouteBuilder MapUsersApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/users", CreateAsync).RequireAuthorization(AuthExtensions.AdminPolicy).WithTags("Users")
            .ProducesProblems(StatusCodes.Status400BadRequest, StatusCodes.Status401Unauthorized, StatusCodes.Status403Forbidden, StatusCodes.Status409Conflict);
        return app;
    }

    private static async Task<Results<Created<UserResponse>, ProblemHttpResult>> CreateAsync(CreateUserRequest request, IGrainFactory grains, PasswordPolicy passwords)
    {
        var username = ApiExtensions.NormalizeUsername(request.Username);
        if (username is null) return Problems.Invalid("username: 1-64 characters of a-z, 0-9, '_', '.', '-', starting with a letter or digit");
        if (passwords.Check(request.Password, username) is { } weak) return weak;
        var displayName = string.IsNullOrWhiteSpace(request.DisplayName) ? username : request.DisplayName.Trim();
        if (displayName.Length > 100) return Problems.Invalid("displayName: at most 100 characters");
        if (!await grains.GetGrain<IUserGrain>(username).Create(displayName, request.Password, isAdmin: false))
        {
            return Problems.Conflict("user-exists", $"user '{username}' already exists");
        }
        // Every account made here is an employee in the directory (partners come from /api/admin/users).
        await grains.Organization().AddUser(new DirectoryUser(username, displayName, UserKind.Employee, null, null, [], false, false));
        return TypedResults.Created($"/api/users/{username}", new UserResponse(username, displayName));
    }
}
