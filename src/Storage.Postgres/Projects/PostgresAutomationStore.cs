using Npgsql;

namespace Spotter.Collab.Grains.Projects;

/// <summary>The automation tables (migration 0013) in PostgreSQL; the same columns and values as the SQLite store.</summary>
public sealed class PostgresAutomationStore(NpgsqlDataSource dataSource) : IAutomationStore
{
    private const string DeliveryColumns = StoredDelivery.Columns;

    public async Task SaveWebhookAsync(StoredWebhook webhook, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(webhook);
        await using var command = dataSource.CreateCommand("""
            INSERT INTO automation_webhooks (project_id, id, url, format, secret, events, created_by, created_at)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
            ON CONFLICT (project_id, id) DO UPDATE SET url = excluded.url, format = excluded.format, secret = excluded.secret, events = excluded.events
            """);
        Add(command, webhook.ProjectId, webhook.Id, webhook.Url, webhook.Format, webhook.Secret, string.Join('\n', webhook.Events), webhook.CreatedBy);
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = webhook.CreatedAt.ToUnixTimeMilliseconds() });
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public Task<bool> DeleteWebhookAsync(string projectId, string hookId, CancellationToken cancellationToken = default) =>
        DeleteAsync("automation_webhooks", projectId, hookId, cancellationToken);

    public async Task<IReadOnlyList<StoredWebhook>> ListWebhooksAsync(string projectId, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand(
            "SELECT id, url, format, secret, events, created_by, created_at FROM automation_webhooks WHERE project_id = $1 ORDER BY created_at, id");
        Add(command, projectId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var hooks = new List<StoredWebhook>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var events = reader.GetString(4);
            hooks.Add(new StoredWebhook(projectId, reader.GetString(0), reader.GetString(1), reader.GetString(2),
                reader.IsDBNull(3) ? null : reader.GetString(3), events.Length == 0 ? [] : events.Split('\n'), reader.GetString(5),
                DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(6))));
        }
        return hooks;
    }

    public async Task SaveRuleAsync(StoredRule rule, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(rule);
        await using var command = dataSource.CreateCommand("""
            INSERT INTO automation_rules (project_id, id, definition, created_at) VALUES ($1, $2, $3, $4)
            ON CONFLICT (project_id, id) DO UPDATE SET definition = excluded.definition
            """);
        Add(command, rule.ProjectId, rule.Id, rule.Definition);
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = rule.CreatedAt.ToUnixTimeMilliseconds() });
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public Task<bool> DeleteRuleAsync(string projectId, string ruleId, CancellationToken cancellationToken = default) =>
        DeleteAsync("automation_rules", projectId, ruleId, cancellationToken);

    public async Task<IReadOnlyList<StoredRule>> ListRulesAsync(string projectId, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("SELECT id, definition, created_at FROM automation_rules WHERE project_id = $1 ORDER BY created_at, id");
        Add(command, projectId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var rules = new List<StoredRule>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            rules.Add(new StoredRule(projectId, reader.GetString(0), reader.GetString(1), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(2))));
        }
        return rules;
    }

    private async Task<bool> DeleteAsync(string table, string projectId, string id, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"DELETE FROM {table} WHERE project_id = $1 AND id = $2");
        Add(command, projectId, id);
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) > 0;
    }

    public async Task<int> EnqueueAsync(IReadOnlyList<StoredDelivery> deliveries, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(deliveries);
        if (deliveries.Count == 0) return 0;
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        var added = 0;
        foreach (var delivery in deliveries)
        {
            await using var command = new NpgsqlCommand($"""
                INSERT INTO automation_deliveries ({DeliveryColumns})
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
                ON CONFLICT (project_id, idempotency_key) DO NOTHING
                """, connection, transaction);
            Add(command, delivery.ProjectId, delivery.Id, delivery.HookId, delivery.RuleId);
            command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = delivery.Sequence });
            Add(command, delivery.EventType, delivery.IdempotencyKey, delivery.Payload, delivery.Status, delivery.Detail, delivery.Attempts);
            AddTime(command, delivery.NextAttemptAt);
            AddTime(command, delivery.CreatedAt);
            added += await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return added;
    }

    public async Task<IReadOnlyList<StoredDelivery>> ListDueAsync(string projectId, DateTimeOffset now, int limit, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand($"""
            SELECT {DeliveryColumns} FROM automation_deliveries
            WHERE project_id = $1 AND status = 'pending' AND next_attempt_at <= $2 ORDER BY next_attempt_at, created_at LIMIT $3
            """);
        Add(command, projectId);
        AddTime(command, now);
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = limit });
        return await ReadDeliveriesAsync(command, cancellationToken).ConfigureAwait(false);
    }

    public async Task UpdateDeliveryAsync(string projectId, string deliveryId, string status, string? detail, string attempts, DateTimeOffset? nextAttemptAt,
        CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand(
            "UPDATE automation_deliveries SET status = $3, detail = $4, attempts = $5, next_attempt_at = $6 WHERE project_id = $1 AND id = $2");
        Add(command, projectId, deliveryId, status, detail, attempts);
        AddTime(command, nextAttemptAt);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<StoredDelivery>> ListDeliveriesAsync(string projectId, string hookId, int limit, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand($"""
            SELECT {DeliveryColumns} FROM automation_deliveries
            WHERE project_id = $1 AND hook_id = $2 ORDER BY created_at DESC, sequence DESC LIMIT $3
            """);
        Add(command, projectId, hookId);
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = limit });
        return await ReadDeliveriesAsync(command, cancellationToken).ConfigureAwait(false);
    }

    public async Task<DateTimeOffset?> NextAttemptAsync(string projectId, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("SELECT MIN(next_attempt_at) FROM automation_deliveries WHERE project_id = $1 AND status = 'pending'");
        Add(command, projectId);
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is long ms ? DateTimeOffset.FromUnixTimeMilliseconds(ms) : null;
    }

    public async Task<IReadOnlyList<(string ProjectId, DateTimeOffset NextAttemptAt)>> ListPendingProjectsAsync(CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand(
            "SELECT project_id, MIN(next_attempt_at) FROM automation_deliveries WHERE status = 'pending' GROUP BY project_id");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var pending = new List<(string, DateTimeOffset)>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            pending.Add((reader.GetString(0), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(1))));
        }
        return pending;
    }

    private static async Task<IReadOnlyList<StoredDelivery>> ReadDeliveriesAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var deliveries = new List<StoredDelivery>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            deliveries.Add(StoredDelivery.FromRecord(reader));
        }
        return deliveries;
    }

    private static void Add(NpgsqlCommand command, params string?[] values)
    {
        foreach (var value in values) command.Parameters.Add(new NpgsqlParameter<string?> { TypedValue = value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
    }

    private static void AddTime(NpgsqlCommand command, DateTimeOffset? value) =>
        command.Parameters.Add(value is { } time
            ? new NpgsqlParameter<long> { TypedValue = time.ToUnixTimeMilliseconds() }
            : new NpgsqlParameter { Value = DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Bigint });
}
