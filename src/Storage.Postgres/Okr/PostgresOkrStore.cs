using System.Text.Json;
using Npgsql;

namespace Spotter.Collab.Grains.Okr;

/// <summary>The OKR rows in PostgreSQL (tables from migration 0014).</summary>
public sealed class PostgresOkrStore(NpgsqlDataSource dataSource) : IOkrStore
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private static NpgsqlParameter Text(string? value) =>
        value is null ? new NpgsqlParameter { Value = DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text } : new NpgsqlParameter<string> { TypedValue = value };

    private async Task<int> ExecuteAsync(string sql, CancellationToken cancellationToken, params NpgsqlParameter[] parameters)
    {
        await using var command = dataSource.CreateCommand(sql);
        command.Parameters.AddRange(parameters);
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task<IReadOnlyList<T>> ReadAsync<T>(string sql, Func<NpgsqlDataReader, T> row, CancellationToken cancellationToken, params NpgsqlParameter[] parameters)
    {
        await using var command = dataSource.CreateCommand(sql);
        command.Parameters.AddRange(parameters);
        var rows = new List<T>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false)) rows.Add(row(reader));
        return rows;
    }

    public Task CreateCycleAsync(OkrCycle cycle, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(cycle);
        return ExecuteAsync("INSERT INTO okr_cycles (id, name, kind, start_date, end_date, status, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)", cancellationToken,
            Text(cycle.Id), Text(cycle.Name), Text(cycle.Kind), new NpgsqlParameter<DateOnly> { TypedValue = cycle.Start },
            new NpgsqlParameter<DateOnly> { TypedValue = cycle.End }, Text(cycle.Status), new NpgsqlParameter<DateTimeOffset> { TypedValue = cycle.CreatedAt.ToUniversalTime() });
    }

    public Task<IReadOnlyList<OkrCycle>> ListCyclesAsync(CancellationToken cancellationToken = default) =>
        ReadAsync("SELECT id, name, kind, start_date, end_date, status, created_at FROM okr_cycles ORDER BY start_date DESC, id", r =>
            new OkrCycle(r.GetString(0), r.GetString(1), r.GetString(2), r.GetFieldValue<DateOnly>(3), r.GetFieldValue<DateOnly>(4), r.GetString(5),
                r.GetFieldValue<DateTimeOffset>(6)), cancellationToken);

    public async Task<bool> SetCycleStatusAsync(string cycleId, string status, CancellationToken cancellationToken = default) =>
        await ExecuteAsync("UPDATE okr_cycles SET status = $1 WHERE id = $2", cancellationToken, Text(status), Text(cycleId)).ConfigureAwait(false) > 0;

    public Task AppendCheckInAsync(OkrCheckIn checkIn, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(checkIn);
        return ExecuteAsync("""
            INSERT INTO okr_check_ins (key_result_id, objective_id, value, confidence, note, author, source, at)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
            """, cancellationToken,
            Text(checkIn.KeyResultId), Text(checkIn.ObjectiveId), new NpgsqlParameter<double> { TypedValue = checkIn.Value },
            checkIn.Confidence is { } c ? new NpgsqlParameter<int> { TypedValue = c } : new NpgsqlParameter { Value = DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Integer },
            Text(checkIn.Note), Text(checkIn.Author), Text(checkIn.Source), new NpgsqlParameter<DateTimeOffset> { TypedValue = checkIn.At.ToUniversalTime() });
    }

    public Task<IReadOnlyList<OkrCheckIn>> ReadCheckInsAsync(string keyResultId, CancellationToken cancellationToken = default) =>
        ReadAsync("SELECT key_result_id, objective_id, value, confidence, note, author, source, at FROM okr_check_ins WHERE key_result_id = $1 ORDER BY id",
            r => new OkrCheckIn(r.GetString(0), r.GetString(1), r.GetDouble(2), r.IsDBNull(3) ? null : r.GetInt32(3), r.IsDBNull(4) ? null : r.GetString(4),
                r.GetString(5), r.IsDBNull(6) ? null : r.GetString(6), r.GetFieldValue<DateTimeOffset>(7)), cancellationToken, Text(keyResultId));

    public async Task SaveNodesAsync(string cycleId, IReadOnlyList<OkrGraphNode> nodes, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(nodes);
        if (nodes.Count == 0) return;
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using var batch = new NpgsqlBatch(connection, transaction);
        foreach (var node in nodes)
        {
            var command = new NpgsqlBatchCommand("""
                INSERT INTO okr_nodes (cycle_id, id, objective_id, title, progress, owners) VALUES ($1, $2, $3, $4, $5, $6)
                ON CONFLICT (cycle_id, id) DO UPDATE SET objective_id = excluded.objective_id, title = excluded.title, progress = excluded.progress, owners = excluded.owners
                """);
            command.Parameters.Add(Text(cycleId));
            command.Parameters.Add(Text(node.Id));
            command.Parameters.Add(Text(node.ObjectiveId));
            command.Parameters.Add(Text(node.Title));
            command.Parameters.Add(new NpgsqlParameter<double> { TypedValue = node.Progress });
            command.Parameters.Add(Text(JsonSerializer.Serialize(node.Owners, Json)));
            batch.BatchCommands.Add(command);
        }
        await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    public Task<IReadOnlyList<OkrGraphNode>> ReadNodesAsync(string cycleId, CancellationToken cancellationToken = default) =>
        ReadAsync("SELECT id, objective_id, title, progress, owners FROM okr_nodes WHERE cycle_id = $1 ORDER BY id",
            r => new OkrGraphNode(r.GetString(0), r.GetString(1), r.GetString(2), r.GetDouble(3), JsonSerializer.Deserialize<List<string>>(r.GetString(4), Json) ?? []),
            cancellationToken, Text(cycleId));

    public Task AddAlignmentAsync(string cycleId, OkrAlignment alignment, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(alignment);
        return ExecuteAsync("INSERT INTO okr_alignments (cycle_id, from_id, to_id) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING", cancellationToken,
            Text(cycleId), Text(alignment.From), Text(alignment.To));
    }

    public async Task<bool> RemoveAlignmentAsync(string cycleId, OkrAlignment alignment, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(alignment);
        return await ExecuteAsync("DELETE FROM okr_alignments WHERE cycle_id = $1 AND from_id = $2 AND to_id = $3", cancellationToken,
            Text(cycleId), Text(alignment.From), Text(alignment.To)).ConfigureAwait(false) > 0;
    }

    public Task<IReadOnlyList<OkrAlignment>> ReadAlignmentsAsync(string cycleId, CancellationToken cancellationToken = default) =>
        ReadAsync("SELECT from_id, to_id FROM okr_alignments WHERE cycle_id = $1 ORDER BY from_id, to_id", r => new OkrAlignment(r.GetString(0), r.GetString(1)),
            cancellationToken, Text(cycleId));

    public Task SaveProjectLinkAsync(string projectId, OkrLinkRow link, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(link);
        return ExecuteAsync("""
            INSERT INTO okr_project_links (project_id, key_result_id, link, linked_by) VALUES ($1, $2, $3, $4)
            ON CONFLICT (project_id, key_result_id) DO UPDATE SET link = excluded.link, linked_by = excluded.linked_by
            """, cancellationToken, Text(projectId), Text(link.KeyResultId), Text(JsonSerializer.Serialize(link.Link, Json)), Text(link.LinkedBy));
    }

    public Task<IReadOnlyList<OkrLinkRow>> ReadProjectLinksAsync(string projectId, CancellationToken cancellationToken = default) =>
        ReadAsync("SELECT key_result_id, link, linked_by FROM okr_project_links WHERE project_id = $1 ORDER BY key_result_id",
            r => new OkrLinkRow(r.GetString(0), JsonSerializer.Deserialize<OkrProjectLink>(r.GetString(1), Json)!, r.GetString(2)), cancellationToken, Text(projectId));
}
