using Microsoft.AspNetCore.Http.HttpResults;
using Spotter.Collab.Grains;
using Spotter.Collab.Grains.Access;
using Spotter.Collab.WebHost.Application;
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

    /// <summary>An employee account (partners and administrators come from /api/admin/users; both go through
    /// <see cref="UserAccounts"/>).</summary>
    private static async Task<Results<Created<UserResponse>, ProblemHttpResult>> CreateAsync(CreateUserRequest request, UserAccounts accounts)
    {
        var (user, refusal) = await accounts.CreateAsync(new NewAccount(request.Username, request.Password, request.DisplayName, UserKind.Employee, null, null, IsAdmin: false));
        if (refusal is not null) return refusal.ToProblem();
        return TypedResults.Created($"/api/users/{user!.Username}", new UserResponse(user.Username, user.DisplayName));
    }
}
