using System.Data;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;

namespace Spotter.Collab.Grains.Storage;

/// <summary>
/// PostgreSQL document store (tables <c>doc_updates</c> / <c>doc_snapshots</c>) on the shared group-commit loop:
/// each batch is one transaction, its consecutive appends sent as one <see cref="NpgsqlBatch"/> round trip.
/// Sequence numbers come from the <c>doc_updates_seq</c> database sequence, so every silo can append.
/// </summary>
public sealed class PostgresDocumentStore(NpgsqlDataSource dataSource, IOptions<PostgresStoreOptions> options, ILogger<PostgresDocumentStore> logger)
    : GroupCommitDocumentStore((options ?? throw new ArgumentNullException(nameof(options))).Value.MaxBatchSize, logger)
{
    private const string InsertUpdate = "INSERT INTO doc_updates (doc_id, data) VALUES ($1, $2) RETURNING seq";

    private const string UpsertSnapshot = """
        INSERT INTO doc_snapshots (doc_id, upto_seq, data) VALUES ($1, $2, $3)
            ON CONFLICT (doc_id) DO UPDATE SET upto_seq = excluded.upto_seq, data = excluded.data
            WHERE excluded.upto_seq >= doc_snapshots.upto_seq
        """;

    private const string DeleteCovered = "DELETE FROM doc_updates WHERE doc_id = $1 AND seq <= $2";

    public override async Task<StoredDocument> LoadAsync(string documentId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(documentId);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        // Repeatable read: both statements see one snapshot, so a compaction committing in between cannot drop
        // log entries the (older) snapshot we read does not cover.
        await using var transaction = await connection.BeginTransactionAsync(IsolationLevel.RepeatableRead, cancellationToken).ConfigureAwait(false);
        byte[]? snapshot = null;
        long snapshotSequence = 0;
        await using (var select = new NpgsqlCommand("SELECT upto_seq, data FROM doc_snapshots WHERE doc_id = $1", connection, transaction))
        {
            select.Parameters.Add(new NpgsqlParameter<string> { TypedValue = documentId });
            await using var reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            if (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                snapshotSequence = reader.GetInt64(0);
                snapshot = reader.GetFieldValue<byte[]>(1);
            }
        }
        var tail = new List<StoredUpdate>();
        await using (var select = new NpgsqlCommand("SELECT seq, data FROM doc_updates WHERE doc_id = $1 AND seq > $2 ORDER BY seq", connection, transaction))
        {
            select.Parameters.Add(new NpgsqlParameter<string> { TypedValue = documentId });
            select.Parameters.Add(new NpgsqlParameter<long> { TypedValue = snapshotSequence });
            await using var reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                tail.Add(new StoredUpdate(reader.GetInt64(0), reader.GetFieldValue<byte[]>(1)));
            }
        }
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return new StoredDocument(snapshot, snapshotSequence, tail);
    }

    protected override async Task CommitBatchAsync(IReadOnlyList<StoreWrite> batch)
    {
        await using var connection = await dataSource.OpenConnectionAsync().ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync().ConfigureAwait(false);
        var appends = new List<AppendWrite>();
        foreach (var write in batch)
        {
            switch (write)
            {
                case AppendWrite append:
                    appends.Add(append);
                    break;
                case CompactWrite compact:
                    // Keep queue order: appends queued before this compaction are written first.
                    await InsertAsync(connection, transaction, appends).ConfigureAwait(false);
                    await CompactAsync(connection, transaction, compact).ConfigureAwait(false);
                    break;
            }
        }
        await InsertAsync(connection, transaction, appends).ConfigureAwait(false);
        await transaction.CommitAsync().ConfigureAwait(false);
    }

    private static async Task InsertAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, List<AppendWrite> appends)
    {
        if (appends.Count == 0) return;
        await using var insert = new NpgsqlBatch(connection, transaction);
        foreach (var append in appends)
        {
            var command = new NpgsqlBatchCommand(InsertUpdate);
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = append.DocumentId });
            command.Parameters.Add(new NpgsqlParameter<byte[]> { TypedValue = append.Update, NpgsqlDbType = NpgsqlDbType.Bytea });
            insert.BatchCommands.Add(command);
        }
        await using (var reader = await insert.ExecuteReaderAsync().ConfigureAwait(false))
        {
            // One single-row result per command, in command order.
            foreach (var append in appends)
            {
                if (!await reader.ReadAsync().ConfigureAwait(false)) throw new InvalidOperationException("INSERT ... RETURNING seq returned no row");
                append.Sequence = reader.GetInt64(0);
                await reader.NextResultAsync().ConfigureAwait(false);
            }
        }
        appends.Clear();
    }

    private static async Task CompactAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CompactWrite compact)
    {
        await using var batch = new NpgsqlBatch(connection, transaction);
        var upsert = new NpgsqlBatchCommand(UpsertSnapshot);
        upsert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = compact.DocumentId });
        upsert.Parameters.Add(new NpgsqlParameter<long> { TypedValue = compact.UpToSequence });
        upsert.Parameters.Add(new NpgsqlParameter<byte[]> { TypedValue = compact.Snapshot, NpgsqlDbType = NpgsqlDbType.Bytea });
        batch.BatchCommands.Add(upsert);
        var delete = new NpgsqlBatchCommand(DeleteCovered);
        delete.Parameters.Add(new NpgsqlParameter<string> { TypedValue = compact.DocumentId });
        delete.Parameters.Add(new NpgsqlParameter<long> { TypedValue = compact.UpToSequence });
        batch.BatchCommands.Add(delete);
        await batch.ExecuteNonQueryAsync().ConfigureAwait(false);
    }

    // Connections come from the data source's pool per batch; a broken one is discarded by the pool.
    protected override bool IsStoreFailure(Exception exception) =>
        exception is NpgsqlException or InvalidOperationException or IOException or TimeoutException;
}
