using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Spotter.Collab.Grains.Storage;

/// <summary>
/// SQLite document store on the shared group-commit loop (<see cref="GroupCommitDocumentStore"/>): one writer
/// connection, one transaction per batch. Sequence numbers come from the table's AUTOINCREMENT key.
/// </summary>
public sealed class SqliteDocumentStore(SqliteDatabase database, IOptions<SqliteStoreOptions> options, ILogger<SqliteDocumentStore> logger)
    : GroupCommitDocumentStore((options ?? throw new ArgumentNullException(nameof(options))).Value.MaxBatchSize, logger)
{
    // Used only by the writer loop.
    private SqliteConnection? _writerConnection;

    public override async Task<StoredDocument> LoadAsync(string documentId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(documentId);
        await using var connection = database.Open();
        // One read transaction so the snapshot and the tail are consistent with each other.
        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        byte[]? snapshot = null;
        long snapshotSequence = 0;
        await using (var select = connection.CreateCommand())
        {
            select.Transaction = transaction;
            select.CommandText = "SELECT seq, data FROM doc_snapshots WHERE doc_id = $doc";
            select.Parameters.AddWithValue("$doc", documentId);
            await using var reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            if (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                snapshotSequence = reader.GetInt64(0);
                snapshot = (byte[])reader.GetValue(1);
            }
        }
        var tail = new List<StoredUpdate>();
        await using (var select = connection.CreateCommand())
        {
            select.Transaction = transaction;
            select.CommandText = "SELECT seq, data FROM doc_updates WHERE doc_id = $doc AND seq > $after ORDER BY seq";
            select.Parameters.AddWithValue("$doc", documentId);
            select.Parameters.AddWithValue("$after", snapshotSequence);
            await using var reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                tail.Add(new StoredUpdate(reader.GetInt64(0), (byte[])reader.GetValue(1)));
            }
        }
        return new StoredDocument(snapshot, snapshotSequence, tail);
    }

    protected override Task CommitBatchAsync(IReadOnlyList<StoreWrite> batch)
    {
        // SQLite commits are synchronous file I/O; the writer loop is already off the callers' threads.
        var connection = _writerConnection ??= database.Open();
        using var transaction = connection.BeginTransaction();
        using var insert = connection.CreateCommand();
        insert.Transaction = transaction;
        insert.CommandText = "INSERT INTO doc_updates(doc_id, data) VALUES ($doc, $data) RETURNING seq";
        var insertDoc = insert.Parameters.Add("$doc", SqliteType.Text);
        var insertData = insert.Parameters.Add("$data", SqliteType.Blob);
        foreach (var write in batch)
        {
            switch (write)
            {
                case AppendWrite append:
                    insertDoc.Value = append.DocumentId;
                    insertData.Value = append.Update;
                    append.Sequence = (long)insert.ExecuteScalar()!;
                    break;
                case CompactWrite compact:
                    using (var command = connection.CreateCommand())
                    {
                        command.Transaction = transaction;
                        command.CommandText = """
                            INSERT INTO doc_snapshots(doc_id, seq, data) VALUES ($doc, $seq, $data)
                                ON CONFLICT(doc_id) DO UPDATE SET seq = excluded.seq, data = excluded.data
                                WHERE excluded.seq >= doc_snapshots.seq;
                            DELETE FROM doc_updates WHERE doc_id = $doc AND seq <= $seq;
                            """;
                        command.Parameters.AddWithValue("$doc", compact.DocumentId);
                        command.Parameters.AddWithValue("$seq", compact.UpToSequence);
                        command.Parameters.AddWithValue("$data", compact.Snapshot);
                        command.ExecuteNonQuery();
                    }
                    break;
            }
        }
        transaction.Commit();
        return Task.CompletedTask;
    }

    protected override bool IsStoreFailure(Exception exception) =>
        exception is SqliteException or InvalidOperationException or IOException;

    protected override void ResetAfterFailure()
    {
        _writerConnection?.Dispose();
        _writerConnection = null;
    }

    protected override ValueTask ReleaseResourcesAsync()
    {
        ResetAfterFailure();
        return ValueTask.CompletedTask;
    }
}
