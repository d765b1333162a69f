using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Options;
using Spotter.Collab.Grains.Audit;
using Spotter.Collab.WebHost.Auth;
using Spotter.Collab.WebHost.Hubs;

namespace Spotter.Collab.WebHost.Api;

/// <summary>
/// Denied access in one place: every 403 or 404 answer of an <c>/api</c> endpoint to a signed-in caller (404 is how
/// "not visible to you" is answered), whether the endpoint, the authorization policy (admin-only) or anything else
/// refused; and every hub method refused with <c>forbidden</c>. Written as <c>access.denied</c>, target the path (or
/// the hub method's document/space id), detail <c>"&lt;status&gt; &lt;method&gt;"</c> or <c>"hub &lt;method&gt;"</c>.
/// Not recorded: 401 (no or a refused token) and anything by anonymous callers — nothing limits that traffic, so it
/// could flood the log; anonymous failures that matter (login, link redemption) have their own throttled entries.
/// Every denial goes through <see cref="DenialRecorder"/>, which collapses repeats into one entry with a count.
/// </summary>
public static class DenialAudit
{
    private static readonly object AuditedKey = new();

    /// <summary>Marks the request as already audited: an endpoint that wrote its own record of a refusal
    /// (export refused, link redemption failed) gets no second, generic one.</summary>
    public static void MarkAudited(HttpContext http)
    {
        ArgumentNullException.ThrowIfNull(http);
        http.Items[AuditedKey] = true;
    }

    /// <summary>Must run after authentication (the caller is known) and before authorization (whose 403s count too).</summary>
    public static IApplicationBuilder UseDenialAudit(this IApplicationBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        return app.Use(async (http, next) =>
        {
            if (http.Request.Path.StartsWithSegments("/api", StringComparison.Ordinal))
            {
                // Before the headers go out, so the entry exists by the time the caller sees the answer.
                http.Response.OnStarting(() => RecordIfDeniedAsync(http));
            }
            await next(http);
        });
    }

    private static Task RecordIfDeniedAsync(HttpContext http)
    {
        if (http.Response.StatusCode is not (StatusCodes.Status403Forbidden or StatusCodes.Status404NotFound)) return Task.CompletedTask;
        if (http.User.Identity?.IsAuthenticated != true || http.Items.ContainsKey(AuditedKey)) return Task.CompletedTask;
        var user = http.User;
        return http.RequestServices.GetRequiredService<DenialRecorder>().RecordAsync(new AuditEntry(
            user.Username(), AuditActions.AccessDenied, http.Request.Path, AuditRecorder.WithRedeemer(user, $"{http.Response.StatusCode} {http.Request.Method}"),
            http.Connection.RemoteIpAddress?.ToString()));
    }

    /// <summary>Records a hub refusal that is not a <c>forbidden</c> HubException (those the hub filter records).</summary>
    public static Task RecordHubAsync(DenialRecorder denials, HubCallerContext context, string method, string? target, string? why = null)
    {
        ArgumentNullException.ThrowIfNull(denials);
        ArgumentNullException.ThrowIfNull(context);
        var user = context.User!;
        var detail = why is null ? $"hub {method}" : $"hub {method}: {why}";
        return denials.RecordAsync(new AuditEntry(user.Username(), AuditActions.AccessDenied, target, AuditRecorder.WithRedeemer(user, detail),
            context.GetHttpContext()?.Connection.RemoteIpAddress?.ToString()));
    }
}

/// <summary>How denied accesses are recorded (configuration section <c>Audit:Denials</c>).</summary>
public sealed class DenialAuditOptions
{
    public const string SectionName = "Audit:Denials";

    /// <summary>Repeats of a denial (same principal, action and target) within this window are counted, not written:
    /// the first is written at once, the count in one entry when the window closes.</summary>
    public TimeSpan Window { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Distinct denials (targets) written per principal and window; the rest are counted in one entry.</summary>
    public int MaxEntriesPerPrincipal { get; set; } = 20;

    /// <summary>Longer targets are cut to this many characters (ending in "…").</summary>
    public int MaxTargetLength { get; set; } = 200;
}

/// <summary>
/// Writes denied accesses to the audit log without letting a flood of them flood the log: per window, the first
/// denial of each (principal, action, target) is written at once and its repeats become one entry saying how many
/// followed; a principal's denials beyond <see cref="DenialAuditOptions.MaxEntriesPerPrincipal"/> distinct targets
/// are counted in one entry without a target. So one principal writes at most about twice that many rows a window.
/// </summary>
public sealed partial class DenialRecorder : IAsyncDisposable
{
    private readonly IAuditLog _audit;
    private readonly DenialAuditOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<DenialRecorder> _logger;
    private readonly ITimer _timer;
    private readonly Lock _gate = new();
    private Dictionary<(string Actor, string Action, string? Target), Repeats> _seen = [];
    private Dictionary<string, int> _distinctByActor = new(StringComparer.Ordinal);

