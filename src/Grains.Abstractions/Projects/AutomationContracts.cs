namespace Spotter.Collab.Grains.Projects;

/// <summary>The outgoing-webhook payload formats.</summary>
public static class WebhookFormats
{
    /// <summary>Feishu/Lark custom bot (signed with timestamp + secret when a secret is set).</summary>
    public const string Feishu = "feishu";
    /// <summary>Slack-compatible incoming webhook (<c>{"text": …}</c>).</summary>
    public const string Slack = "slack";
    /// <summary>The event as JSON, signed with HMAC-SHA256 in <c>X-Spotter-Signature</c> when a secret is set.</summary>
    public const string Json = "json";

    public static readonly IReadOnlyList<string> All = [Feishu, Slack, Json];
}

/// <summary>What a new webhook posts where: <see cref="Events"/> are <see cref="ProjectEventTypes"/> values.</summary>
[GenerateSerializer, Immutable, Alias("spotter.WebhookSpec")]
public sealed record WebhookSpec(
    [property: Id(0)] string Url,
    [property: Id(1)] string Format,
    [property: Id(2)] string? Secret,
    [property: Id(3)] IReadOnlyList<string> Events,
    [property: Id(4)] string CreatedBy);

/// <summary>A webhook as project admins see it: never its secret, only whether it has one.</summary>
[GenerateSerializer, Immutable, Alias("spotter.WebhookInfo")]
public sealed record WebhookInfo(
    [property: Id(0)] string Id,
    [property: Id(1)] string Url,
    [property: Id(2)] string Format,
    [property: Id(3)] bool HasSecret,
    [property: Id(4)] IReadOnlyList<string> Events,
    [property: Id(5)] string CreatedBy,
    [property: Id(6)] DateTimeOffset CreatedAt);

/// <summary>When a rule fires: the event type, optionally only for one node key and/or one new value.</summary>
[GenerateSerializer, Immutable, Alias("spotter.RuleTrigger")]
public sealed record RuleTrigger(
    [property: Id(0)] string Event,
    [property: Id(1)] string? NodeKey,
    [property: Id(2)] string? To);

/// <summary>A test on one field of the event (<see cref="AutomationRules.ConditionFields"/>): <c>eq</c> or <c>ne</c>
/// against <see cref="Value"/> (null: the field is absent).</summary>
[GenerateSerializer, Immutable, Alias("spotter.RuleCondition")]
public sealed record RuleCondition(
    [property: Id(0)] string Field,
    [property: Id(1)] string Op,
    [property: Id(2)] string? Value);

/// <summary>What a rule does. Only <c>webhook</c> today (post to <see cref="HookId"/>, with <see cref="Text"/> instead
/// of the default line when given).</summary>
[GenerateSerializer, Immutable, Alias("spotter.RuleAction")]
public sealed record RuleAction(
    [property: Id(0)] string Type,
    [property: Id(1)] string? HookId,
    [property: Id(2)] string? Text);

[GenerateSerializer, Immutable, Alias("spotter.RuleSpec")]
public sealed record RuleSpec(
    [property: Id(0)] string Name,
    [property: Id(1)] RuleTrigger Trigger,
    [property: Id(2)] IReadOnlyList<RuleCondition> Conditions,
    [property: Id(3)] IReadOnlyList<RuleAction> Actions,
    [property: Id(4)] string CreatedBy);

[GenerateSerializer, Immutable, Alias("spotter.RuleInfo")]
public sealed record RuleInfo(
    [property: Id(0)] string Id,
    [property: Id(1)] RuleSpec Rule,
    [property: Id(2)] DateTimeOffset CreatedAt);

/// <summary>The id of a new rule, or why it was refused (<see cref="Error"/>: <c>unknown-hook</c>, or
/// <c>too-many</c> when the project already has <see cref="AutomationRules.MaxRules"/>).</summary>
[GenerateSerializer, Immutable, Alias("spotter.AddRuleResult")]
public sealed record AddRuleResult(
    [property: Id(0)] string? Id,
    [property: Id(1)] string? Error);

/// <summary>One try of a delivery: the HTTP status the receiver answered, or the error that stopped the request.</summary>
[GenerateSerializer, Immutable, Alias("spotter.DeliveryAttempt")]
public sealed record DeliveryAttempt(
    [property: Id(0)] DateTimeOffset At,
    [property: Id(1)] int? StatusCode,
    [property: Id(2)] string? Error);

/// <summary>The states of a delivery (<see cref="DeliveryInfo.Status"/>).</summary>
public static class DeliveryStatuses
{
    /// <summary>Queued, or failed with a retry still due (<see cref="DeliveryInfo.NextAttemptAt"/>).</summary>
    public const string Pending = "pending";
    /// <summary>The receiver answered 2xx.</summary>
    public const string Delivered = "delivered";
    /// <summary>Final failure: a 4xx other than 408/429, a refused address, or the last retry failed.</summary>
    public const string Failed = "failed";
    /// <summary>Never sent: the triggering user could not read what it would post (see the detail).</summary>
    public const string Skipped = "skipped";
}

