using System.Globalization;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.HttpResults;
using Spotter.Collab.Grains;
using Spotter.Collab.Grains.Access;
using Spotter.Collab.Grains.Audit;
using Spotter.Collab.WebHost.Application;
using Spotter.Collab.WebHost.Auth;
using Spotter.Collab.WebHost.Hubs;

namespace Spotter.Collab.WebHost.Api;

public sealed record LoginRequest(string Username, string Password);
public sealed record RefreshRequest(string RefreshToken);
public sealed record ChangePasswordRequest(string? Current, string? New);

/// <summary><see cref="Token"/> is <see cref="AccessToken"/> again, for clients written before refresh tokens.
/// <see cref="ExpiresIn"/> is the access token's lifetime in seconds.</summary>
/// <param name="PasswordChangeRequired">The account must change its (generated) password before the token opens
/// anything but <c>/api/auth/*</c> and <c>/api/me</c>; change it, then refresh for a token without the limit.</param>
public sealed record TokenResponse(string Token, string AccessToken, string RefreshToken, int ExpiresIn, bool PasswordChangeRequired = false);
/// <summary>The caller as the organisation directory knows it. <see cref="Kind"/> is missing for share-link sessions
/// (<c>link:&lt;id&gt;</c>), <see cref="PartnerOrgId"/> for everyone but partner users.</summary>
public sealed record MeResponse(
    string Username,
    string DisplayName,
    bool IsAdmin,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] UserKind? Kind = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? PartnerOrgId = null);

public static class AuthApi
{
    private const string Anonymous = AuditRecorder.Anonymous;

    public static IEndpointRouteBuilder MapAuthApi(this IEndpointRouteBuilder app)
    {
        var auth = app.MapGroup("/api/auth").WithTags("Auth").RequireRateLimiting(AuthExtensions.AuthRateLimitPolicy)
            .ProducesProblems(StatusCodes.Status400BadRequest, StatusCodes.Status429TooManyRequests);
        auth.MapPost("/login", LoginAsync).AllowAnonymous().ProducesProblems(StatusCodes.Status401Unauthorized, StatusCodes.Status403Forbidden);
        auth.MapPost("/refresh", RefreshAsync).AllowAnonymous().ProducesProblems(StatusCodes.Status401Unauthorized);
        auth.MapPost("/logout", LogoutAsync).AllowAnonymous();
        auth.MapPost("/password", ChangePasswordAsync).RequireAuthorization().ProducesProblems(StatusCodes.Status401Unauthorized, StatusCodes.Status403Forbidden);
        app.MapGet("/api/me", MeAsync).RequireAuthorization().WithTags("Auth").ProducesProblems(StatusCodes.Status401Unauthorized);
        return app;
    }

    private static async Task<MeResponse> MeAsync(HttpContext http, IGrainFactory grains)
    {
        var username = http.User.Username();
        var entry = Principals.IsLink(username) ? null : await grains.Organization().GetUser(username);
        return new MeResponse(
            username,
            entry?.DisplayName ?? http.User.FindFirst(CollabClaims.DisplayName)?.Value ?? username,
            // What the server enforces: the directory, not the token.
            entry is { IsAdmin: true, Deactivated: false },
            entry?.Kind,
            entry?.Kind == UserKind.Partner ? entry.PartnerOrgId : null);
    }

