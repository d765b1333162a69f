using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Spotter.Collab.Grains.Access;
using Spotter.Collab.Grains.Telemetry;

namespace Spotter.Collab.Grains.Projects;

/// <summary>
/// A project's automation (key: the project id). <see cref="Publish"/> matches events against the project's webhooks
/// and rules and queues the posts in the store's outbox before it returns; the posts are sent in the background of
/// this activation, retried with backoff on connection errors, timeouts, 5xx, 408 and 429, and recorded per attempt
/// (the outbox row is the delivery log). Retries are woken by the silo's <see cref="AutomationDeliveryClock"/>, which
/// also finds pending rows after a restart.
/// </summary>
public sealed partial class ProjectAutomationGrain(
    IAutomationStore store,
    WebhookSender sender,
    AutomationDeliveryClock clock,
    [FromKeyedServices(ProjectAutomationOptions.ClockKey)] TimeProvider time,
    IOptions<ProjectAutomationOptions> options,
    ILogger<ProjectAutomationGrain> logger) : Grain, IProjectAutomationGrain, IProjectAutomationManagementGrain
{
    /// <summary>Due deliveries read per round of the sender.</summary>
    private const int Batch = 20;

    private List<StoredWebhook> _hooks = [];
    private List<RuleInfo> _rules = [];
    private bool _sending;
    private bool _sendAgain;

    private string ProjectId => this.GetPrimaryKeyString();

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _hooks = [.. await store.ListWebhooksAsync(ProjectId, cancellationToken)];
        _rules = [.. (await store.ListRulesAsync(ProjectId, cancellationToken)).Select(ToInfo)];
    }

    public async Task Publish(IReadOnlyList<ProjectEvent> events)
    {
        ArgumentNullException.ThrowIfNull(events);
        var now = time.GetUtcNow();
        var rows = new List<StoredDelivery>();
        var refusals = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var e in events)
        {
            var matches = AutomationEvaluator.Match(e, _hooks, _rules);
            if (matches.Count == 0) continue;
            var refusal = await ReadRefusalAsync(e, refusals);
            var payload = JsonSerializer.Serialize(new DeliveryEnvelope(e, AutomationPayloads.DefaultText(e)), AutomationPayloads.Json);
            foreach (var match in matches)
            {
                var body = match.Text is null ? payload : JsonSerializer.Serialize(new DeliveryEnvelope(e, match.Text), AutomationPayloads.Json);
                rows.Add(new StoredDelivery(ProjectId, Guid.NewGuid().ToString("N"), match.HookId, match.RuleId, e.Sequence, e.Type,
                    $"{ProjectId}:{e.Sequence}:{match.HookId}", body,
                    refusal is null ? DeliveryStatuses.Pending : DeliveryStatuses.Skipped, refusal, "[]", refusal is null ? now : null, now));
            }
        }
        if (rows.Count == 0) return;
        await store.EnqueueAsync(rows);
        if (rows.Any(r => r.Status == DeliveryStatuses.Pending)) StartSending();
    }

    /// <summary>
    /// Null when the event's actor may have the automation post about it; otherwise why not (recorded in the log). A
    /// rule runs with the rights of the user whose change triggered it: today that is reading the project; per-item
    /// visibility (partner items) extends this one check.
    /// </summary>
    private async Task<string?> ReadRefusalAsync(ProjectEvent e, Dictionary<string, string?> known)
    {
        if (known.TryGetValue(e.Actor, out var cached)) return cached;
        var decision = await GrainFactory.GetGrain<IAccessReaderGrain>(IAccessReaderGrain.Key).Resolve(ProjectId, e.Actor);
        var refusal = decision.Level >= AccessLevel.View ? null : "not posted: the user whose change triggered it cannot read the project";
        known[e.Actor] = refusal;
        return refusal;
    }

    public Task DeliverDue()
    {
        StartSending();
        return Task.CompletedTask;
    }

    /// <summary>Starts the sender unless it runs; a running one goes round again. It runs in this activation's
    /// context, so its turns interleave with calls only at its awaits (HTTP calls do not hold up Publish).</summary>
    private void StartSending()
    {
        if (_sending)
        {
            _sendAgain = true;
            return;
        }
        _sending = true;
        _ = SendDueAsync();
    }

    private async Task SendDueAsync()
    {
        try
        {
            do
            {
                _sendAgain = false;
                while (true)
                {
                    var due = await store.ListDueAsync(ProjectId, time.GetUtcNow(), Batch);
                    if (due.Count == 0) break;
                    foreach (var delivery in due) await AttemptAsync(delivery);
                }
            }
            while (_sendAgain);
            if (await store.NextAttemptAsync(ProjectId) is { } next) clock.Schedule(ProjectId, next);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            LogSendFailed(ProjectId, ex);
            clock.Schedule(ProjectId, time.GetUtcNow() + TimeSpan.FromSeconds(30));
        }
        finally
        {
            _sending = false;
        }
    }

    private async Task AttemptAsync(StoredDelivery delivery)
    {
        var attempts = JsonSerializer.Deserialize<List<DeliveryAttempt>>(delivery.Attempts, AutomationPayloads.Json) ?? [];
        var hook = _hooks.Find(h => h.Id == delivery.HookId);
        if (hook is null)
        {
            await store.UpdateDeliveryAsync(ProjectId, delivery.Id, DeliveryStatuses.Failed, "the webhook was removed", delivery.Attempts, null);
            return;
        }
        var envelope = JsonSerializer.Deserialize<DeliveryEnvelope>(delivery.Payload, AutomationPayloads.Json)!;
        var at = time.GetUtcNow();
        var outcome = await sender.SendAsync(hook, delivery.IdempotencyKey, envelope, at);
        attempts.Add(new DeliveryAttempt(at, outcome.StatusCode, outcome.Error));
        var delays = options.Value.EffectiveRetryDelays;
        string status;
        string? detail;
        DateTimeOffset? next = null;
        if (outcome.Delivered)
        {
            (status, detail) = (DeliveryStatuses.Delivered, null);
        }
        else if (outcome.Retry && attempts.Count <= delays.Count)
        {
            status = DeliveryStatuses.Pending;
            next = at + delays[attempts.Count - 1];
            detail = "will retry: " + Describe(outcome);
        }
        else
        {
            status = DeliveryStatuses.Failed;
            detail = (outcome.Retry ? $"gave up after {attempts.Count} attempts: " : "") + Describe(outcome);
        }
        GrainMetrics.WebhookAttempts.Add(1, new KeyValuePair<string, object?>("outcome", status == DeliveryStatuses.Pending ? "retry" : status));
        if (!outcome.Delivered) LogAttemptFailed(ProjectId, hook.Id, delivery.IdempotencyKey, detail ?? "");
        await store.UpdateDeliveryAsync(ProjectId, delivery.Id, status, detail, JsonSerializer.Serialize(attempts, AutomationPayloads.Json), next);
    }

    private static string Describe(AttemptOutcome outcome) => outcome.StatusCode is { } code ? $"HTTP {code}" : outcome.Error ?? "failed";

    public async Task<string?> AddWebhook(WebhookSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (_hooks.Count >= AutomationRules.MaxWebhooks) return null;
        var hook = new StoredWebhook(ProjectId, Guid.NewGuid().ToString("N"), spec.Url, spec.Format, string.IsNullOrEmpty(spec.Secret) ? null : spec.Secret,
            [.. spec.Events.Distinct(StringComparer.Ordinal)], spec.CreatedBy, time.GetUtcNow());
        await store.SaveWebhookAsync(hook);
        _hooks.Add(hook);
        return hook.Id;
    }

    public Task<IReadOnlyList<WebhookInfo>> ListWebhooks() =>
        Task.FromResult<IReadOnlyList<WebhookInfo>>([.. _hooks.Select(h => new WebhookInfo(h.Id, h.Url, h.Format, h.Secret is not null, h.Events, h.CreatedBy, h.CreatedAt))]);

    public async Task<bool> RemoveWebhook(string hookId)
    {
        if (!_hooks.Exists(h => h.Id == hookId)) return false;
        await store.DeleteWebhookAsync(ProjectId, hookId);
        _hooks.RemoveAll(h => h.Id == hookId);
        return true;
    }

    public async Task<IReadOnlyList<DeliveryInfo>?> ListDeliveries(string hookId, int limit)
    {
        if (!_hooks.Exists(h => h.Id == hookId)) return null;
        var rows = await store.ListDeliveriesAsync(ProjectId, hookId, Math.Clamp(limit, 1, 500));
        return [.. rows.Select(r => new DeliveryInfo(r.Id, r.HookId, r.RuleId, r.Sequence, r.EventType, r.IdempotencyKey, r.Status, r.Detail,
            JsonSerializer.Deserialize<List<DeliveryAttempt>>(r.Attempts, AutomationPayloads.Json) ?? [], r.NextAttemptAt, r.CreatedAt))];
    }

    public async Task<AddRuleResult> AddRule(RuleSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (_rules.Count >= AutomationRules.MaxRules) return new AddRuleResult(null, "too-many");
        foreach (var action in spec.Actions)
        {
            if (action.Type == AutomationRules.WebhookAction && !_hooks.Exists(h => h.Id == action.HookId))
            {
                return new AddRuleResult(null, "unknown-hook");
            }
        }
        var rule = new RuleInfo(Guid.NewGuid().ToString("N"), spec, time.GetUtcNow());
        await store.SaveRuleAsync(new StoredRule(ProjectId, rule.Id, JsonSerializer.Serialize(spec, AutomationPayloads.Json), rule.CreatedAt));
        _rules.Add(rule);
        return new AddRuleResult(rule.Id, null);
    }

    public Task<IReadOnlyList<RuleInfo>> ListRules() => Task.FromResult<IReadOnlyList<RuleInfo>>([.. _rules]);

    public async Task<bool> RemoveRule(string ruleId)
    {
        if (!_rules.Exists(r => r.Id == ruleId)) return false;
        await store.DeleteRuleAsync(ProjectId, ruleId);
        _rules.RemoveAll(r => r.Id == ruleId);
        return true;
    }

    private static RuleInfo ToInfo(StoredRule rule) =>
        new(rule.Id, JsonSerializer.Deserialize<RuleSpec>(rule.Definition, AutomationPayloads.Json)!, rule.CreatedAt);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Sending the deliveries of project {ProjectId} failed; trying again later")]
    private partial void LogSendFailed(string projectId, Exception exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "Webhook {HookId} of project {ProjectId}: delivery {IdempotencyKey} failed ({Outcome})")]
    private partial void LogAttemptFailed(string projectId, string hookId, string idempotencyKey, string outcome);
}
