using Npgsql;

namespace Spotter.Collab.Grains.Projects;

/// <summary>Project history in PostgreSQL (table from migration 0012).</summary>
public sealed class PostgresProjectHistoryStore(NpgsqlDataSource dataSource) : IProjectHistoryStore
{
    private const string Columns = "project_id, sequence, type, actor, at, item_id, item_title, node_key, field, from_value, to_value, reason, depth";

    public async Task AppendAsync(IReadOnlyList<ProjectEvent> events, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(events);
        if (events.Count == 0) return;
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using var batch = new NpgsqlBatch(connection, transaction);
        foreach (var e in events)
        {
            var command = new NpgsqlBatchCommand($"INSERT INTO project_history ({Columns}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)");
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = e.ProjectId });
            command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = e.Sequence });
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = e.Type });
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = e.Actor });
            command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = e.At.ToUniversalTime() });
            foreach (var text in new[] { e.ItemId, e.ItemTitle, e.NodeKey, e.Field, e.From, e.To, e.Reason }) command.Parameters.Add(Nullable(text));
            command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = e.Depth });
            batch.BatchCommands.Add(command);
        }
        await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task<long> LastSequenceAsync(string projectId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(projectId);
        await using var select = dataSource.CreateCommand("SELECT COALESCE(MAX(sequence), 0) FROM project_history WHERE project_id = $1");
        select.Parameters.Add(new NpgsqlParameter<string> { TypedValue = projectId });
        return (long)(await select.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    public async Task<IReadOnlyList<ProjectEvent>> ReadAsync(string projectId, string? itemId, long? before, int limit, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(projectId);
        await using var select = dataSource.CreateCommand($"""
            SELECT {Columns} FROM project_history
            WHERE project_id = $1 AND ($2::text IS NULL OR item_id = $2) AND ($3::bigint IS NULL OR sequence < $3)
            ORDER BY sequence DESC LIMIT $4
            """);
        select.Parameters.Add(new NpgsqlParameter<string> { TypedValue = projectId });
        select.Parameters.Add(Nullable(itemId));
        select.Parameters.Add(before is { } b ? new NpgsqlParameter<long> { TypedValue = b } : new NpgsqlParameter { Value = DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Bigint });
        select.Parameters.Add(new NpgsqlParameter<int> { TypedValue = ProjectHistory.ClampLimit(limit) });
        var events = new List<ProjectEvent>();
        await using var reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            string? Text(int i) => reader.IsDBNull(i) ? null : reader.GetString(i);
            events.Add(new ProjectEvent(reader.GetString(0), reader.GetInt64(1), reader.GetString(2), reader.GetString(3),
                reader.GetFieldValue<DateTimeOffset>(4), Text(5), Text(6), Text(7), Text(8), Text(9), Text(10), Text(11), reader.GetInt32(12)));
        }
        return events;
    }

    private static NpgsqlParameter Nullable(string? value) =>
        value is null ? new NpgsqlParameter { Value = DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text } : new NpgsqlParameter<string> { TypedValue = value };
}
