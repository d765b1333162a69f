using Spotter.Collab.Grains.Access;
using Spotter.Collab.Grains.Audit;
using Spotter.Collab.WebHost.Auth;

namespace Spotter.Collab.WebHost.Api;

public sealed record AddGrantRequest(string Principal, string Level);
public sealed record SettingsRequest(bool? Restricted, bool? NoExport, HistoryAudience? History = null, bool? GuestHistory = null);
public sealed record RestrictPreviewRequest(bool Restricted);
public sealed record ExplanationResponse(string Principal, string DisplayName, AccessLevel Level, object Source);

/// <summary>Grants, settings and "who has access and why" of any resource (space, page, document): manage only.</summary>
public static class ResourcesApi
{
    public static IEndpointRouteBuilder MapResourcesApi(this IEndpointRouteBuilder app)
    {
        var resources = app.MapGroup("/api/resources/{id}").RequireAuthorization().WithTags("Resources");
        resources.MapGet("/grants", async (string id, HttpContext http, IGrainFactory grains) =>
        {
            var answer = await grains.Organization().GetGrants(http.User.Username(), id);
            return answer.IsOk ? Results.Ok(answer.Value) : answer.Problem();
        });
        resources.MapPost("/grants", AddGrantAsync);
        resources.MapDelete("/grants/{grantId}", async (string id, string grantId, HttpContext http, IGrainFactory grains) =>
        {
            var result = await grains.Organization().RemoveGrant(http.User.Username(), id, grantId);
            if (!result.IsOk) return result.Problem();
            await http.AuditGrantChangeAsync(id, $"grant={grantId}", null);
            return Results.NoContent();
        });
        resources.MapGet("/settings", async (string id, HttpContext http, IGrainFactory grains) =>
        {
            // The resource's own flags (not inherited ones), for the sharing panel; managers only, like changing them.
            var resource = await grains.Organization().GetResource(id, http.User.Username());
            if (resource is null) return Problems.NotFound();
            if (resource.Level < AccessLevel.Manage) return Problems.Forbidden("only a manager may see the settings");
            return Results.Ok(new SettingsResponse(resource.Restricted, resource.OwnNoExport, resource.NoExport,
                resource.Kind == ResourceKind.Space ? resource.HistoryAudience : null, resource.Kind == ResourceKind.Space ? resource.GuestHistory : null));
        });
        resources.MapPatch("/settings", async (string id, SettingsRequest request, HttpContext http, IGrainFactory grains) =>
        {
            var organization = grains.Organization();
            var change = request.Restricted is { } restricted ? (await organization.PreviewRestricted(http.User.Username(), id, restricted)).Value : null;
            var result = await organization.UpdateSettings(http.User.Username(), id, request.Restricted, request.NoExport, request.History, request.GuestHistory);
            if (!result.IsOk) return result.Problem();
            var history = request.History is null && request.GuestHistory is null ? "" : $"; history={request.History}; guestHistory={request.GuestHistory}";
            await http.AuditAsync(AuditActions.SettingsChanged, id, $"restricted={request.Restricted}; noExport={request.NoExport}{history}{AccessChanges.Describe(change)}");
            return Results.NoContent();
        });
        // Who would gain or lose read access by restricting (or un-restricting) the resource.
        resources.MapPost("/settings/preview", async (string id, RestrictPreviewRequest request, HttpContext http, IGrainFactory grains) =>
        {
            var answer = await grains.Organization().PreviewRestricted(http.User.Username(), id, request.Restricted);
            return answer.IsOk ? Results.Ok(answer.Value) : answer.Problem();
        });
        resources.MapGet("/access", async (string id, HttpContext http, IGrainFactory grains) =>
        {
            var answer = await grains.Organization().Explain(http.User.Username(), id);
            if (!answer.IsOk) return answer.Problem();
            return Results.Ok(answer.Value!.Select(e => new ExplanationResponse(e.Principal, e.DisplayName, e.Level,
                e.Administrator ? "administrator" : e.Source!)).ToList());
        });
        return app;
    }

    private static async Task<IResult> AddGrantAsync(string id, AddGrantRequest request, HttpContext http, IGrainFactory grains)
    {
        if (!AccessLevels.TryParseGrantable(request.Level, out var level)) return Problems.Invalid("level: view, comment, edit or manage");
        var answer = await grains.Organization().AddGrant(http.User.Username(), id, request.Principal ?? "", level);
        if (!answer.IsOk) return answer.Problem();
        await http.AuditGrantChangeAsync(id, answer.Value!.Principal, level);
        return Results.Ok(answer.Value);
    }
}

/// <summary>The resource's own flags; <c>EffectiveNoExport</c> is also true when an ancestor has the flag.
/// <c>History</c> and <c>GuestHistory</c> (spaces only): who besides editors sees version history and resolved threads.</summary>
public sealed record SettingsResponse(bool Restricted, bool NoExport, bool EffectiveNoExport,
    [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)] HistoryAudience? History = null,
    [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)] bool? GuestHistory = null);
