using System.Text;
using Npgsql;

namespace Spotter.Collab.Grains.Audit;

/// <summary>The audit log in PostgreSQL (table from migration 0006), shared by every web host and silo.</summary>
public sealed class PostgresAuditLog(NpgsqlDataSource dataSource, TimeProvider? time = null) : IAuditLog
{
    private readonly TimeProvider _time = time ?? TimeProvider.System;

    public async Task AppendAsync(AuditEntry entry, CancellationToken cancellationToken = default)
    {
        AuditValidation.Check(entry);
        await using var insert = dataSource.CreateCommand(
            "INSERT INTO audit_log (at, actor, action, target, detail, source) VALUES ($1, $2, $3, $4, $5, $6)");
        insert.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = (entry.Time ?? _time.GetUtcNow()).ToUniversalTime() });
        insert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = entry.Actor });
        insert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = entry.Action });
        insert.Parameters.Add(Nullable(entry.Target));
        insert.Parameters.Add(Nullable(entry.Detail));
        insert.Parameters.Add(Nullable(entry.SourceAddress));
        await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<StoredAuditEntry>> QueryAsync(AuditQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        await using var select = dataSource.CreateCommand();
        var where = new StringBuilder("WHERE true");
        void Filter(string column, string op, NpgsqlParameter value)
        {
            select.Parameters.Add(value);
            where.Append(" AND ").Append(column).Append(' ').Append(op).Append(" $").Append(select.Parameters.Count);
        }
        if (query.Actor is not null) Filter("actor", "=", new NpgsqlParameter<string> { TypedValue = query.Actor });
        if (query.Action is not null) Filter("action", "=", new NpgsqlParameter<string> { TypedValue = query.Action });
        if (query.Target is not null) Filter("target", "=", new NpgsqlParameter<string> { TypedValue = query.Target });
        if (query.From is { } from) Filter("at", ">=", new NpgsqlParameter<DateTimeOffset> { TypedValue = from.ToUniversalTime() });
        if (query.To is { } to) Filter("at", "<", new NpgsqlParameter<DateTimeOffset> { TypedValue = to.ToUniversalTime() });
        if (query.Before is { } before) Filter("seq", "<", new NpgsqlParameter<long> { TypedValue = before });
        select.Parameters.Add(new NpgsqlParameter<int> { TypedValue = AuditValidation.ClampLimit(query.Limit) });
        select.CommandText = $"SELECT seq, at, actor, action, target, detail, source FROM audit_log {where} ORDER BY seq DESC LIMIT ${select.Parameters.Count}";
        var entries = new List<StoredAuditEntry>();
        await using var reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            entries.Add(new StoredAuditEntry(
                reader.GetInt64(0),
                reader.GetFieldValue<DateTimeOffset>(1),
                reader.GetString(2),
                reader.GetString(3),
                reader.IsDBNull(4) ? null : reader.GetString(4),
                reader.IsDBNull(5) ? null : reader.GetString(5),
                reader.IsDBNull(6) ? null : reader.GetString(6)));
        }
        return entries;
    }

    private static NpgsqlParameter Nullable(string? value) =>
        value is null ? new NpgsqlParameter { Value = DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text } : new NpgsqlParameter<string> { TypedValue = value };
}
