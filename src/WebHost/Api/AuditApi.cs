using Microsoft.AspNetCore.Http.HttpResults;
using Spotter.Collab.Grains.Audit;
using Spotter.Collab.WebHost.Auth;

namespace Spotter.Collab.WebHost.Api;

public sealed record AuditEntryResponse(long Sequence, DateTimeOffset Time, string Actor, string Action, string? Target, string? Detail, string? SourceAddress);

/// <summary>Read-only access to the audit log for administrators. There is deliberately no write, edit or delete endpoint.</summary>
public static class AuditApi
{
    public static IEndpointRouteBuilder MapAuditApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/admin/audit", QueryAsync).RequireAuthorization(AuthExtensions.AdminPolicy).WithTags("Audit");
        return app;
    }

    private static async Task<Results<Ok<List<AuditEntryResponse>>, ProblemHttpResult>> QueryAsync(
        IAuditLog audit, string? actor, string? action, string? target, DateTimeOffset? from, DateTimeOffset? to, long? before, int? limit,
        CancellationToken cancellationToken)
    {
        if (limit is < 1 or > 1000) return Problems.Invalid("limit: 1-1000");
        var entries = await audit.QueryAsync(new AuditQuery(actor, action, target, from, to, before, limit ?? 100), cancellationToken);
        return TypedResults.Ok(entries.Select(e => new AuditEntryResponse(e.Sequence, e.Time, e.Actor, e.Action, e.Target, e.Detail, e.SourceAddress)).ToList());
    }

    /// <summary>Records an action by the caller of <paramref name="http"/> (its username, or <c>anonymous</c>) from its address.</summary>
    public static Task RecordAsync(this IAuditLog audit, HttpContext http, string action, string? target, string? detail = null, string? actor = null)
    {
        ArgumentNullException.ThrowIfNull(audit);
        ArgumentNullException.ThrowIfNull(http);
        var who = actor ?? (http.User.Identity?.IsAuthenticated == true ? http.User.Username() : "anonymous");
        DenialAudit.MarkAudited(http);
        return audit.AppendAsync(new AuditEntry(who, action, target, detail, http.Connection.RemoteIpAddress?.ToString()), http.RequestAborted);
    }
}
