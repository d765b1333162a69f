namespace Spotter.Collab.Grains.Projects;

/// <summary>A project's webhook as stored, secret included (needed to sign; never returned by the API).</summary>
public sealed record StoredWebhook(
    string ProjectId,
    string Id,
    string Url,
    string Format,
    string? Secret,
    IReadOnlyList<string> Events,
    string CreatedBy,
    DateTimeOffset CreatedAt);

/// <summary>A project's rule as stored: <see cref="Definition"/> is its JSON (<see cref="RuleSpec"/>).</summary>
public sealed record StoredRule(
    string ProjectId,
    string Id,
    string Definition,
    DateTimeOffset CreatedAt);

/// <summary>
/// One outbox row: a post to one webhook caused by one event. <see cref="Payload"/> is what is sent (the body; its
/// signature headers are computed per attempt from the attempt's time). <see cref="Attempts"/> is the JSON array of
/// <see cref="DeliveryAttempt"/>.
/// </summary>
public sealed record StoredDelivery(
    string ProjectId,
    string Id,
    string HookId,
    string? RuleId,
    long Sequence,
    string EventType,
    string IdempotencyKey,
    string Payload,
    string Status,
    string? Detail,
    string Attempts,
    DateTimeOffset? NextAttemptAt,
    DateTimeOffset CreatedAt)
{
    /// <summary>The column order both stores select a delivery in (times as Unix milliseconds).</summary>
    public const string Columns =
        "project_id, id, hook_id, rule_id, sequence, event_type, idempotency_key, payload, status, detail, attempts, next_attempt_at, created_at";

    /// <summary>A delivery from a row selected as <see cref="Columns"/>.</summary>
    public static StoredDelivery FromRecord(System.Data.IDataRecord row)
    {
        ArgumentNullException.ThrowIfNull(row);
        return new StoredDelivery(
            row.GetString(0), row.GetString(1), row.GetString(2), row.IsDBNull(3) ? null : row.GetString(3),
            row.GetInt64(4), row.GetString(5), row.GetString(6), row.GetString(7), row.GetString(8),
            row.IsDBNull(9) ? null : row.GetString(9), row.GetString(10),
            row.IsDBNull(11) ? null : DateTimeOffset.FromUnixTimeMilliseconds(row.GetInt64(11)),
            DateTimeOffset.FromUnixTimeMilliseconds(row.GetInt64(12)));
    }
}

/// <summary>
/// The automation rows of all projects: webhooks, rules and the outbox that is also the delivery log. Implemented by
/// the SQLite and PostgreSQL stores; both pass <c>AutomationStoreContractTests</c>.
/// </summary>
public interface IAutomationStore
{
    Task SaveWebhookAsync(StoredWebhook webhook, CancellationToken cancellationToken = default);

    Task<bool> DeleteWebhookAsync(string projectId, string hookId, CancellationToken cancellationToken = default);

    Task<IReadOnlyList<StoredWebhook>> ListWebhooksAsync(string projectId, CancellationToken cancellationToken = default);

    Task SaveRuleAsync(StoredRule rule, CancellationToken cancellationToken = default);

    Task<bool> DeleteRuleAsync(string projectId, string ruleId, CancellationToken cancellationToken = default);

    Task<IReadOnlyList<StoredRule>> ListRulesAsync(string projectId, CancellationToken cancellationToken = default);

    /// <summary>Queues the deliveries in one transaction. A delivery whose (project, idempotency key) is already
    /// queued is left out (an event published twice posts once); returns how many were added.</summary>
    Task<int> EnqueueAsync(IReadOnlyList<StoredDelivery> deliveries, CancellationToken cancellationToken = default);

    /// <summary>The project's pending deliveries due at <paramref name="now"/>, oldest due first.</summary>
    Task<IReadOnlyList<StoredDelivery>> ListDueAsync(string projectId, DateTimeOffset now, int limit, CancellationToken cancellationToken = default);

    /// <summary>Records an attempt's outcome: the new status, detail, attempts and next attempt time.</summary>
    Task UpdateDeliveryAsync(string projectId, string deliveryId, string status, string? detail, string attempts, DateTimeOffset? nextAttemptAt,
        CancellationToken cancellationToken = default);

    /// <summary>The webhook's deliveries, newest first.</summary>
    Task<IReadOnlyList<StoredDelivery>> ListDeliveriesAsync(string projectId, string hookId, int limit, CancellationToken cancellationToken = default);

    /// <summary>The earliest next attempt of the project's pending deliveries; null when none is pending.</summary>
    Task<DateTimeOffset?> NextAttemptAsync(string projectId, CancellationToken cancellationToken = default);

    /// <summary>Every project with a pending delivery and its earliest next attempt (read when a silo starts).</summary>
    Task<IReadOnlyList<(string ProjectId, DateTimeOffset NextAttemptAt)>> ListPendingProjectsAsync(CancellationToken cancellationToken = default);
}
