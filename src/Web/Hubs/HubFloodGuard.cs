using System.Runtime.CompilerServices;
using System.Security.Claims;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Spotter.Collab.Grains.Access;
using Spotter.Collab.WebHost.Auth;

namespace Spotter.Collab.WebHost.Hubs;

/// <summary>Bounds on what one hub connection and one principal may ask of this host (configuration section
/// <c>Collab:Hub</c>). The defaults sit far above normal editing: a typing user sends a few frames per keystroke and
/// awareness at most 20 times a second; the load bench's clients send 2 edits a second.</summary>
public sealed class HubLimitOptions
{
    public const string SectionName = "Collab:Hub";

    /// <summary>Longest document or space id a hub method accepts; real ids are 32 characters. A longer one is refused
    /// before any grain is looked up.</summary>
    public int MaxIdLength { get; set; } = 128;

    /// <summary>Sustained hub calls per second per connection.</summary>
    public int CallsPerSecondPerConnection { get; set; } = 100;

    /// <summary>Hub calls one connection may make in a burst before the sustained rate applies.</summary>
    public int BurstPerConnection { get; set; } = 400;

    /// <summary>Sustained hub calls per second of one principal (user or link session) over all its connections to this host.</summary>
    public int CallsPerSecondPerPrincipal { get; set; } = 300;

    /// <summary>Burst of one principal over all its connections to this host.</summary>
    public int BurstPerPrincipal { get; set; } = 1200;

    /// <summary>Refused calls (forbidden, rate-limited, too-large, malformed) within <see cref="RefusalWindow"/> after
    /// which the server closes the connection; 0 never closes.</summary>
    public int MaxRefusals { get; set; } = 20;

    public TimeSpan RefusalWindow { get; set; } = TimeSpan.FromMinutes(1);
}

/// <summary>
/// The outermost hub filter: refuses over-long ids and calls over the per-connection or per-principal rate (token
/// buckets of System.Threading.RateLimiting, partitioned by connection id and by principal), logs every refusal once
/// at information level, and closes a connection that keeps being refused. Unexpected failures are logged here at
/// error level with their exception, because SignalR's own dispatcher log (which would log a plain refusal as an
/// error with a stack trace) is turned off for this hub.
/// </summary>
public sealed partial class HubFloodGuard : IHubFilter, IDisposable
{
    /// <summary>The error of a call refused by the rate limit.</summary>
    public const string RateLimited = "rate-limited";

    private static readonly TimeSpan ReplenishmentPeriod = TimeSpan.FromMilliseconds(100);

    private readonly HubLimitOptions _options;
    private readonly ILogger<HubFloodGuard> _logger;
    private readonly PartitionedRateLimiter<HubCallerContext> _calls;
    private readonly PartitionedRateLimiter<string>? _refusals;

    public HubFloodGuard(IOptions<HubLimitOptions> options, ILogger<HubFloodGuard> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options.Value;
        _logger = logger;
        var perConnection = PartitionedRateLimiter.Create<HubCallerContext, string>(caller =>
            RateLimitPartition.GetTokenBucketLimiter(caller.ConnectionId, _ => Bucket(_options.CallsPerSecondPerConnection, _options.BurstPerConnection)));
        var perPrincipal = PartitionedRateLimiter.Create<HubCallerContext, string>(caller =>
            RateLimitPartition.GetTokenBucketLimiter(CachedPrincipalKey(caller), _ => Bucket(_options.CallsPerSecondPerPrincipal, _options.BurstPerPrincipal)));
        _calls = PartitionedRateLimiter.CreateChained(perConnection, perPrincipal);
        if (_options.MaxRefusals > 0)
        {
            _refusals = PartitionedRateLimiter.Create<string, string>(connectionId =>
                RateLimitPartition.GetFixedWindowLimiter(connectionId, _ => new FixedWindowRateLimiterOptions
                {
                    PermitLimit = _options.MaxRefusals,
                    Window = _options.RefusalWindow,
                    QueueLimit = 0,
                }));
        }
    }

