using Microsoft.Data.Sqlite;
using Spotter.Collab.Grains.Storage;

namespace Spotter.Collab.Grains.Projects;

/// <summary>The automation tables (migration 0005) in the embedded SQLite file; statements run on the database's
/// writer and reader threads.</summary>
public sealed class SqliteAutomationStore(SqliteDatabase database) : IAutomationStore
{
    private const string DeliveryColumns = StoredDelivery.Columns;

    public Task SaveWebhookAsync(StoredWebhook webhook, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(webhook);
        return database.WriteAsync(connection =>
        {
            using var command = connection.CreateCommand();
            command.CommandText = """
                INSERT INTO automation_webhooks (project_id, id, url, format, secret, events, created_by, created_at)
                VALUES ($p, $id, $url, $format, $secret, $events, $by, $at)
                ON CONFLICT (project_id, id) DO UPDATE SET url = excluded.url, format = excluded.format, secret = excluded.secret, events = excluded.events
                """;
            command.Parameters.AddWithValue("$p", webhook.ProjectId);
            command.Parameters.AddWithValue("$id", webhook.Id);
            command.Parameters.AddWithValue("$url", webhook.Url);
            command.Parameters.AddWithValue("$format", webhook.Format);
            command.Parameters.AddWithValue("$secret", (object?)webhook.Secret ?? DBNull.Value);
            command.Parameters.AddWithValue("$events", string.Join('\n', webhook.Events));
            command.Parameters.AddWithValue("$by", webhook.CreatedBy);
            command.Parameters.AddWithValue("$at", webhook.CreatedAt.ToUnixTimeMilliseconds());
            return command.ExecuteNonQuery();
        }, cancellationToken);
    }

    public Task<bool> DeleteWebhookAsync(string projectId, string hookId, CancellationToken cancellationToken = default) =>
        DeleteAsync("automation_webhooks", projectId, hookId, cancellationToken);

