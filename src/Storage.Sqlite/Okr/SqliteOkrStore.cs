using System.Globalization;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Spotter.Collab.Grains.Storage;

namespace Spotter.Collab.Grains.Okr;

/// <summary>The OKR rows in the embedded SQLite file (tables from migration 0006), on the database's own threads.</summary>
public sealed class SqliteOkrStore(SqliteDatabase database) : IOkrStore
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private static string Date(DateOnly date) => date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    private static DateOnly ParseDate(string text) => DateOnly.ParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture);

    private Task<int> Write(string sql, Action<SqliteParameterCollection> parameters, CancellationToken cancellationToken) =>
        database.WriteAsync(connection =>
        {
            using var command = connection.CreateCommand();
            command.CommandText = sql;
            parameters(command.Parameters);
            return command.ExecuteNonQuery();
        }, cancellationToken);

    private Task<IReadOnlyList<T>> Read<T>(string sql, Action<SqliteParameterCollection> parameters, Func<SqliteDataReader, T> row, CancellationToken cancellationToken) =>
        database.ReadAsync<IReadOnlyList<T>>(connection =>
        {
            using var command = connection.CreateCommand();
            command.CommandText = sql;
            parameters(command.Parameters);
            var rows = new List<T>();
            using var reader = command.ExecuteReader();
            while (reader.Read()) rows.Add(row(reader));
            return rows;
        }, cancellationToken);

    public Task CreateCycleAsync(OkrCycle cycle, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(cycle);
        return Write("INSERT INTO okr_cycles (id, name, kind, start_date, end_date, status, created_ms) VALUES ($id, $name, $kind, $start, $end, $status, $at)", p =>
        {
            p.AddWithValue("$id", cycle.Id);
            p.AddWithValue("$name", cycle.Name);
            p.AddWithValue("$kind", cycle.Kind);
            p.AddWithValue("$start", Date(cycle.Start));
            p.AddWithValue("$end", Date(cycle.End));
            p.AddWithValue("$status", cycle.Status);
            p.AddWithValue("$at", cycle.CreatedAt.ToUnixTimeMilliseconds());
        }, cancellationToken);
    }

    public Task<IReadOnlyList<OkrCycle>> ListCyclesAsync(CancellationToken cancellationToken = default) =>
        Read("SELECT id, name, kind, start_date, end_date, status, created_ms FROM okr_cycles ORDER BY start_date DESC, id", _ => { }, r =>
            new OkrCycle(r.GetString(0), r.GetString(1), r.GetString(2), ParseDate(r.GetString(3)), ParseDate(r.GetString(4)), r.GetString(5),
                DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(6))), cancellationToken);

    public Task<bool> SetCycleStatusAsync(string cycleId, string status, CancellationToken cancellationToken = default) =>
        database.WriteAsync(connection =>
        {
            using var command = connection.CreateCommand();
            command.CommandText = "UPDATE okr_cycles SET status = $status WHERE id = $id";
            command.Parameters.AddWithValue("$status", status);
            command.Parameters.AddWithValue("$id", cycleId);
            return command.ExecuteNonQuery() > 0;
        }, cancellationToken);

    public Task AppendCheckInAsync(OkrCheckIn checkIn, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(checkIn);
        return Write("""
            INSERT INTO okr_check_ins (key_result_id, objective_id, value, confidence, note, author, source, at_ms)
            VALUES ($kr, $objective, $value, $confidence, $note, $author, $source, $at)
            """, p =>
        {
            p.AddWithValue("$kr", checkIn.KeyResultId);
            p.AddWithValue("$objective", checkIn.ObjectiveId);
            p.AddWithValue("$value", checkIn.Value);
            p.AddWithValue("$confidence", (object?)checkIn.Confidence ?? DBNull.Value);
            p.AddWithValue("$note", (object?)checkIn.Note ?? DBNull.Value);
            p.AddWithValue("$author", checkIn.Author);
            p.AddWithValue("$source", (object?)checkIn.Source ?? DBNull.Value);
            p.AddWithValue("$at", checkIn.At.ToUnixTimeMilliseconds());
        }, cancellationToken);
    }

    public Task<IReadOnlyList<OkrCheckIn>> ReadCheckInsAsync(string keyResultId, CancellationToken cancellationToken = default) =>
        Read("SELECT key_result_id, objective_id, value, confidence, note, author, source, at_ms FROM okr_check_ins WHERE key_result_id = $kr ORDER BY id",
            p => p.AddWithValue("$kr", keyResultId),
            r => new OkrCheckIn(r.GetString(0), r.GetString(1), r.GetDouble(2), r.IsDBNull(3) ? null : r.GetInt32(3), r.IsDBNull(4) ? null : r.GetString(4),
                r.GetString(5), r.IsDBNull(6) ? null : r.GetString(6), DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(7))), cancellationToken);

    public Task SaveNodesAsync(string cycleId, IReadOnlyList<OkrGraphNode> nodes, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(nodes);
        if (nodes.Count == 0) return Task.CompletedTask;
        return database.WriteAsync(connection =>
        {
            using var transaction = connection.BeginTransaction();
            foreach (var node in nodes)
            {
                using var command = connection.CreateCommand();
                command.Transaction = transaction;
                command.CommandText = """
                    INSERT INTO okr_nodes (cycle_id, id, objective_id, title, progress, owners) VALUES ($cycle, $id, $objective, $title, $progress, $owners)
                    ON CONFLICT (cycle_id, id) DO UPDATE SET objective_id = excluded.objective_id, title = excluded.title, progress = excluded.progress, owners = excluded.owners
                    """;
                command.Parameters.AddWithValue("$cycle", cycleId);
                command.Parameters.AddWithValue("$id", node.Id);
                command.Parameters.AddWithValue("$objective", node.ObjectiveId);
                command.Parameters.AddWithValue("$title", node.Title);
                command.Parameters.AddWithValue("$progress", node.Progress);
                command.Parameters.AddWithValue("$owners", JsonSerializer.Serialize(node.Owners, Json));
                command.ExecuteNonQuery();
            }
            transaction.Commit();
            return true;
        }, cancellationToken);
    }

    public Task<IReadOnlyList<OkrGraphNode>> ReadNodesAsync(string cycleId, CancellationToken cancellationToken = default) =>
        Read("SELECT id, objective_id, title, progress, owners FROM okr_nodes WHERE cycle_id = $cycle ORDER BY id", p => p.AddWithValue("$cycle", cycleId),
            r => new OkrGraphNode(r.GetString(0), r.GetString(1), r.GetString(2), r.GetDouble(3), JsonSerializer.Deserialize<List<string>>(r.GetString(4), Json) ?? []),
            cancellationToken);

    public Task AddAlignmentAsync(string cycleId, OkrAlignment alignment, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(alignment);
        return Write("INSERT INTO okr_alignments (cycle_id, from_id, to_id) VALUES ($cycle, $from, $to) ON CONFLICT DO NOTHING", p =>
        {
            p.AddWithValue("$cycle", cycleId);
            p.AddWithValue("$from", alignment.From);
            p.AddWithValue("$to", alignment.To);
        }, cancellationToken);
    }

    public Task<bool> RemoveAlignmentAsync(string cycleId, OkrAlignment alignment, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(alignment);
        return database.WriteAsync(connection =>
        {
            using var command = connection.CreateCommand();
            command.CommandText = "DELETE FROM okr_alignments WHERE cycle_id = $cycle AND from_id = $from AND to_id = $to";
            command.Parameters.AddWithValue("$cycle", cycleId);
            command.Parameters.AddWithValue("$from", alignment.From);
            command.Parameters.AddWithValue("$to", alignment.To);
            return command.ExecuteNonQuery() > 0;
        }, cancellationToken);
    }

    public Task<IReadOnlyList<OkrAlignment>> ReadAlignmentsAsync(string cycleId, CancellationToken cancellationToken = default) =>
        Read("SELECT from_id, to_id FROM okr_alignments WHERE cycle_id = $cycle ORDER BY from_id, to_id", p => p.AddWithValue("$cycle", cycleId),
            r => new OkrAlignment(r.GetString(0), r.GetString(1)), cancellationToken);

    public Task SaveProjectLinkAsync(string projectId, OkrLinkRow link, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(link);
        return Write("""
            INSERT INTO okr_project_links (project_id, key_result_id, link, linked_by) VALUES ($project, $kr, $link, $by)
            ON CONFLICT (project_id, key_result_id) DO UPDATE SET link = excluded.link, linked_by = excluded.linked_by
            """, p =>
        {
            p.AddWithValue("$project", projectId);
            p.AddWithValue("$kr", link.KeyResultId);
            p.AddWithValue("$link", JsonSerializer.Serialize(link.Link, Json));
            p.AddWithValue("$by", link.LinkedBy);
        }, cancellationToken);
    }

    public Task<IReadOnlyList<OkrLinkRow>> ReadProjectLinksAsync(string projectId, CancellationToken cancellationToken = default) =>
        Read("SELECT key_result_id, link, linked_by FROM okr_project_links WHERE project_id = $project ORDER BY key_result_id", p => p.AddWithValue("$project", projectId),
            r => new OkrLinkRow(r.GetString(0), JsonSerializer.Deserialize<OkrProjectLink>(r.GetString(1), Json)!, r.GetString(2)), cancellationToken);
}
