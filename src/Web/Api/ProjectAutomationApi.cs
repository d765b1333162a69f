using Microsoft.AspNetCore.Http.HttpResults;
using Spotter.Collab.Grains;
using Spotter.Collab.Grains.Access;
using Spotter.Collab.Grains.Audit;
using Spotter.Collab.Grains.Projects;
using Spotter.Collab.WebHost.Auth;

namespace Spotter.Collab.WebHost.Api;

public sealed record CreateWebhookRequest(string? Url, string? Format, string? Secret, IReadOnlyList<string>? Events);
public sealed record CreatedIdResponse(string Id);
/// <summary>A webhook as project admins see it: <see cref="HasSecret"/> says whether posts are signed; the secret
/// itself is never returned.</summary>
public sealed record WebhookResponse(string Id, string Url, string Format, bool HasSecret, IReadOnlyList<string> Events, string CreatedBy, DateTimeOffset CreatedAt);
public sealed record DeliveryAttemptResponse(DateTimeOffset At, int? StatusCode, string? Error);
/// <summary>A line of the delivery log. <see cref="Status"/>: pending, delivered, failed or skipped; <see cref="Detail"/>
/// says why a delivery is retried, failed or was skipped.</summary>
public sealed record DeliveryResponse(string Id, string Event, long Sequence, string? RuleId, string IdempotencyKey, string Status, string? Detail,
    int AttemptCount, IReadOnlyList<DeliveryAttemptResponse> Attempts, DateTimeOffset? NextAttemptAt, DateTimeOffset CreatedAt);
public sealed record RuleTriggerBody(string? Event, string? NodeKey, string? To);
public sealed record RuleConditionBody(string? Field, string? Op, string? Value);
public sealed record RuleActionBody(string? Type, string? HookId, string? Text);
public sealed record CreateRuleRequest(string? Name, RuleTriggerBody? Trigger, IReadOnlyList<RuleConditionBody>? Conditions, IReadOnlyList<RuleActionBody>? Actions);
public sealed record RuleResponse(string Id, string Name, RuleTriggerBody Trigger, IReadOnlyList<RuleConditionBody> Conditions, IReadOnlyList<RuleActionBody> Actions,
    string CreatedBy, DateTimeOffset CreatedAt);

/// <summary>
/// A project's automation: webhooks (with their delivery logs) and rules. Project admins only (manage on the project):
/// 404 for a caller who cannot see the project (or when it is missing), 403 for members and viewers.
/// </summary>
public static class ProjectAutomationApi
{
    private const int DeliveryLogLimit = 100;

    public static IEndpointRouteBuilder MapProjectAutomationApi(this IEndpointRouteBuilder app)
    {
        var project = app.MapGroup("/api/projects/{id}").RequireAuthorization().WithTags("Project automation")
            .ProducesProblems(StatusCodes.Status401Unauthorized, StatusCodes.Status403Forbidden, StatusCodes.Status404NotFound);
        project.MapPost("/webhooks", AddWebhookAsync).ProducesProblems(StatusCodes.Status400BadRequest, StatusCodes.Status409Conflict);
        project.MapGet("/webhooks", ListWebhooksAsync);
        project.MapDelete("/webhooks/{hookId}", RemoveWebhookAsync);
        project.MapGet("/webhooks/{hookId}/deliveries", ListDeliveriesAsync);
        project.MapPost("/rules", AddRuleAsync).ProducesProblems(StatusCodes.Status400BadRequest, StatusCodes.Status409Conflict);
        project.MapGet("/rules", ListRulesAsync);
        project.MapDelete("/rules/{ruleId}", RemoveRuleAsync);
        return app;
    }

    /// <summary>Null for a project admin; otherwise the answer (404 unseen or missing, 403 seen but not managed).</summary>
    private static async Task<ProblemHttpResult?> AdminRefusalAsync(string id, HttpContext http, IGrainFactory grains)
    {
        // Automation belongs to projects only: any other id is as unknown as a missing project.
        if (!id.StartsWith(ProjectSchema.IdPrefix, StringComparison.Ordinal)) return Problems.NotFound();
        var info = await grains.DescribeResourceAsync(id, http.User.Username());
        if (info is null) return Problems.NotFound();
        return info.Level >= AccessLevel.Manage ? null : Problems.Forbidden("only a project admin manages its automation");
    }

