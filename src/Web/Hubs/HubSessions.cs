using System.Security.Claims;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Spotter.Collab.WebHost.Auth;

namespace Spotter.Collab.WebHost.Hubs;

/// <summary>
/// Refuses every hub call on a connection whose session has ended or whose access token expired: between that
/// moment and the socket being closed the connection can do nothing.
/// </summary>
public sealed class HubSessionFilter(DocumentConnections connections) : IHubFilter
{
    public const string SessionEnded = "session-ended";

    public ValueTask<object?> InvokeMethodAsync(HubInvocationContext invocationContext, Func<HubInvocationContext, ValueTask<object?>> next)
    {
        ArgumentNullException.ThrowIfNull(invocationContext);
        ArgumentNullException.ThrowIfNull(next);
        if (!connections.IsLive(invocationContext.Context.ConnectionId)) throw new HubException(SessionEnded);
        return next(invocationContext);
    }
}

/// <summary>Closes hub connections whose access token expired without <c>RenewToken</c> (checked every second).</summary>
public sealed class HubTokenExpiryService(DocumentConnections connections, TimeProvider time) : BackgroundService
{
    public static readonly TimeSpan Period = TimeSpan.FromSeconds(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Period, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                await connections.EndExpiredAsync(time.GetUtcNow());
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down.
        }
    }
}

/// <summary>
/// Checks an access token a live connection presents to extend its life: validly signed and unexpired, passing every
/// <see cref="IAccessTokenCheck"/>, not of a deactivated user, and of the same subject, session and redeemer as the
/// connection (a connection cannot change who it is).
/// </summary>
public sealed class HubTokenRenewal(
    IOptionsMonitor<JwtBearerOptions> jwt,
    IEnumerable<IAccessTokenCheck> checks,
    OrganizationWatcher organization)
{
    private readonly JsonWebTokenHandler _handler = new() { MapInboundClaims = false };

    /// <summary>The new token's expiry, or null if it may not renew this connection.</summary>
    public async Task<DateTimeOffset?> ValidateAsync(ClaimsPrincipal current, string? accessToken, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(current);
        if (string.IsNullOrEmpty(accessToken) || accessToken.Length > 8192) return null;
        var parameters = jwt.Get(JwtBearerDefaults.AuthenticationScheme).TokenValidationParameters;
        var result = await _handler.ValidateTokenAsync(accessToken, parameters);
        if (!result.IsValid) return null;
        var renewed = new ClaimsPrincipal(result.ClaimsIdentity);
        foreach (var claim in (string[])[CollabClaims.Username, CollabClaims.SessionId, CollabClaims.Redeemer])
        {
            if (current.FindFirstValue(claim) != renewed.FindFirstValue(claim)) return null;
        }
        foreach (var check in checks)
        {
            if (await check.CheckAsync(renewed, cancellationToken) is not null) return null;
        }
        if (renewed.Accountable() is { } accountable && organization.IsDeactivated(accountable)) return null;
        return result.SecurityToken.ValidTo is var validTo && validTo > DateTime.MinValue
            ? new DateTimeOffset(DateTime.SpecifyKind(validTo, DateTimeKind.Utc))
            : null;
    }
}