    private static async Task<Results<Ok<TokenResponse>, ProblemHttpResult>> LoginAsync(
        LoginRequest request, HttpContext http, IGrainFactory grains, TokenService tokens, UserAccounts accounts, AuditRecorder audit, TimeProvider time, OrganizationWatcher organization)
    {
        var username = ApiExtensions.NormalizeUsername(request.Username);
        if (username is null || string.IsNullOrEmpty(request.Password))
        {
            await audit.RecordAsync(http, AuditActions.LoginFailed, Clip(request.Username), "malformed username or empty password", actor: Anonymous);
            return InvalidCredentials();
        }

        // Lockouts are per account and address: guesses from elsewhere cannot lock the owner out.
        var result = await grains.GetGrain<IUserGrain>(username).Login(request.Password, AuthExtensions.ClientPartition(http.Connection.RemoteIpAddress));
        switch (result.Outcome)
        {
            case LoginOutcome.Succeeded when organization.IsDeactivated(username):
                // Only someone who knows the password learns that the account is deactivated.
                await grains.GetGrain<IUserGrain>(username).Logout(result.Session!.RefreshToken);
                await audit.RecordAsync(http, AuditActions.LoginFailed, username, "account deactivated", actor: Anonymous);
                return Deactivated();
            case LoginOutcome.Succeeded:
                await audit.RecordAsync(http, AuditActions.Login, username, $"session {result.Session!.SessionId}", actor: username);
                return TypedResults.Ok(await TokensAsync(tokens, accounts, username, result.Session, result.Profile?.PasswordChangeRequired == true));
            case LoginOutcome.LockedOut when result.LockedNow:
                await audit.RecordAsync(http, AuditActions.LoginFailed, username, FailureDetail(result), actor: Anonymous);
                await audit.RecordAsync(http, AuditActions.LockedOut, username, $"locked until {Time(result.LockedUntil)} after repeated failures", actor: Anonymous);
                return LockedOut(http, time, result.LockedUntil);
            case LoginOutcome.LockedOut:
                await audit.RecordAsync(http, AuditActions.LockedOut, username, $"attempt while locked until {Time(result.LockedUntil)}", actor: Anonymous);
                return LockedOut(http, time, result.LockedUntil);
            default:
                await audit.RecordAsync(http, AuditActions.LoginFailed, username, FailureDetail(result), actor: Anonymous);
                return InvalidCredentials();
        }
    }

