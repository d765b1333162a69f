using Microsoft.AspNetCore.SignalR;
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
        return http.AuditAsync(AuditActions.AccessDenied, http.Request.Path, $"{http.Response.StatusCode} {http.Request.Method}");
    }

    /// <summary>Records a hub refusal that is not a <c>forbidden</c> HubException (those the hub filter records).</summary>
    public static Task RecordHubAsync(IAuditLog audit, HubCallerContext context, string method, string? target, string? why = null)
    {
        ArgumentNullException.ThrowIfNull(audit);
        ArgumentNullException.ThrowIfNull(context);
        var user = context.User!;
        var detail = why is null ? $"hub {method}" : $"hub {method}: {why}";
        return audit.AppendAsync(new AuditEntry(user.Username(), AuditActions.AccessDenied, target, AccessApi.WithRedeemer(user, detail),
            context.GetHttpContext()?.Connection.RemoteIpAddress?.ToString(), DateTimeOffset.UtcNow));
    }
}

/// <summary>Records every hub method refused with <see cref="CollabHub.Forbidden"/> (not joined, no access, space not
/// visible) as a denied access; the target is the method's first argument (a document or space id).</summary>
public sealed class HubDenialAuditFilter(IAuditLog audit) : IHubFilter
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
            await DenialAudit.RecordHubAsync(audit, invocationContext.Context, invocationContext.HubMethodName, target);
            throw;
        }
    }
}