    public DenialRecorder(IAuditLog audit, IOptions<DenialAuditOptions> options, TimeProvider time, ILogger<DenialRecorder> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _audit = audit;
        _options = options.Value;
        _time = time;
        _logger = logger;
        _timer = time.CreateTimer(_ => _ = FlushAsync(), null, _options.Window, _options.Window);
    }

    public Task RecordAsync(AuditEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        entry = entry with { Target = Truncate(entry.Target), Time = entry.Time ?? _time.GetUtcNow() };
        lock (_gate)
        {
            var key = (entry.Actor, entry.Action, entry.Target);
            if (_seen.TryGetValue(key, out var repeats))
            {
                repeats.Count++;
                return Task.CompletedTask;
            }
            var distinct = _distinctByActor.GetValueOrDefault(entry.Actor);
            if (distinct >= _options.MaxEntriesPerPrincipal)
            {
                var overflow = (entry.Actor, entry.Action, (string?)null);
                if (!_seen.TryGetValue(overflow, out var others)) _seen[overflow] = others = new Repeats(entry with { Target = null }, overflow: true);
                others.Count++;
                return Task.CompletedTask;
            }
            _distinctByActor[entry.Actor] = distinct + 1;
            _seen[key] = new Repeats(entry);
        }
        return _audit.AppendAsync(entry);
    }

    private string? Truncate(string? target) =>
        target is { } text && text.Length > _options.MaxTargetLength ? string.Concat(text.AsSpan(0, Math.Max(0, _options.MaxTargetLength - 1)), "…") : target;

    /// <summary>Closes the window: one entry per collapsed denial that repeated, with how often.</summary>
    public async Task FlushAsync()
    {
        Dictionary<(string Actor, string Action, string? Target), Repeats> closed;
        lock (_gate)
        {
            closed = _seen;
            _seen = [];
            _distinctByActor = new(StringComparer.Ordinal);
        }
        foreach (var repeats in closed.Values)
        {
            if (repeats.Count == 0) continue;
            var first = repeats.First;
            var detail = repeats.Overflow
                ? $"{repeats.Count} more denial{(repeats.Count == 1 ? "" : "s")} of other targets within {_options.Window} (beyond {_options.MaxEntriesPerPrincipal} recorded one by one); the first: {first.Detail}"
                : $"{first.Detail}; repeated {repeats.Count} more time{(repeats.Count == 1 ? "" : "s")} within {_options.Window}";
            try
            {
                await _audit.AppendAsync(first with { Detail = detail, Time = _time.GetUtcNow() });
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogFlushFailed(ex, first.Actor);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _timer.DisposeAsync();
        await FlushAsync();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Writing the count of repeated denials of {Actor} to the audit log failed")]
    private partial void LogFlushFailed(Exception exception, string actor);

    /// <param name="overflow">Counts a principal's denials beyond the per-window budget (any target), not repeats of one.</param>
    private sealed class Repeats(AuditEntry first, bool overflow = false)
    {
        public AuditEntry First { get; } = first;
        public bool Overflow { get; } = overflow;
        public int Count { get; set; }
    }
}

/// <summary>Records every hub method refused with <see cref="CollabHub.Forbidden"/> (not joined, no access, space not
/// visible) as a denied access; the target is the method's first argument (a document or space id).</summary>
public sealed class HubDenialAuditFilter(DenialRecorder denials) : IHubFilter
{
    public async ValueTask<object?> InvokeMethodAsync(HubInvocationContext invocationContext, Func<HubInvocationContext, ValueTask<object?>> next)
    {
        ArgumentNullException.ThrowIfNull(invocationContext);
        ArgumentNullException.ThrowIfNull(next);
        try
        {
            return await next(invocationContext);
        }
        catch (HubException ex) when (ex.Message == CollabHub.Forbidden)
        {
            var target = invocationContext.HubMethodArguments.Count > 0 ? invocationContext.HubMethodArguments[0] as string : null;
            await DenialAudit.RecordHubAsync(denials, invocationContext.Context, invocationContext.HubMethodName, target);
            throw;
        }
    }
}