    private static IProjectAutomationManagementGrain Automation(IGrainFactory grains, string id) => grains.GetGrain<IProjectAutomationManagementGrain>(id);

    private static async Task<Results<Created<CreatedIdResponse>, ProblemHttpResult>> AddWebhookAsync(
        string id, CreateWebhookRequest request, HttpContext http, IGrainFactory grains, AuditRecorder audit)
    {
        if (await AdminRefusalAsync(id, http, grains) is { } refused) return refused;
        if (!AutomationRules.IsWebhookUrl(request.Url))
        {
            return Problems.Of(StatusCodes.Status400BadRequest, "invalid-url", $"url: an absolute http or https URL without user info, at most {AutomationRules.MaxUrlLength} characters");
        }
        if (request.Format is null || !WebhookFormats.All.Contains(request.Format))
        {
            return Problems.Of(StatusCodes.Status400BadRequest, "unknown-format", "format: feishu, slack or json");
        }
        if (request.Secret is { Length: > AutomationRules.MaxSecretLength })
        {
            return Problems.Invalid($"secret: at most {AutomationRules.MaxSecretLength} characters");
        }
        var events = request.Events ?? [];
        if (events.FirstOrDefault(e => !AutomationRules.EventTypes.Contains(e)) is { } unknown)
        {
            return UnknownEvent(unknown);
        }
        var hookId = await Automation(grains, id).AddWebhook(new WebhookSpec(request.Url!, request.Format, request.Secret, [.. events], http.User.Username()));
        if (hookId is null) return Problems.Conflict("too-many", $"a project has at most {AutomationRules.MaxWebhooks} webhooks");
        await audit.RecordAsync(http, AuditActions.WebhookAdded, id, $"webhook {hookId} ({request.Format})");
        return TypedResults.Created($"/api/projects/{id}/webhooks/{hookId}", new CreatedIdResponse(hookId));
    }

    private static ProblemHttpResult UnknownEvent(string? name) =>
        Problems.Of(StatusCodes.Status400BadRequest, "unknown-event", $"unknown event type '{name}'; known: {string.Join(", ", AutomationRules.EventTypes)}");