    /// <summary>Whose bucket a call takes from: a user's (all their connections), a redeemed link session's redeemer,
    /// or one anonymous redemption of a link (all guests of a link share its subject, and one guest must not use up
    /// the others' allowance).</summary>
    private static string PrincipalKey(HubCallerContext caller)
    {
        var user = caller.User;
        if (user?.FindFirstValue(CollabClaims.Redeemer) is { } redeemer) return redeemer;
        var subject = user?.FindFirstValue(CollabClaims.Username);
        if (subject is null) return caller.ConnectionId;
        return Principals.IsLink(subject) ? $"{subject}#{user!.FindFirstValue(JwtRegisteredClaimNames.Jti) ?? caller.ConnectionId}" : subject;
    }

    // Per connection context (one per connection, for its lifetime), so entries go with their connections.
    private static readonly ConditionalWeakTable<HubCallerContext, string> PrincipalKeys = [];

    /// <summary><see cref="PrincipalKey"/>, read from the claims once per connection (a connection's user never changes)
    /// rather than on every call.</summary>
    private static string CachedPrincipalKey(HubCallerContext caller) =>
        PrincipalKeys.TryGetValue(caller, out var key) ? key : PrincipalKeys.GetValue(caller, PrincipalKey);

    private static TokenBucketRateLimiterOptions Bucket(int perSecond, int burst) => new()
    {
        TokenLimit = Math.Max(1, burst),
        TokensPerPeriod = Math.Max(1, (int)Math.Ceiling(perSecond * ReplenishmentPeriod.TotalSeconds)),
        ReplenishmentPeriod = ReplenishmentPeriod,
        QueueLimit = 0,
        AutoReplenishment = true,
    };

    /// <summary>Methods whose first argument names a document or a space (not, e.g., <c>RenewToken</c>'s token).</summary>
    private static bool TakesResourceId(string method) => method is nameof(CollabHub.JoinDocument) or nameof(CollabHub.Send)
        or nameof(CollabHub.LeaveDocument) or nameof(CollabHub.WatchSpace) or nameof(CollabHub.UnwatchSpace);

    public async ValueTask<object?> InvokeMethodAsync(HubInvocationContext invocationContext, Func<HubInvocationContext, ValueTask<object?>> next)
    {
        ArgumentNullException.ThrowIfNull(invocationContext);
        ArgumentNullException.ThrowIfNull(next);
        var caller = invocationContext.Context;
        var method = invocationContext.HubMethodName;
        using var lease = _calls.AttemptAcquire(caller);
        if (!lease.IsAcquired)
        {
            Refused(caller, method, RateLimited);
            throw new HubException(RateLimited);
        }
        if (TakesResourceId(method) && invocationContext.HubMethodArguments.Count > 0 && invocationContext.HubMethodArguments[0] is string { } id && id.Length > _options.MaxIdLength)
        {
            // Refused before any grain is asked or anything recorded: nothing this long names a document or space.
            Refused(caller, method, CollabHub.Forbidden);
            throw new HubException(CollabHub.Forbidden);
        }
        try
        {
            return await next(invocationContext);
        }
        catch (HubException ex)
        {
            Refused(caller, method, ex.Message);
            throw;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogCallFailed(ex, method, caller.ConnectionId);
            throw;
        }
    }

    /// <summary>Counts a refusal of the caller's request (a thrown HubException or a <c>Rejected</c> frame) and closes
    /// the connection once it has been refused <see cref="HubLimitOptions.MaxRefusals"/> times within the window.</summary>
    public void Refused(HubCallerContext caller, string method, string reason)
    {
        ArgumentNullException.ThrowIfNull(caller);
        LogRefused(method, caller.User?.Identity?.Name, caller.ConnectionId, reason);
        if (_refusals is null) return;
        using var lease = _refusals.AttemptAcquire(caller.ConnectionId);
        if (lease.IsAcquired) return;
        LogClosing(caller.ConnectionId, caller.User?.Identity?.Name, _options.MaxRefusals, _options.RefusalWindow);
        caller.Abort();
    }

    public void Dispose()
    {
        _calls.Dispose();
        _refusals?.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Hub call {Method} of {Principal} (connection {ConnectionId}) refused: {Reason}")]
    private partial void LogRefused(string method, string? principal, string connectionId, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Closing hub connection {ConnectionId} of {Principal}: more than {MaxRefusals} refused calls within {Window}")]
    private partial void LogClosing(string connectionId, string? principal, int maxRefusals, TimeSpan window);

    [LoggerMessage(Level = LogLevel.Error, Message = "Hub method {Method} failed (connection {ConnectionId})")]
    private partial void LogCallFailed(Exception exception, string method, string connectionId);
}
