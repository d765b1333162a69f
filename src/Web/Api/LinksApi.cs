using System.Collections.Concurrent;
using System.Security.Claims;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Spotter.Collab.Grains.Access;
using Spotter.Collab.Grains.Audit;
using Spotter.Collab.WebHost.Auth;

namespace Spotter.Collab.WebHost.Api;

public sealed record CreateLinkRequest(LinkScope? Scope, string? Role, string? Password, DateTimeOffset? ExpiresAt);
public sealed record CreateLinkResponse(string Id, string Token, string Url, ShareLinkInfo Link);
public sealed record RedeemLinkRequest(string Token, string? Password);
public sealed record RedeemLinkResponse(string AccessToken, string ResourceId, AccessLevel Role);

/// <summary>Share links: created and listed by managers, revoked by managers or admins, redeemed by anyone holding
/// one (company links: signed-in employees only) for a link-session token whose subject is <c>link:&lt;id&gt;</c>.</summary>
public static class LinksApi
{
    /// <summary>Longest life of a link session (shorter when the link expires sooner).</summary>
    public static readonly TimeSpan SessionLifetime = TimeSpan.FromHours(12);

    public static IEndpointRouteBuilder MapLinksApi(this IEndpointRouteBuilder app)
    {
        var resourceLinks = app.MapGroup("/api/resources/{id}/links").RequireAuthorization().WithTags("Links")
            .ProducesProblems(StatusCodes.Status400BadRequest, StatusCodes.Status401Unauthorized, StatusCodes.Status403Forbidden, StatusCodes.Status404NotFound);
        resourceLinks.MapGet("/", async (string id, HttpContext http, IGrainFactory grains) =>
            (await grains.Organization().GetLinks(http.User.Username(), id)).OkOrProblem());
        resourceLinks.MapPost("/", CreateAsync).ProducesProblems(StatusCodes.Status409Conflict);
        var links = app.MapGroup("/api/links").WithTags("Links");
        links.MapDelete("/{id}", RevokeAsync).RequireAuthorization()
            .ProducesProblems(StatusCodes.Status400BadRequest, StatusCodes.Status401Unauthorized, StatusCodes.Status403Forbidden, StatusCodes.Status404NotFound);
        links.MapPost("/redeem", RedeemAsync).AllowAnonymous().ProducesProblems(StatusCodes.Status404NotFound, StatusCodes.Status429TooManyRequests);
        return app;
    }

