using Npgsql;
using NpgsqlTypes;

namespace Spotter.Collab.Grains.Notifications;

/// <summary>Notifications in PostgreSQL (table from migration 0014).</summary>
public sealed class PostgresNotificationStore(NpgsqlDataSource dataSource) : INotificationStore
{
    private const string Columns = "recipient, sequence, kind, resource_id, anchor, actor, snippet, created_at, read";

    public async Task AddAsync(Notification notification, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(notification);
        await using var insert = dataSource.CreateCommand($"INSERT INTO notifications ({Columns}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)");
        insert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = notification.Recipient });
        insert.Parameters.Add(new NpgsqlParameter<long> { TypedValue = notification.Sequence });
        insert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = notification.Kind });
        insert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = notification.ResourceId });
        insert.Parameters.Add(notification.Anchor is { } anchor
            ? new NpgsqlParameter<string> { TypedValue = anchor }
            : new NpgsqlParameter { Value = DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        insert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = notification.Actor });
        insert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = notification.Snippet });
        insert.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = notification.CreatedAt.ToUniversalTime() });
        insert.Parameters.Add(new NpgsqlParameter<bool> { TypedValue = notification.Read });
        await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task<long> LastSequenceAsync(string recipient, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(recipient);
        await using var select = dataSource.CreateCommand("SELECT COALESCE(MAX(sequence), 0) FROM notifications WHERE recipient = $1");
        select.Parameters.Add(new NpgsqlParameter<string> { TypedValue = recipient });
        return (long)(await select.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    public async Task<IReadOnlyList<Notification>> ListAsync(string recipient, long? before, int limit, bool unreadOnly, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(recipient);
        await using var select = dataSource.CreateCommand($"""
            SELECT {Columns} FROM notifications
            WHERE recipient = $1 AND ($2::bigint IS NULL OR sequence < $2) AND (NOT $3 OR NOT read)
            ORDER BY sequence DESC LIMIT $4
            """);
        select.Parameters.Add(new NpgsqlParameter<string> { TypedValue = recipient });
        select.Parameters.Add(before is { } b ? new NpgsqlParameter<long> { TypedValue = b } : new NpgsqlParameter { Value = DBNull.Value, NpgsqlDbType = NpgsqlDbType.Bigint });
        select.Parameters.Add(new NpgsqlParameter<bool> { TypedValue = unreadOnly });
        select.Parameters.Add(new NpgsqlParameter<int> { TypedValue = Math.Max(1, limit) });
        var rows = new List<Notification>();
        await using var reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            rows.Add(new Notification(reader.GetString(0), reader.GetInt64(1), reader.GetString(2), reader.GetString(3),
                reader.IsDBNull(4) ? null : reader.GetString(4), reader.GetString(5), reader.GetString(6),
                reader.GetFieldValue<DateTimeOffset>(7), reader.GetBoolean(8)));
        }
        return rows;
    }

    public async Task<int> MarkReadAsync(string recipient, IReadOnlyList<long> sequences, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(recipient);
        ArgumentNullException.ThrowIfNull(sequences);
        if (sequences.Count == 0) return 0;
        await using var update = dataSource.CreateCommand("UPDATE notifications SET read = true WHERE recipient = $1 AND sequence = ANY($2) AND NOT read");
        update.Parameters.Add(new NpgsqlParameter<string> { TypedValue = recipient });
        update.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = sequences.ToArray() });
        return await update.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task<int> MarkAllReadAsync(string recipient, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(recipient);
        await using var update = dataSource.CreateCommand("UPDATE notifications SET read = true WHERE recipient = $1 AND NOT read");
        update.Parameters.Add(new NpgsqlParameter<string> { TypedValue = recipient });
        return await update.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}
