using System.Collections.Concurrent;
using System.Security.Claims;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;
using Spotter.Collab.Grains;
using Spotter.Collab.Grains.Access;

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
/// revoked with all the user's sessions, and tokens without a session, except anonymous link sessions. A live answer
/// is trusted for <see cref="TokenOptions.SessionCheckInterval"/>, so the user grain is asked at most once per session
/// and interval on each host; a session ended anywhere is pushed to every host (<c>OrganizationWatcher</c>) and
/// refused at once. A link session redeemed by a signed-in user carries that user's session and is checked against it.
/// </summary>
public sealed class SessionCheck(IGrainFactory grains, IMemoryCache cache, IOptions<TokenOptions> options, TimeProvider? time = null) : IAccessTokenCheck
{
    private readonly TimeProvider _time = time ?? TimeProvider.System;
    // username → when all their sessions were ended (deactivation, password reset): cached answers from before are not trusted
    private readonly ConcurrentDictionary<string, DateTimeOffset> _endedAt = new(StringComparer.Ordinal);

    public async ValueTask<string?> CheckAsync(ClaimsPrincipal principal, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(principal);
        var sessionId = principal.FindFirstValue(CollabClaims.SessionId);
        var redeemer = principal.FindFirstValue(CollabClaims.Redeemer);
        var username = redeemer ?? principal.FindFirstValue(CollabClaims.Username);
        if (username is null) return "the token has no subject";
        if (sessionId is null)
        {
            // Only an anonymous share-link session has no session of its own: its rights come from the link, which
            // the grains resolve on every call (revoking the link ends it), and its subject can never name a user.
            return redeemer is null && Principals.IsLink(username) ? null : "the token has no session";
        }
        var key = Key(username, sessionId);
        if (cache.TryGetValue(EndedKey(key), out _)) return "the session has ended";
        if (cache.TryGetValue(key, out DateTimeOffset checkedAt) && !(_endedAt.TryGetValue(username, out var ended) && checkedAt <= ended)) return null;
        var now = _time.GetUtcNow();
        if (!await grains.GetGrain<IUserGrain>(username).IsSessionActive(sessionId).WaitAsync(cancellationToken)) return "the session has ended";
        var interval = options.Value.SessionCheckInterval;
        if (interval > TimeSpan.Zero && !cache.TryGetValue(EndedKey(key), out _)) cache.Set(key, now, interval);
        return null;
    }

    /// <summary>All the user's sessions were ended (deactivation, reset, sign-out everywhere): ask their grain again for every one.</summary>
    public void ForgetUser(string username) => _endedAt[username] = _time.GetUtcNow();

    /// <summary>The session ended: refuse it here at once. A session never comes back, so this is remembered for as
    /// long as any of its access tokens can be valid.</summary>
    public void Forget(string username, string sessionId)
    {
        var key = Key(username, sessionId);
        cache.Remove(key);
        cache.Set(EndedKey(key), true, options.Value.EffectiveAccessTokenLifetime + options.Value.ClockSkew);
    }

    private static string Key(string username, string sessionId) => $"session:{username}:{sessionId}";

    private static string EndedKey(string key) => "ended:" + key;
}