    private static async Task<Results<Ok<CreateLinkResponse>, ProblemHttpResult>> CreateAsync(string id, CreateLinkRequest request, HttpContext http, IGrainFactory grains, AuditRecorder audit)
    {
        if (!AccessLevels.TryParseGrantable(request.Role, out var role)) return Problems.Invalid("role: view, comment or edit");
        var answer = await grains.Organization().CreateLink(http.User.Username(), id, request.Scope ?? LinkScope.Company, role, request.Password, request.ExpiresAt);
        if (!answer.IsOk) return answer.Problem();
        var created = answer.Value!;
        await audit.RecordAsync(http, AuditActions.LinkCreated, id, $"link={created.Link.Id}; scope={created.Link.Scope}; role={role.ToWire()}");
        // The web client's link route with the token in the fragment, which browsers never send: the token stays out
        // of request logs, traces and proxies (the `/#/link/<token>` form of links already sent still opens).
        return TypedResults.Ok(new CreateLinkResponse(created.Link.Id, created.Token, $"/link#{Uri.EscapeDataString(created.Token)}", created.Link));
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> RevokeAsync(string id, HttpContext http, IGrainFactory grains, AuditRecorder audit)
    {
        var answer = await grains.Organization().RevokeLink(http.User.Username(), id);
        if (!answer.IsOk) return answer.Problem();
        await audit.RecordAsync(http, AuditActions.LinkRevoked, answer.Value!.ResourceId, $"link={id}");
        return TypedResults.NoContent();
    }

    private static async Task<Results<Ok<RedeemLinkResponse>, ProblemHttpResult>> RedeemAsync(
        RedeemLinkRequest request, HttpContext http, IGrainFactory grains, TokenService tokens, IOptions<TokenOptions> options, RedeemThrottle throttle, AuditRecorder audit, TimeProvider time)
    {
        var address = http.Connection.RemoteIpAddress?.ToString() ?? "unknown";
        if (!throttle.TryAcquire(address)) return Problems.Of(StatusCodes.Status429TooManyRequests, "rate-limited", "too many link attempts; try again later");
        var signedIn = http.User.Identity?.IsAuthenticated == true;
        var redeemer = signedIn ? http.User.Username() : null;
        if (redeemer is not null && Principals.IsLink(redeemer)) redeemer = null;
        // The person the new session answers to: the signed-in user, or the one an already bound link session
        // answers to (so chaining links cannot shed the binding). Only a directory user may redeem a company link.
        var boundTo = signedIn ? http.User.Accountable() : null;
        var boundSession = boundTo is null ? null : http.User.FindFirstValue(CollabClaims.SessionId);
        var answer = await grains.Organization().RedeemLink(request.Token ?? "", request.Password, redeemer);
        if (!answer.IsOk)
        {
            throttle.Failed(address);
            await audit.RecordAsync(http, AuditActions.LinkRedeemFailed, null);
            return Problems.NotFound();
        }
        var redemption = answer.Value!;
        var token = IssueLinkSession(tokens, options.Value, time, redemption, boundTo, boundSession);
        await audit.RecordAsync(http, AuditActions.LinkUsed, redemption.ResourceId, $"link={redemption.LinkId}; bound={boundTo ?? "none"}");
        return TypedResults.Ok(new RedeemLinkResponse(token, redemption.ResourceId, redemption.Role));
    }

    /// <summary>A link-session JWT: subject <c>link:&lt;id&gt;</c>; grains resolve its level from the link itself,
    /// so revoking the link ends the session's access at once. Redeemed by a signed-in user, the session is bound to
    /// them: it carries their name (<see cref="CollabClaims.Redeemer"/>) and their session id, so their logout or
    /// deactivation ends it and the audit log names them.</summary>
    private static string IssueLinkSession(TokenService tokens, TokenOptions options, TimeProvider time, LinkRedemption redemption, string? redeemer, string? redeemerSession)
    {
        var now = time.GetUtcNow().UtcDateTime;
        List<Claim> claims =
        [
            new Claim(CollabClaims.Username, Principals.Link(redemption.LinkId)),
            new Claim(CollabClaims.DisplayName, "Guest"),
            // Tells one redemption from another: every anonymous guest of a link has the same subject.
            new Claim(JwtRegisteredClaimNames.Jti, Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16))),
        ];
        if (redeemer is not null)
        {
            claims.Add(new Claim(CollabClaims.Redeemer, redeemer));
            if (redeemerSession is not null) claims.Add(new Claim(CollabClaims.SessionId, redeemerSession));
        }
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Subject = new ClaimsIdentity(claims),
            Issuer = options.Issuer,
            Audience = options.Audience,
            IssuedAt = now,
            NotBefore = now,
            Expires = now + SessionLifetime,
            SigningCredentials = new SigningCredentials(tokens.SigningKey, SecurityAlgorithms.HmacSha256),
        });
    }
}

/// <summary>Failed link redemptions per client address: after <see cref="MaxFailures"/> within a minute, further
/// attempts get 429 until the minute is over (guessing tokens or passwords is pointless).</summary>
public sealed class RedeemThrottle(TimeProvider time)
{
    public const int MaxFailures = 10;
    private readonly ConcurrentDictionary<string, (DateTimeOffset WindowStart, int Failures)> _failures = new(StringComparer.Ordinal);

    public bool TryAcquire(string address) =>
        !_failures.TryGetValue(address, out var entry) || time.GetUtcNow() - entry.WindowStart >= TimeSpan.FromMinutes(1) || entry.Failures < MaxFailures;

    public void Failed(string address)
    {
        var now = time.GetUtcNow();
        _failures.AddOrUpdate(address, _ => (now, 1), (_, entry) => now - entry.WindowStart >= TimeSpan.FromMinutes(1) ? (now, 1) : (entry.WindowStart, entry.Failures + 1));
    }
}
