using Microsoft.AspNetCore.Http.HttpResults;
using Spotter.Collab.Grains;
using Spotter.Collab.Grains.Access;
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

    /// <summary>The caller's view of a live resource (null: missing or not shared with them), decided by the access
    /// model alone: answering it never activates the resource or loads its content.</summary>
    public static async Task<DocumentInfo?> DescribeResourceAsync(this IGrainFactory grains, string id, string principal) =>
        DocumentInfo.Of(id, await grains.AccessReader().DescribeDocument(id, principal));

    /// <summary>Decisions from the silo's copy of the access model (<see cref="IAccessReaderGrain"/>).</summary>
    public static IAccessReaderGrain AccessReader(this IGrainFactory grains)
    {
        ArgumentNullException.ThrowIfNull(grains);
        return grains.GetGrain<IAccessReaderGrain>(IAccessReaderGrain.Key);
    }

    public static IOrganizationGrain Organization(this IGrainFactory grains)
    {
        ArgumentNullException.ThrowIfNull(grains);
        return grains.GetGrain<IOrganizationGrain>(IOrganizationGrain.Key);
    }

    /// <summary>The problem for a failed organisation call; "missing" and "not visible" are the same 404.</summary>
    public static ProblemHttpResult Problem(OrgOutcome outcome, string? detail) => outcome switch
    {
        OrgOutcome.NotFound => Problems.NotFound(),
        OrgOutcome.Forbidden => Problems.Forbidden(detail ?? "not allowed"),
        OrgOutcome.Conflict => Problems.Conflict("conflict", detail ?? "conflict"),
        _ => Problems.Invalid(detail ?? "invalid request"),
    };

    public static ProblemHttpResult Problem(this OrgResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        return Problem(result.Outcome, result.Detail);
    }

    public static ProblemHttpResult Problem<T>(this OrgAnswer<T> answer)
    {
        ArgumentNullException.ThrowIfNull(answer);
        return Problem(answer.Outcome, answer.Detail);
    }

    /// <summary>The answer of an organisation call that returns a value: 200 with it, or the call's problem.</summary>
    public static Results<Ok<T>, ProblemHttpResult> OkOrProblem<T>(this OrgAnswer<T> answer)
    {
        ArgumentNullException.ThrowIfNull(answer);
        return answer.IsOk ? TypedResults.Ok(answer.Value!) : answer.Problem();
    }

    /// <summary>Link sessions act only on their link's resource: never as a directory user.</summary>
    public static bool IsLinkSession(this HttpContext http)
    {
        ArgumentNullException.ThrowIfNull(http);
        return Principals.IsLink(http.User.Username());
    }

    public static string? CleanId(string? id) => string.IsNullOrWhiteSpace(id) ? null : id.Trim();
}
