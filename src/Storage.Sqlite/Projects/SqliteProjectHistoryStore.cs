using Microsoft.Data.Sqlite;
using Spotter.Collab.Grains.Storage;

namespace Spotter.Collab.Grains.Projects;

/// <summary>Project history in the embedded SQLite file (table from migration 0004), on the database's own threads.</summary>
public sealed class SqliteProjectHistoryStore(SqliteDatabase database) : IProjectHistoryStore
{
    private const string Columns = "project_id, sequence, type, actor, at_ms, item_id, item_title, node_key, field, from_value, to_value, reason, depth";

    public Task AppendAsync(IReadOnlyList<ProjectEvent> events, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(events);
        if (events.Count == 0) return Task.CompletedTask;
        return database.WriteAsync(connection =>
        {
            using var transaction = connection.BeginTransaction();
            foreach (var e in events)
            {
                using var insert = connection.CreateCommand();
                insert.Transaction = transaction;
                insert.CommandText = $"INSERT INTO project_history ({Columns}) VALUES ($p, $s, $type, $actor, $at, $item, $title, $node, $field, $from, $to, $reason, $depth)";
                insert.Parameters.AddWithValue("$p", e.ProjectId);
                insert.Parameters.AddWithValue("$s", e.Sequence);
                insert.Parameters.AddWithValue("$type", e.Type);
                insert.Parameters.AddWithValue("$actor", e.Actor);
                insert.Parameters.AddWithValue("$at", e.At.ToUnixTimeMilliseconds());
                insert.Parameters.AddWithValue("$item", (object?)e.ItemId ?? DBNull.Value);
                insert.Parameters.AddWithValue("$title", (object?)e.ItemTitle ?? DBNull.Value);
                insert.Parameters.AddWithValue("$node", (object?)e.NodeKey ?? DBNull.Value);
                insert.Parameters.AddWithValue("$field", (object?)e.Field ?? DBNull.Value);
                insert.Parameters.AddWithValue("$from", (object?)e.From ?? DBNull.Value);
                insert.Parameters.AddWithValue("$to", (object?)e.To ?? DBNull.Value);
                insert.Parameters.AddWithValue("$reason", (object?)e.Reason ?? DBNull.Value);
                insert.Parameters.AddWithValue("$depth", e.Depth);
                insert.ExecuteNonQuery();
            }
            transaction.Commit();
            return true;
        }, cancellationToken);
    }

    public Task<long> LastSequenceAsync(string projectId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(projectId);
        return database.ReadAsync(connection =>
        {
            using var select = connection.CreateCommand();
            select.CommandText = "SELECT COALESCE(MAX(sequence), 0) FROM project_history WHERE project_id = $p";
            select.Parameters.AddWithValue("$p", projectId);
            return Convert.ToInt64(select.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
        }, cancellationToken);
    }

    public Task<IReadOnlyList<ProjectEvent>> ReadAsync(string projectId, string? itemId, long? before, int limit, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(projectId);
        return database.ReadAsync<IReadOnlyList<ProjectEvent>>(connection =>
        {
            using var select = connection.CreateCommand();
            select.CommandText = $"""
                SELECT {Columns} FROM project_history
                WHERE project_id = $p AND ($item IS NULL OR item_id = $item) AND ($before IS NULL OR sequence < $before)
                ORDER BY sequence DESC LIMIT $limit
                """;
            select.Parameters.AddWithValue("$p", projectId);
            select.Parameters.AddWithValue("$item", (object?)itemId ?? DBNull.Value);
            select.Parameters.AddWithValue("$before", (object?)before ?? DBNull.Value);
            select.Parameters.AddWithValue("$limit", ProjectHistory.ClampLimit(limit));
            var events = new List<ProjectEvent>();
            using var reader = select.ExecuteReader();
            while (reader.Read()) events.Add(Read(reader));
            return events;
        }, cancellationToken);
    }

    private static ProjectEvent Read(SqliteDataReader reader)
    {
        string? Nullable(int i) => reader.IsDBNull(i) ? null : reader.GetString(i);
        return new ProjectEvent(reader.GetString(0), reader.GetInt64(1), reader.GetString(2), reader.GetString(3),
            DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(4)), Nullable(5), Nullable(6), Nullable(7), Nullable(8), Nullable(9), Nullable(10),
            Nullable(11), reader.GetInt32(12));
    }
}
