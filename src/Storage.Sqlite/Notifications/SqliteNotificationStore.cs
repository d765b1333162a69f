using System.Globalization;
using Microsoft.Data.Sqlite;
using Spotter.Collab.Grains.Storage;

namespace Spotter.Collab.Grains.Notifications;

/// <summary>Notifications in the embedded SQLite file (table from migration 0006), on the database's own threads.</summary>
public sealed class SqliteNotificationStore(SqliteDatabase database) : INotificationStore
{
    private const string Columns = "recipient, sequence, kind, resource_id, anchor, actor, snippet, created_at, read";

    public Task AddAsync(Notification notification, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(notification);
        return database.WriteAsync(connection =>
        {
            using var insert = connection.CreateCommand();
            insert.CommandText = $"INSERT INTO notifications ({Columns}) VALUES ($r, $s, $kind, $resource, $anchor, $actor, $snippet, $at, $read)";
            insert.Parameters.AddWithValue("$r", notification.Recipient);
            insert.Parameters.AddWithValue("$s", notification.Sequence);
            insert.Parameters.AddWithValue("$kind", notification.Kind);
            insert.Parameters.AddWithValue("$resource", notification.ResourceId);
            insert.Parameters.AddWithValue("$anchor", (object?)notification.Anchor ?? DBNull.Value);
            insert.Parameters.AddWithValue("$actor", notification.Actor);
            insert.Parameters.AddWithValue("$snippet", notification.Snippet);
            insert.Parameters.AddWithValue("$at", notification.CreatedAt.ToUnixTimeMilliseconds());
            insert.Parameters.AddWithValue("$read", notification.Read ? 1 : 0);
            return insert.ExecuteNonQuery();
        }, cancellationToken);
    }

    public Task<long> LastSequenceAsync(string recipient, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(recipient);
        return database.ReadAsync(connection =>
        {
            using var select = connection.CreateCommand();
            select.CommandText = "SELECT COALESCE(MAX(sequence), 0) FROM notifications WHERE recipient = $r";
            select.Parameters.AddWithValue("$r", recipient);
            return Convert.ToInt64(select.ExecuteScalar(), CultureInfo.InvariantCulture);
        }, cancellationToken);
    }

    public Task<IReadOnlyList<Notification>> ListAsync(string recipient, long? before, int limit, bool unreadOnly, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(recipient);
        return database.ReadAsync<IReadOnlyList<Notification>>(connection =>
        {
            using var select = connection.CreateCommand();
            select.CommandText = $"""
                SELECT {Columns} FROM notifications
                WHERE recipient = $r AND ($before IS NULL OR sequence < $before) AND ($unread = 0 OR read = 0)
                ORDER BY sequence DESC LIMIT $limit
                """;
            select.Parameters.AddWithValue("$r", recipient);
            select.Parameters.AddWithValue("$before", (object?)before ?? DBNull.Value);
            select.Parameters.AddWithValue("$unread", unreadOnly ? 1 : 0);
            select.Parameters.AddWithValue("$limit", Math.Max(1, limit));
            var rows = new List<Notification>();
            using var reader = select.ExecuteReader();
            while (reader.Read())
            {
                rows.Add(new Notification(reader.GetString(0), reader.GetInt64(1), reader.GetString(2), reader.GetString(3),
                    reader.IsDBNull(4) ? null : reader.GetString(4), reader.GetString(5), reader.GetString(6),
                    DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(7)), reader.GetInt64(8) != 0));
            }
            return rows;
        }, cancellationToken);
    }

    public Task<int> MarkReadAsync(string recipient, IReadOnlyList<long> sequences, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(recipient);
        ArgumentNullException.ThrowIfNull(sequences);
        if (sequences.Count == 0) return Task.FromResult(0);
        return database.WriteAsync(connection =>
        {
            using var transaction = connection.BeginTransaction();
            var changed = 0;
            foreach (var sequence in sequences)
            {
                using var update = connection.CreateCommand();
                update.Transaction = transaction;
                update.CommandText = "UPDATE notifications SET read = 1 WHERE recipient = $r AND sequence = $s AND read = 0";
                update.Parameters.AddWithValue("$r", recipient);
                update.Parameters.AddWithValue("$s", sequence);
                changed += update.ExecuteNonQuery();
            }
            transaction.Commit();
            return changed;
        }, cancellationToken);
    }

    public Task<int> MarkAllReadAsync(string recipient, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(recipient);
        return database.WriteAsync(connection =>
        {
            using var update = connection.CreateCommand();
            update.CommandText = "UPDATE notifications SET read = 1 WHERE recipient = $r AND read = 0";
            update.Parameters.AddWithValue("$r", recipient);
            return update.ExecuteNonQuery();
        }, cancellationToken);
    }
}