/// <summary>A line of a webhook's delivery log.</summary>
[GenerateSerializer, Immutable, Alias("spotter.DeliveryInfo")]
public sealed record DeliveryInfo(
    [property: Id(0)] string Id,
    [property: Id(1)] string HookId,
    [property: Id(2)] string? RuleId,
    [property: Id(3)] long Sequence,
    [property: Id(4)] string EventType,
    [property: Id(5)] string IdempotencyKey,
    [property: Id(6)] string Status,
    [property: Id(7)] string? Detail,
    [property: Id(8)] IReadOnlyList<DeliveryAttempt> Attempts,
    [property: Id(9)] DateTimeOffset? NextAttemptAt,
    [property: Id(10)] DateTimeOffset CreatedAt);

/// <summary>
/// A project's automation settings and delivery log (keyed by the project id, the same activation as
/// <see cref="IProjectAutomationGrain"/>). Callers check the caller's right (project admin) before calling.
/// </summary>
[Alias("spotter.IProjectAutomationManagementGrain")]
public interface IProjectAutomationManagementGrain : IGrainWithStringKey
{
    /// <summary>The new webhook's id; null when the project already has <see cref="AutomationRules.MaxWebhooks"/>.</summary>
    [Alias("AddWebhook")]
    Task<string?> AddWebhook(WebhookSpec spec);

    [Alias("ListWebhooks")]
    Task<IReadOnlyList<WebhookInfo>> ListWebhooks();

    /// <summary>False when the project has no such webhook. Its rules' actions that name it stop posting.</summary>
    [Alias("RemoveWebhook")]
    Task<bool> RemoveWebhook(string hookId);

    /// <summary>The webhook's deliveries, newest first; null when the project has no such webhook.</summary>
    [Alias("ListDeliveries")]
    Task<IReadOnlyList<DeliveryInfo>?> ListDeliveries(string hookId, int limit);

    [Alias("AddRule")]
    Task<AddRuleResult> AddRule(RuleSpec spec);

    [Alias("ListRules")]
    Task<IReadOnlyList<RuleInfo>> ListRules();

    [Alias("RemoveRule")]
    Task<bool> RemoveRule(string ruleId);

    /// <summary>Sends the deliveries whose time has come (called by the silo's delivery clock); returns at once, the
    /// sending goes on in the background of the activation.</summary>
    [Alias("DeliverDue")]
    Task DeliverDue();
}

/// <summary>Input rules shared by the HTTP API (typed 400s) and the grain.</summary>
public static class AutomationRules
{
    public const int MaxUrlLength = 2000;
    public const int MaxSecretLength = 500;
    public const int MaxNameLength = 200;
    public const int MaxTextLength = 2000;
    public const int MaxConditions = 20;
    public const int MaxActions = 10;
    public const int MaxWebhooks = 50;
    public const int MaxRules = 200;

    /// <summary>The one action type so far: post to a webhook of the project.</summary>
    public const string WebhookAction = "webhook";

    /// <summary>The event fields a condition may test.</summary>
    public static readonly IReadOnlyList<string> ConditionFields = ["actor", "itemId", "nodeKey", "field", "from", "to"];

    public static readonly IReadOnlyList<string> ConditionOps = ["eq", "ne"];

    public static readonly IReadOnlyList<string> EventTypes =
    [
        ProjectEventTypes.ItemCreated, ProjectEventTypes.ItemStatusChanged, ProjectEventTypes.ItemFieldChanged,
        ProjectEventTypes.ItemOverdue, ProjectEventTypes.NodeStarted, ProjectEventTypes.NodeCompleted,
        ProjectEventTypes.NodeRolledBack, ProjectEventTypes.NodeStatusChanged,
    ];

    /// <summary>An absolute http(s) URL without user info (addresses are checked when connecting).</summary>
    public static bool IsWebhookUrl(string? url) =>
        url is { Length: > 0 and <= MaxUrlLength }
        && Uri.TryCreate(url, UriKind.Absolute, out var uri)
        && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)
        && string.IsNullOrEmpty(uri.UserInfo)
        && uri.Host.Length > 0;

    /// <summary>The value of a condition field in an event.</summary>
    public static string? FieldOf(ProjectEvent e, string field)
    {
        ArgumentNullException.ThrowIfNull(e);
        return field switch
        {
            "actor" => e.Actor,
            "itemId" => e.ItemId,
            "nodeKey" => e.NodeKey,
            "field" => e.Field,
            "from" => e.From,
            "to" => e.To,
            _ => null,
        };
    }
}
