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
        app.MapGet("/api/admin/audit", QueryAsync).RequireAuthorization(AuthExtensions.AdminPolicy).WithTags("Audit")
            .ProducesProblems(StatusCodes.Status400BadRequest, StatusCodes.Status401Unauthorized, StatusCodes.Status403Forbidden);
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
}