    private static async Task<Results<Ok<List<WebhookResponse>>, ProblemHttpResult>> ListWebhooksAsync(string id, HttpContext http, IGrainFactory grains)
    {
        if (await AdminRefusalAsync(id, http, grains) is { } refused) return refused;
        var hooks = await Automation(grains, id).ListWebhooks();
        return TypedResults.Ok(hooks.Select(h => new WebhookResponse(h.Id, h.Url, h.Format, h.HasSecret, h.Events, h.CreatedBy, h.CreatedAt)).ToList());
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> RemoveWebhookAsync(string id, string hookId, HttpContext http, IGrainFactory grains, AuditRecorder audit)
    {
        if (await AdminRefusalAsync(id, http, grains) is { } refused) return refused;
        if (!await Automation(grains, id).RemoveWebhook(hookId)) return NoSuchHook();
        await audit.RecordAsync(http, AuditActions.WebhookRemoved, id, $"webhook {hookId}");
        return TypedResults.NoContent();
    }

    private static ProblemHttpResult NoSuchHook() => Problems.Of(StatusCodes.Status404NotFound, "not-found", "no such webhook in this project");

    private static async Task<Results<Ok<List<DeliveryResponse>>, ProblemHttpResult>> ListDeliveriesAsync(string id, string hookId, HttpContext http, IGrainFactory grains)
    {
        if (await AdminRefusalAsync(id, http, grains) is { } refused) return refused;
        var deliveries = await Automation(grains, id).ListDeliveries(hookId, DeliveryLogLimit);
        if (deliveries is null) return NoSuchHook();
        return TypedResults.Ok(deliveries.Select(d => new DeliveryResponse(d.Id, d.EventType, d.Sequence, d.RuleId, d.IdempotencyKey, d.Status, d.Detail,
            d.Attempts.Count, [.. d.Attempts.Select(a => new DeliveryAttemptResponse(a.At, a.StatusCode, a.Error))], d.NextAttemptAt, d.CreatedAt)).ToList());
    }

    private static async Task<Results<Created<CreatedIdResponse>, ProblemHttpResult>> AddRuleAsync(
        string id, CreateRuleRequest request, HttpContext http, IGrainFactory grains, AuditRecorder audit)
    {
        if (await AdminRefusalAsync(id, http, grains) is { } refused) return refused;
        if (ValidateRule(request, http.User.Username(), out var spec) is { } invalid) return invalid;
        var result = await Automation(grains, id).AddRule(spec!);
        if (result.Error == "too-many") return Problems.Conflict("too-many", $"a project has at most {AutomationRules.MaxRules} rules");
        if (result.Id is null) return Problems.Of(StatusCodes.Status400BadRequest, "unknown-hook", "an action names a webhook this project does not have");
        await audit.RecordAsync(http, AuditActions.RuleAdded, id, $"rule {result.Id}");
        return TypedResults.Created($"/api/projects/{id}/rules/{result.Id}", new CreatedIdResponse(result.Id));
    }

    private static ProblemHttpResult? ValidateRule(CreateRuleRequest request, string creator, out RuleSpec? spec)
    {
        spec = null;
        var name = request.Name?.Trim();
        if (string.IsNullOrEmpty(name) || name.Length > AutomationRules.MaxNameLength) return Problems.Invalid($"name: 1-{AutomationRules.MaxNameLength} characters");
        if (request.Trigger is not { } trigger) return Problems.Invalid("trigger: required");
        if (trigger.Event is null || !AutomationRules.EventTypes.Contains(trigger.Event)) return UnknownEvent(trigger.Event);
        var conditions = request.Conditions ?? [];
        if (conditions.Count > AutomationRules.MaxConditions) return Problems.Invalid($"conditions: at most {AutomationRules.MaxConditions}");
        foreach (var condition in conditions)
        {
            if (condition.Field is null || !AutomationRules.ConditionFields.Contains(condition.Field)
                || condition.Op is null || !AutomationRules.ConditionOps.Contains(condition.Op))
            {
                return Problems.Of(StatusCodes.Status400BadRequest, "invalid-condition",
                    $"a condition is {{field, op, value}} with field one of {string.Join(", ", AutomationRules.ConditionFields)} and op eq or ne");
            }
        }
        var actions = request.Actions ?? [];
        if (actions.Count is 0 or > AutomationRules.MaxActions) return Problems.Invalid($"actions: 1-{AutomationRules.MaxActions}");
        foreach (var action in actions)
        {
            if (action.Type != AutomationRules.WebhookAction)
            {
                return Problems.Of(StatusCodes.Status400BadRequest, "unknown-action", "action type: webhook (the only one so far)");
            }
            if (string.IsNullOrEmpty(action.HookId)) return Problems.Invalid("a webhook action names its hookId");
            if (action.Text is { Length: > AutomationRules.MaxTextLength }) return Problems.Invalid($"text: at most {AutomationRules.MaxTextLength} characters");
        }
        spec = new RuleSpec(name, new RuleTrigger(trigger.Event, trigger.NodeKey, trigger.To),
            [.. conditions.Select(c => new RuleCondition(c.Field!, c.Op!, c.Value))],
            [.. actions.Select(a => new RuleAction(a.Type!, a.HookId, a.Text))], creator);
        return null;
    }

    private static async Task<Results<Ok<List<RuleResponse>>, ProblemHttpResult>> ListRulesAsync(string id, HttpContext http, IGrainFactory grains)
    {
        if (await AdminRefusalAsync(id, http, grains) is { } refused) return refused;
        var rules = await Automation(grains, id).ListRules();
        return TypedResults.Ok(rules.Select(r => new RuleResponse(r.Id, r.Rule.Name, new RuleTriggerBody(r.Rule.Trigger.Event, r.Rule.Trigger.NodeKey, r.Rule.Trigger.To),
            [.. r.Rule.Conditions.Select(c => new RuleConditionBody(c.Field, c.Op, c.Value))],
            [.. r.Rule.Actions.Select(a => new RuleActionBody(a.Type, a.HookId, a.Text))], r.Rule.CreatedBy, r.CreatedAt)).ToList());
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> RemoveRuleAsync(string id, string ruleId, HttpContext http, IGrainFactory grains, AuditRecorder audit)
    {
        if (await AdminRefusalAsync(id, http, grains) is { } refused) return refused;
        if (!await Automation(grains, id).RemoveRule(ruleId)) return Problems.Of(StatusCodes.Status404NotFound, "not-found", "no such rule in this project");
        await audit.RecordAsync(http, AuditActions.RuleRemoved, id, $"rule {ruleId}");
        return TypedResults.NoContent();
    }
}