    public Task<IReadOnlyList<StoredWebhook>> ListWebhooksAsync(string projectId, CancellationToken cancellationToken = default) =>
        database.ReadAsync<IReadOnlyList<StoredWebhook>>(connection =>
        {
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT id, url, format, secret, events, created_by, created_at FROM automation_webhooks WHERE project_id = $p ORDER BY created_at, id";
            command.Parameters.AddWithValue("$p", projectId);
            using var reader = command.ExecuteReader();
            var hooks = new List<StoredWebhook>();
            while (reader.Read())
            {
                hooks.Add(new StoredWebhook(projectId, reader.GetString(0), reader.GetString(1), reader.GetString(2),
                    reader.IsDBNull(3) ? null : reader.GetString(3), SplitLines(reader.GetString(4)), reader.GetString(5),
                    DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(6))));
            }
            return hooks;
        }, cancellationToken);

    public Task SaveRuleAsync(StoredRule rule, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(rule);
        return database.WriteAsync(connection =>
        {
            using var command = connection.CreateCommand();
            command.CommandText = """
                INSERT INTO automation_rules (project_id, id, definition, created_at) VALUES ($p, $id, $def, $at)
                ON CONFLICT (project_id, id) DO UPDATE SET definition = excluded.definition
                """;
            command.Parameters.AddWithValue("$p", rule.ProjectId);
            command.Parameters.AddWithValue("$id", rule.Id);
            command.Parameters.AddWithValue("$def", rule.Definition);
            command.Parameters.AddWithValue("$at", rule.CreatedAt.ToUnixTimeMilliseconds());
            return command.ExecuteNonQuery();
        }, cancellationToken);
    }

    public Task<bool> DeleteRuleAsync(string projectId, string ruleId, CancellationToken cancellationToken = default) =>
        DeleteAsync("automation_rules", projectId, ruleId, cancellationToken);

    public Task<IReadOnlyList<StoredRule>> ListRulesAsync(string projectId, CancellationToken cancellationToken = default) =>
        database.ReadAsync<IReadOnlyList<StoredRule>>(connection =>
        {
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT id, definition, created_at FROM automation_rules WHERE project_id = $p ORDER BY created_at, id";
            command.Parameters.AddWithValue("$p", projectId);
            using var reader = command.ExecuteReader();
            var rules = new List<StoredRule>();
            while (reader.Read())
            {
                rules.Add(new StoredRule(projectId, reader.GetString(0), reader.GetString(1), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(2))));
            }
            return rules;
        }, cancellationToken);

    private Task<bool> DeleteAsync(string table, string projectId, string id, CancellationToken cancellationToken) =>
        database.WriteAsync(connection =>
        {
            using var command = connection.CreateCommand();
            command.CommandText = $"DELETE FROM {table} WHERE project_id = $p AND id = $id";
            command.Parameters.AddWithValue("$p", projectId);
            command.Parameters.AddWithValue("$id", id);
            return command.ExecuteNonQuery() > 0;
        }, cancellationToken);

    public Task<int> EnqueueAsync(IReadOnlyList<StoredDelivery> deliveries, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(deliveries);
        if (deliveries.Count == 0) return Task.FromResult(0);
        return database.WriteAsync(connection =>
        {
            using var transaction = connection.BeginTransaction();
            using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = $"""
                INSERT INTO automation_deliveries ({DeliveryColumns})
                VALUES ($p, $id, $hook, $rule, $seq, $type, $key, $payload, $status, $detail, $attempts, $next, $at)
                ON CONFLICT (project_id, idempotency_key) DO NOTHING
                """;
            var added = 0;
            foreach (var delivery in deliveries)
            {
                command.Parameters.Clear();
                command.Parameters.AddWithValue("$p", delivery.ProjectId);
                command.Parameters.AddWithValue("$id", delivery.Id);
                command.Parameters.AddWithValue("$hook", delivery.HookId);
                command.Parameters.AddWithValue("$rule", (object?)delivery.RuleId ?? DBNull.Value);
                command.Parameters.AddWithValue("$seq", delivery.Sequence);
                command.Parameters.AddWithValue("$type", delivery.EventType);
                command.Parameters.AddWithValue("$key", delivery.IdempotencyKey);
                command.Parameters.AddWithValue("$payload", delivery.Payload);
                command.Parameters.AddWithValue("$status", delivery.Status);
                command.Parameters.AddWithValue("$detail", (object?)delivery.Detail ?? DBNull.Value);
                command.Parameters.AddWithValue("$attempts", delivery.Attempts);
                command.Parameters.AddWithValue("$next", (object?)delivery.NextAttemptAt?.ToUnixTimeMilliseconds() ?? DBNull.Value);
                command.Parameters.AddWithValue("$at", delivery.CreatedAt.ToUnixTimeMilliseconds());
                added += command.ExecuteNonQuery();
            }
            transaction.Commit();
            return added;
        }, cancellationToken);
    }

    public Task<IReadOnlyList<StoredDelivery>> ListDueAsync(string projectId, DateTimeOffset now, int limit, CancellationToken cancellationToken = default) =>
        database.ReadAsync<IReadOnlyList<StoredDelivery>>(connection =>
        {
            using var command = connection.CreateCommand();
            command.CommandText = $"""
                SELECT {DeliveryColumns} FROM automation_deliveries
                WHERE project_id = $p AND status = 'pending' AND next_attempt_at <= $now ORDER BY next_attempt_at, created_at LIMIT $limit
                """;
            command.Parameters.AddWithValue("$p", projectId);
            command.Parameters.AddWithValue("$now", now.ToUnixTimeMilliseconds());
            command.Parameters.AddWithValue("$limit", limit);
            return ReadDeliveries(command);
        }, cancellationToken);

    public Task UpdateDeliveryAsync(string projectId, string deliveryId, string status, string? detail, string attempts, DateTimeOffset? nextAttemptAt,
        CancellationToken cancellationToken = default) =>
        database.WriteAsync(connection =>
        {
            using var command = connection.CreateCommand();
            command.CommandText = "UPDATE automation_deliveries SET status = $status, detail = $detail, attempts = $attempts, next_attempt_at = $next WHERE project_id = $p AND id = $id";
            command.Parameters.AddWithValue("$p", projectId);
            command.Parameters.AddWithValue("$id", deliveryId);
            command.Parameters.AddWithValue("$status", status);
            command.Parameters.AddWithValue("$detail", (object?)detail ?? DBNull.Value);
            command.Parameters.AddWithValue("$attempts", attempts);
            command.Parameters.AddWithValue("$next", (object?)nextAttemptAt?.ToUnixTimeMilliseconds() ?? DBNull.Value);
            return command.ExecuteNonQuery();
        }, cancellationToken);

    public Task<IReadOnlyList<StoredDelivery>> ListDeliveriesAsync(string projectId, string hookId, int limit, CancellationToken cancellationToken = default) =>
        database.ReadAsync<IReadOnlyList<StoredDelivery>>(connection =>
        {
            using var command = connection.CreateCommand();
            command.CommandText = $"""
                SELECT {DeliveryColumns} FROM automation_deliveries
                WHERE project_id = $p AND hook_id = $hook ORDER BY created_at DESC, sequence DESC LIMIT $limit
                """;
            command.Parameters.AddWithValue("$p", projectId);
            command.Parameters.AddWithValue("$hook", hookId);
            command.Parameters.AddWithValue("$limit", limit);
            return ReadDeliveries(command);
        }, cancellationToken);

    public Task<DateTimeOffset?> NextAttemptAsync(string projectId, CancellationToken cancellationToken = default) =>
        database.ReadAsync(connection =>
        {
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT MIN(next_attempt_at) FROM automation_deliveries WHERE project_id = $p AND status = 'pending'";
            command.Parameters.AddWithValue("$p", projectId);
            return command.ExecuteScalar() is long ms ? DateTimeOffset.FromUnixTimeMilliseconds(ms) : (DateTimeOffset?)null;
        }, cancellationToken);

    public Task<IReadOnlyList<(string ProjectId, DateTimeOffset NextAttemptAt)>> ListPendingProjectsAsync(CancellationToken cancellationToken = default) =>
        database.ReadAsync<IReadOnlyList<(string, DateTimeOffset)>>(connection =>
        {
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT project_id, MIN(next_attempt_at) FROM automation_deliveries WHERE status = 'pending' GROUP BY project_id";
            using var reader = command.ExecuteReader();
            var pending = new List<(string, DateTimeOffset)>();
            while (reader.Read()) pending.Add((reader.GetString(0), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(1))));
            return pending;
        }, cancellationToken);

    private static List<StoredDelivery> ReadDeliveries(SqliteCommand command)
    {
        using var reader = command.ExecuteReader();
        var deliveries = new List<StoredDelivery>();
        while (reader.Read())
        {
            deliveries.Add(StoredDelivery.FromRecord(reader));
        }
        return deliveries;
    }

    private static string[] SplitLines(string value) => value.Length == 0 ? [] : value.Split('\n');
}
