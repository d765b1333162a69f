using System.Security.Claims;
using Spotter.Collab.Grains.Access;
using Spotter.Collab.Grains.Audit;
using Spotter.Collab.WebHost.Auth;

namespace Spotter.Collab.WebHost.Api;

/// <summary>
/// The one way an HTTP endpoint writes to the audit log, so every entry says the same things the same way: the actor
/// is the caller (a username, <c>link:&lt;id&gt;</c>, or <c>anonymous</c>) unless the endpoint names one (sign-in,
/// before there is a caller); a bound link session's entries lead their detail with <c>redeemer=&lt;user&gt;</c>;
/// the source is the caller's address; and the request counts as audited, so a refusal recorded here gets no second,
/// generic <c>access.denied</c> entry.
/// </summary>
public sealed class AuditRecorder(IAuditLog log)
{
    public const string Anonymous = "anonymous";

    public Task RecordAsync(HttpContext http, string action, string? target, string? detail = null, string? actor = null)
    {
        ArgumentNullException.ThrowIfNull(http);
        var caller = http.User.Identity?.IsAuthenticated == true ? http.User.Username() : null;
        DenialAudit.MarkAudited(http);
        return log.AppendAsync(
            new AuditEntry(actor ?? caller ?? Anonymous, action, target, WithRedeemer(http.User, detail), http.Connection.RemoteIpAddress?.ToString()),
            http.RequestAborted);
    }

    /// <summary>A grant change made through any endpoint (grants, document members): <c>&lt;principal&gt;=&lt;level&gt;</c>
    /// when a grant is set, the grant or principal removed otherwise.</summary>
    public Task RecordGrantChangeAsync(HttpContext http, string resourceId, string principal, AccessLevel? level) =>
        RecordAsync(http, level is null ? AuditActions.GrantRemoved : AuditActions.GrantAdded, resourceId,
            level is { } set ? $"{principal}={set.ToWire()}" : principal);

    /// <summary>An action of a bound link session is written as <c>link:&lt;id&gt;</c> with <c>redeemer=&lt;user&gt;</c>
    /// leading the detail, so the log says who holds the session.</summary>
    public static string? WithRedeemer(ClaimsPrincipal user, string? detail)
    {
        ArgumentNullException.ThrowIfNull(user);
        return user.Redeemer() is { } redeemer ? (detail is null ? $"redeemer={redeemer}" : $"redeemer={redeemer}; {detail}") : detail;
    }
}
