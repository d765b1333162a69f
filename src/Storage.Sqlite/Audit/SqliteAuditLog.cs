using System.Globalization;
using System.Text;
using Microsoft.Data.Sqlite;
using Spotter.Collab.Grains.Storage;

namespace Spotter.Collab.Grains.Audit;

/// <summary>The audit log in the embedded SQLite file: one durable INSERT per entry (on the database's writer thread); the table has no update path.</summary>
public sealed class SqliteAuditLog : IAuditLog
{
    private readonly SqliteDatabase _database;
    private readonly TimeProvider _time;

    public SqliteAuditLog(SqliteDatabase database, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(database);
        _database = database;
        _time = time ?? TimeProvider.System;
    }

    public Task AppendAsync(AuditEntry entry, CancellationToken cancellationToken = default)
    {
        AuditValidation.Check(entry);
        var at = (entry.Time ?? _time.GetUtcNow()).ToUnixTimeMilliseconds();
        return _database.WriteAsync(connection => Append(connection, entry, at), cancellationToken);
    }

    private static int Append(SqliteConnection connection, AuditEntry entry, long at)
    {
        using var insert = connection.CreateCommand();
        insert.CommandText = "INSERT INTO audit_log(at_ms, actor, action, target, detail, source) VALUES ($at, $actor, $action, $target, $detail, $source)";
        insert.Parameters.AddWithValue("$at", at);
        insert.Parameters.AddWithValue("$actor", entry.Actor);
        insert.Parameters.AddWithValue("$action", entry.Action);
        insert.Parameters.AddWithValue("$target", (object?)entry.Target ?? DBNull.Value);
        insert.Parameters.AddWithValue("$detail", (object?)entry.Detail ?? DBNull.Value);
        insert.Parameters.AddWithValue("$source", (object?)entry.SourceAddress ?? DBNull.Value);
        return insert.ExecuteNonQuery();
    }

    public Task<IReadOnlyList<StoredAuditEntry>> QueryAsync(AuditQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        return _database.ReadAsync<IReadOnlyList<StoredAuditEntry>>(connection => Query(connection, query), cancellationToken);
    }

    private static List<StoredAuditEntry> Query(SqliteConnection connection, AuditQuery query)
    {
        using var select = connection.CreateCommand();
        var where = new StringBuilder("WHERE 1=1");
        if (query.Actor is not null) { where.Append(" AND actor = $actor"); select.Parameters.AddWithValue("$actor", query.Actor); }
        if (query.Action is not null) { where.Append(" AND action = $action"); select.Parameters.AddWithValue("$action", query.Action); }
        if (query.Target is not null) { where.Append(" AND target = $target"); select.Parameters.AddWithValue("$target", query.Target); }
        if (query.From is { } from) { where.Append(" AND at_ms >= $from"); select.Parameters.AddWithValue("$from", from.ToUnixTimeMilliseconds()); }
        if (query.To is { } to) { where.Append(" AND at_ms < $to"); select.Parameters.AddWithValue("$to", to.ToUnixTimeMilliseconds()); }
        if (query.Before is { } before) { where.Append(" AND seq < $before"); select.Parameters.AddWithValue("$before", before); }
        select.CommandText = string.Create(CultureInfo.InvariantCulture,
            $"SELECT seq, at_ms, actor, action, target, detail, source FROM audit_log {where} ORDER BY seq DESC LIMIT $limit");
        select.Parameters.AddWithValue("$limit", AuditValidation.ClampLimit(query.Limit));
        var entries = new List<StoredAuditEntry>();
        using var reader = select.ExecuteReader();
        while (reader.Read())
        {
            entries.Add(new StoredAuditEntry(
                reader.GetInt64(0),
                DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(1)),
                reader.GetString(2),
                reader.GetString(3),
                reader.IsDBNull(4) ? null : reader.GetString(4),
                reader.IsDBNull(5) ? null : reader.GetString(5),
                reader.IsDBNull(6) ? null : reader.GetString(6)));
        }
        return entries;
    }
}
