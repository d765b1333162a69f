using System.Collections.Concurrent;
using System.Security.Claims;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;
using Spotter.Collab.Grains;

namespace Spotter.Collab.WebHost.Auth;

/// <summary>
/// A check every validly signed, unexpired access token must also pass (HTTP calls and hub connections alike).
/// Register more with <c>services.AddSingleton&lt;IAccessTokenCheck, ...&gt;()</c>; the first failure refuses the token.
/// </summary>
public interface IAccessTokenCheck
{
    /// <summary>Null to accept, else why the token is refused.</summary>
    ValueTask<string?> CheckAsync(ClaimsPrincipal principal, CancellationToken cancellationToken);
}

/// <summary>
/// Refuses access tokens whose session (<c>sid</c>) was logged out, rotated into a reuse revocation, expired or
/// revoked with all the user's sessions. A live answer is trusted for <see cref="TokenOptions.SessionCheckInterval"/>,
/// so the user grain is asked at most once per session and interval on each host. A link session redeemed by a
/// signed-in user carries that user's session and is checked against it; anonymous link sessions have none.
/// </summary>
public sealed class SessionCheck(IGrainFactory grains, IMemoryCache cache, IOptions<TokenOptions> options, TimeProvider? time = null) : IAccessTokenCheck
{
    private readonly TimeProvider _time = time ?? TimeProvider.System;
    // username → when all their sessions were ended (deactivation): cached answers from before are not trusted
    private readonly ConcurrentDictionary<string, DateTimeOffset> _endedAt = new(StringComparer.Ordinal);

    public async ValueTask<string?> CheckAsync(ClaimsPrincipal principal, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(principal);
        var sessionId = principal.FindFirstValue(CollabClaims.SessionId);
        var username = principal.FindFirstValue(CollabClaims.Redeemer) ?? principal.FindFirstValue(CollabClaims.Username);
        if (sessionId is null || username is null) return null;
        var key = Key(username, sessionId);
        if (cache.TryGetValue(key, out DateTimeOffset checkedAt) && !(_endedAt.TryGetValue(username, out var ended) && checkedAt <= ended)) return null;
        var now = _time.GetUtcNow();
        if (!await grains.GetGrain<IUserGrain>(username).IsSessionActive(sessionId).WaitAsync(cancellationToken)) return "the session has ended";
        var interval = options.Value.SessionCheckInterval;
        if (interval > TimeSpan.Zero) cache.Set(key, now, interval);
        return null;
    }

    /// <summary>All the user's sessions were ended elsewhere (deactivation): ask their grain again for every one.</summary>
    public void ForgetUser(string username) => _endedAt[username] = _time.GetUtcNow();

    /// <summary>This host ended the session: stop trusting it here at once.</summary>
    public void Forget(string username, string sessionId) => cache.Remove(Key(username, sessionId));

    private static string Key(string username, string sessionId) => $"session:{username}:{sessionId}";
}