    private static async Task<Results<Ok<TokenResponse>, ProblemHttpResult>> RefreshAsync(
        RefreshRequest request, HttpContext http, IGrainFactory grains, TokenService tokens, UserAccounts accounts, AuditRecorder audit, SessionCheck sessions, OrganizationWatcher organization)
    {
        if (!TryOwner(request.RefreshToken, out var username)) return InvalidRefreshToken();
        if (organization.IsDeactivated(username))
        {
            await grains.GetGrain<IUserGrain>(username).RevokeAllSessions();
            return InvalidRefreshToken();
        }
        var result = await grains.GetGrain<IUserGrain>(username).Refresh(request.RefreshToken);
        switch (result.Outcome)
        {
            case RefreshOutcome.Succeeded:
                await audit.RecordAsync(http, AuditActions.TokenRefreshed, username, $"session {result.SessionId}", actor: username);
                return TypedResults.Ok(await TokensAsync(tokens, accounts, username, result.Session!, result.Profile?.PasswordChangeRequired == true));
            case RefreshOutcome.Reused:
                sessions.Forget(username, result.SessionId!);
                await audit.RecordAsync(http, AuditActions.RefreshReuse, username, $"a rotated refresh token of session {result.SessionId} was presented again; the session is revoked", actor: username);
                return InvalidRefreshToken();
            default:
                return InvalidRefreshToken();
        }
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> LogoutAsync(
        RefreshRequest request, HttpContext http, IGrainFactory grains, AuditRecorder audit, SessionCheck sessions)
    {
        if (string.IsNullOrEmpty(request.RefreshToken)) return Problems.Invalid("refreshToken is required");
        // Always 204: an unknown or dead token is as logged out as it gets.
        if (TryOwner(request.RefreshToken, out var username)
            && RefreshTokenFormat.TryParse(request.RefreshToken, out _, out var sessionId, out _)
            && await grains.GetGrain<IUserGrain>(username).Logout(request.RefreshToken))
        {
            sessions.Forget(username, sessionId);
            await audit.RecordAsync(http, AuditActions.Logout, username, $"session {sessionId}", actor: username);
        }
        return TypedResults.NoContent();
    }

    /// <summary>The caller's own password: the current one must match (a wrong one counts like a failed login); every
    /// other session of the account ends, this one stays.</summary>
    private static async Task<Results<NoContent, ProblemHttpResult>> ChangePasswordAsync(ChangePasswordRequest request, HttpContext http, IGrainFactory grains, AuditRecorder audit, PasswordPolicy passwords, TimeProvider time)
    {
        var sessionId = http.User.FindFirst(CollabClaims.SessionId)?.Value;
        if (http.User.Redeemer() is not null || sessionId is null || Principals.IsLink(http.User.Username()))
        {
            return Problems.Forbidden("only a signed-in user can change their password");
        }
        var username = http.User.Username();
        if (string.IsNullOrEmpty(request.Current)) return Problems.Invalid("current: the current password is required");
        if (passwords.Check(request.New, username) is { } weak) return weak;
        switch (await grains.GetGrain<IUserGrain>(username).ChangePassword(request.Current, request.New!, sessionId))
        {
            case PasswordChangeOutcome.Changed:
                await audit.RecordAsync(http, AuditActions.PasswordChanged, username, $"session {sessionId} kept; the other sessions ended", actor: username);
                return TypedResults.NoContent();
            case PasswordChangeOutcome.WrongPassword:
                await audit.RecordAsync(http, AuditActions.LoginFailed, username, "wrong current password on password change", actor: username);
                return Problems.Of(StatusCodes.Status403Forbidden, "wrong-password", "the current password is wrong");
            case PasswordChangeOutcome.LockedOut:
                return LockedOut(http, time, null);
            default:
                return Problems.Of(StatusCodes.Status401Unauthorized, "session-ended", "this session has ended; sign in again");
        }
    }

    /// <summary>A new access token carries the person's current name and role from the directory (a rename shows in
    /// the next refreshed token).</summary>
    private static async Task<TokenResponse> TokensAsync(TokenService tokens, UserAccounts accounts, string username, IssuedSession session, bool passwordChangeRequired)
    {
        var subject = await accounts.TokenSubjectAsync(username) ?? new TokenSubject(username, username, false);
        var accessToken = tokens.Issue(subject, session.SessionId, passwordChangeRequired);
        return new TokenResponse(accessToken, accessToken, session.RefreshToken, (int)tokens.AccessTokenLifetime.TotalSeconds, passwordChangeRequired);
    }

    /// <summary>The account a refresh token claims to belong to, if it is well formed.</summary>
    private static bool TryOwner(string? refreshToken, out string username)
    {
        username = "";
        if (!RefreshTokenFormat.TryParse(refreshToken, out var owner, out _, out _) || ApiExtensions.NormalizeUsername(owner) != owner) return false;
        username = owner;
        return true;
    }

    private static ProblemHttpResult InvalidCredentials() =>
        Problems.Of(StatusCodes.Status401Unauthorized, "invalid-credentials", "unknown user or wrong password");

    private static ProblemHttpResult Deactivated() =>
        Problems.Of(StatusCodes.Status403Forbidden, "deactivated", "this account is deactivated");

    private static ProblemHttpResult InvalidRefreshToken() =>
        Problems.Of(StatusCodes.Status401Unauthorized, "invalid-refresh-token", "the refresh token is unknown, expired or revoked; sign in again");

    /// <summary>Unknown and existing accounts lock alike, so this answer tells nothing about the account.</summary>
    private static ProblemHttpResult LockedOut(HttpContext http, TimeProvider time, DateTimeOffset? until)
    {
        var seconds = until is { } end ? Math.Max(1, (int)Math.Ceiling((end - time.GetUtcNow()).TotalSeconds)) : 1;
        http.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        return Problems.Of(StatusCodes.Status429TooManyRequests, "locked-out", "too many failed sign-ins; try again later");
    }

    private static string FailureDetail(LoginResult result) => result.AccountExists ? "wrong password" : "unknown user";

    private static string Time(DateTimeOffset? time) => time?.ToString("O", CultureInfo.InvariantCulture) ?? "?";

    private static string? Clip(string? text) => text is { Length: > 100 } ? text[..100] : text;
}
