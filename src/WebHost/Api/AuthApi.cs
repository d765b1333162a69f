using Microsoft.AspNetCore.Http.HttpResults;
using Spotter.Collab.Grains;
using Spotter.Collab.WebHost.Auth;

namespace Spotter.Collab.WebHost.Api;

public sealed record LoginRequest(string Username, string Password);
public sealed record LoginResponse(string Token);
public sealed record MeResponse(string Username, string DisplayName, bool IsAdmin);

public static class AuthApi
{
    public static IEndpointRouteBuilder MapAuthApi(this IEndpointRouteBuilder app)
    {
        var auth = app.MapGroup("/api/auth").WithTags("Auth");
        auth.MapPost("/login", LoginAsync).AllowAnonymous();
        app.MapGet("/api/me", (HttpContext http) => new MeResponse(
                http.User.Username(),
                http.User.FindFirst(CollabClaims.DisplayName)?.Value ?? http.User.Username(),
                http.User.IsInRole(CollabClaims.AdminRole)))
            .RequireAuthorization().WithTags("Auth");
        return app;
    }

    private static async Task<Results<Ok<LoginResponse>, ProblemHttpResult>> LoginAsync(LoginRequest request, IGrainFactory grains, TokenService tokens)
    {
        var username = ApiExtensions.NormalizeUsername(request.Username);
        var profile = username is null || string.IsNullOrEmpty(request.Password)
            ? null
            : await grains.GetGrain<IUserGrain>(username).VerifyPassword(request.Password);
        if (profile is null) return Problems.Of(StatusCodes.Status401Unauthorized, "invalid-credentials", "unknown user or wrong password");
        return TypedResults.Ok(new LoginResponse(tokens.Issue(profile)));
    }
}
