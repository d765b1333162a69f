using System.Security.Claims;
using Spotter.Collab.Grains.Access;
using Spotter.Collab.Grains.Audit;
using Spotter.Collab.WebHost.Auth;

namespace Spotter.Collab.WebHost.Api;

/// <summary>Shared plumbing of the access APIs (directory, spaces, pages, resources, links).</summary>
public static class AccessApi
{
    public static IEndpointRouteBuilder MapAccessApis(this IEndpointRouteBuilder app)
    {
        app.MapAdminApi();
        app.MapDirectoryApi();
        app.MapSpacesApi();
        app.MapPagesApi();
        app.MapResourcesApi();
        app.MapLinksApi();
        return app;
    }

    public static IOrganizationGrain Organization(this IGrainFactory grains)
    {
        ArgumentNullException.ThrowIfNull(grains);
        return grains.GetGrain<IOrganizationGrain>(IOrganizationGrain.Key);
    }

    /// <summary>The problem for a failed organisation call; "missing" and "not visible" are the same 404.</summary>
    public static IResult Problem(OrgOutcome outcome, string? detail) => outcome switch
    {
        OrgOutcome.NotFound => Problems.NotFound(),
        OrgOutcome.Forbidden => Problems.Forbidden(detail ?? "not allowed"),
        OrgOutcome.Conflict => Problems.Of(StatusCodes.Status409Conflict, "conflict", detail ?? "conflict"),
        _ => Problems.Invalid(detail ?? "invalid request"),
    };

    public static IResult Problem(this OrgResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        return Problem(result.Outcome, result.Detail);
    }

    public static IResult Problem<T>(this OrgAnswer<T> answer)
    {
        ArgumentNullException.ThrowIfNull(answer);
        return Problem(answer.Outcome, answer.Detail);
    }

    /// <summary>Link sessions act only on their link's resource: never as a directory user.</summary>
    public static bool IsLinkSession(this HttpContext http)
    {
        ArgumentNullException.ThrowIfNull(http);
        return Principals.IsLink(http.User.Username());
    }

    public static Task AuditAsync(this HttpContext http, string action, string? target, string? detail = null)
    {
        ArgumentNullException.ThrowIfNull(http);
        var actor = http.User.Identity?.IsAuthenticated == true ? http.User.Username() : "anonymous";
        detail = WithRedeemer(http.User, detail);
        DenialAudit.MarkAudited(http);
        return http.RequestServices.GetRequiredService<IAuditLog>().AppendAsync(
            new AuditEntry(actor, action, target, detail, http.Connection.RemoteIpAddress?.ToString(), http.RequestServices.GetRequiredService<TimeProvider>().GetUtcNow()),
            http.RequestAborted);
    }

    /// <summary>The audit record of every grant change made through the API — the grants endpoints and the legacy
    /// member endpoints alike — so each says the same thing: <c>&lt;principal&gt;=&lt;level&gt;</c> when a grant
    /// is set, the grant or principal removed otherwise.</summary>
    public static Task AuditGrantChangeAsync(this HttpContext http, string resourceId, string principal, AccessLevel? level) =>
        http.AuditAsync(level is null ? AuditActions.GrantRemoved : AuditActions.GrantAdded, resourceId,
            level is { } set ? $"{principal}={set.ToWire()}" : principal);

    /// <summary>An action of a bound link session is written as <c>link:&lt;id&gt;</c> with <c>redeemer=&lt;user&gt;</c>
    /// leading the detail, so the log says who holds the session.</summary>
    public static string? WithRedeemer(ClaimsPrincipal user, string? detail)
    {
        ArgumentNullException.ThrowIfNull(user);
        return user.Redeemer() is { } redeemer ? (detail is null ? $"redeemer={redeemer}" : $"redeemer={redeemer}; {detail}") : detail;
    }

    public static string? CleanId(string? id) => string.IsNullOrWhiteSpace(id) ? null : id.Trim();
}
