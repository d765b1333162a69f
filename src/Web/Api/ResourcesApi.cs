using Microsoft.AspNetCore.Http.HttpResults;
using Spotter.Collab.Grains.Access;
using Spotter.Collab.Grains.Audit;
using Spotter.Collab.WebHost.Auth;

namespace Spotter.Collab.WebHost.Api;

public sealed record AddGrantRequest(string Principal, string Level);
public sealed record SettingsRequest(bool? Restricted, bool? NoExport, HistoryAudience? History = null, bool? GuestHistory = null);
public sealed record RestrictPreviewRequest(bool Restricted);
/// <summary>Why <see cref="Principal"/> has <see cref="Level"/>: <see cref="Source"/> is the deciding
/// <see cref="GrantSource"/>, or the string <c>"administrator"</c> (declared so in the OpenAPI document by
/// <see cref="ApiSchemas"/>).</summary>
public sealed record ExplanationResponse(string Principal, string DisplayName, AccessLevel Level, object Source)
{
    public const string Administrator = "administrator";
}

/// <summary>Grants, settings and "who has access and why" of any resource (space, page, document): manage only.</summary>
public static class ResourcesApi
{
    public static IEndpointRouteBuilder MapResourcesApi(this IEndpointRouteBuilder app)
    {
        var resources = app.MapGroup("/api/resources/{id}").RequireAuthorization().WithTags("Resources")
            .ProducesProblems(StatusCodes.Status400BadRequest, StatusCodes.Status401Unauthorized, StatusCodes.Status403Forbidden, StatusCodes.Status404NotFound);
        resources.MapGet("/grants", async (string id, HttpContext http, IGrainFactory grains) =>
            (await grains.Organization().GetGrants(http.User.Username(), id)).OkOrProblem());
        resources.MapPost("/grants", AddGrantAsync).ProducesProblems(StatusCodes.Status409Conflict);
        resources.MapDelete("/grants/{grantId}", RemoveGrantAsync).ProducesProblems(StatusCodes.Status409Conflict);
        resources.MapGet("/settings", SettingsAsync);
        resources.MapPatch("/settings", UpdateSettingsAsync).ProducesProblems(StatusCodes.Status409Conflict);
        // Who would gain or lose read access by restricting (or un-restricting) the resource.
        resources.MapPost("/settings/preview", async (string id, RestrictPreviewRequest request, HttpContext http, IGrainFactory grains) =>
            (await grains.Organization().PreviewRestricted(http.User.Username(), id, request.Restricted)).OkOrProblem());
        resources.MapGet("/access", ExplainAsync);
        return app;
    }

    private static async Task<Results<Ok<GrantInfo>, ProblemHttpResult>> AddGrantAsync(string id, AddGrantRequest request, HttpContext http, IGrainFactory grains, AuditRecorder audit)
    {
        if (!AccessLevels.TryParseGrantable(request.Level, out var level)) return Problems.Invalid("level: view, comment, edit or manage");
        var answer = await grains.Organization().AddGrant(http.User.Username(), id, request.Principal ?? "", level);
        if (!answer.IsOk) return answer.Problem();
        await audit.RecordGrantChangeAsync(http, id, answer.Value!.Principal, level);
        if (answer.Value.Principal.StartsWith(Principals.UserPrefix, StringComparison.Ordinal))
        {
            await NotificationsApi.NotifyShareAsync(grains, http.User.Username(), id, answer.Value.Principal[Principals.UserPrefix.Length..], level);
        }
        return TypedResults.Ok(answer.Value);
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> RemoveGrantAsync(string id, string grantId, HttpContext http, IGrainFactory grains, AuditRecorder audit)
    {
        var result = await grains.Organization().RemoveGrant(http.User.Username(), id, grantId);
        if (!result.IsOk) return result.Problem();
        await audit.RecordGrantChangeAsync(http, id, $"grant={grantId}", null);
        return TypedResults.NoContent();
    }

    /// <summary>The resource's own flags (not inherited ones), for the sharing panel; managers only, like changing them.</summary>
    private static async Task<Results<Ok<SettingsResponse>, ProblemHttpResult>> SettingsAsync(string id, HttpContext http, IGrainFactory grains)
    {
        var resource = await grains.Organization().GetResource(id, http.User.Username());
        if (resource is null) return Problems.NotFound();
        if (resource.Level < AccessLevel.Manage) return Problems.Forbidden("only a manager may see the settings");
        return TypedResults.Ok(new SettingsResponse(resource.Restricted, resource.OwnNoExport, resource.NoExport,
            resource.Kind == ResourceKind.Space ? resource.HistoryAudience : null, resource.Kind == ResourceKind.Space ? resource.GuestHistory : null));
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> UpdateSettingsAsync(string id, SettingsRequest request, HttpContext http, IGrainFactory grains, AuditRecorder audit)
    {
        var organization = grains.Organization();
        var change = request.Restricted is { } restricted ? (await organization.PreviewRestricted(http.User.Username(), id, restricted)).Value : null;
        var result = await organization.UpdateSettings(http.User.Username(), id, request.Restricted, request.NoExport, request.History, request.GuestHistory);
        if (!result.IsOk) return result.Problem();
        var history = request.History is null && request.GuestHistory is null ? "" : $"; history={request.History}; guestHistory={request.GuestHistory}";
        await audit.RecordAsync(http, AuditActions.SettingsChanged, id, $"restricted={request.Restricted}; noExport={request.NoExport}{history}{AccessChanges.Describe(change)}");
        return TypedResults.NoContent();
    }

    private static async Task<Results<Ok<List<ExplanationResponse>>, ProblemHttpResult>> ExplainAsync(string id, HttpContext http, IGrainFactory grains)
    {
        var answer = await grains.Organization().Explain(http.User.Username(), id);
        if (!answer.IsOk) return answer.Problem();
        return TypedResults.Ok(answer.Value!.Select(e => new ExplanationResponse(e.Principal, e.DisplayName, e.Level,
            e.Administrator ? ExplanationResponse.Administrator : e.Source!)).ToList());
    }
}

/// <summary>The resource's own flags; <c>EffectiveNoExport</c> is also true when an ancestor has the flag.
/// <c>History</c> and <c>GuestHistory</c> (spaces only): who besides editors sees version history and resolved threads.</summary>
public sealed record SettingsResponse(bool Restricted, bool NoExport, bool EffectiveNoExport,
    [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)] HistoryAudience? History = null,
    [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)] bool? GuestHistory = null);
