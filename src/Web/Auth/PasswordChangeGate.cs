using Spotter.Collab.WebHost.Api;

namespace Spotter.Collab.WebHost.Auth;

/// <summary>
/// A token issued while its account must change a generated password (<see cref="CollabClaims.PasswordChangeRequired"/>)
/// opens only the auth endpoints (change the password, refresh, sign out) and <c>/api/me</c>; everything else, the hub
/// included, answers 403 <c>password-change-required</c>. The limit is in the token, so it holds on every web host.
/// </summary>
public static class PasswordChangeGate
{
    public const string Code = "password-change-required";

    public static IApplicationBuilder UsePasswordChangeGate(this IApplicationBuilder app) =>
        app.Use(async (context, next) =>
        {
            if (context.User.HasClaim(c => c.Type == CollabClaims.PasswordChangeRequired) && !IsAllowed(context.Request.Path))
            {
                await Problems.Of(StatusCodes.Status403Forbidden, Code, "change the generated password first (POST /api/auth/password), then refresh the token").ExecuteAsync(context);
                return;
            }
            await next(context);
        });

    // Only requests that carry the token are gated; a browser fetches the web client's files without it.
    private static bool IsAllowed(PathString path) =>
        path.StartsWithSegments("/api/auth", StringComparison.OrdinalIgnoreCase) || path.Equals("/api/me", StringComparison.OrdinalIgnoreCase);
}
