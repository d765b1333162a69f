using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Spotter.Collab.Grains.Storage;

/// <summary>
/// SQLite document store on the shared group-commit loop (<see cref="GroupCommitDocumentStore"/>): the database's
/// writer thread and connection, one transaction per batch. Sequence numbers come from the table's AUTOINCREMENT key.
/// </summary>
public sealed class SqliteDocumentStore(SqliteDatabase database, IOptions<SqliteStoreOptions> options, ILogger<SqliteDocumentStore> logger)
    : GroupCommitDocumentStore((options ?? throw new ArgumentNullException(nameof(options))).Value.MaxBatchSize, logger)
{
    public override Task<StoredDocument> LoadAsync(string documentId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(documentId);
        return database.ReadAsync(connection => Load(connection, documentId), cancellationToken);
    }

    private static StoredDocument Load(SqliteConnection connection, string documentId)
    {
        // One read transaction so the snapshot and the tail are consistent with each other.
        using var transaction = connection.BeginTransaction(deferred: true);
        byte[]? snapshot = null;
        long snapshotSequence = 0;
        using (var select = connection.CreateCommand())
        {
            select.Transaction = transaction;
            select.CommandText = "SELECT seq, data FROM doc_snapshots WHERE doc_id = $doc";
            select.Parameters.AddWithValue("$doc", documentId);
            using var reader = select.ExecuteReader();
            if (reader.Read())
            {
                snapshotSequence = reader.GetInt64(0);
                snapshot = (byte[])reader.GetValue(1);
            }
        }
        var tail = new List<StoredUpdate>();
        using (var select = connection.CreateCommand())
        {
            select.Transaction = transaction;
            select.CommandText = "SELECT seq, data FROM doc_updates WHERE doc_id = $doc AND seq > $after ORDER BY seq";
            select.Parameters.AddWithValue("$doc", documentId);
            select.Parameters.AddWithValue("$after", snapshotSequence);
            using var reader = select.ExecuteReader();
            while (reader.Read())
            {
                tail.Add(new StoredUpdate(reader.GetInt64(0), (byte[])reader.GetValue(1)));
            }
        }
        transaction.Commit();
        return new StoredDocument(snapshot, snapshotSequence, tail);
    }

    // The group-commit loop only awaits here; the transaction runs on the database's writer thread.
    protected override Task CommitBatchAsync(IReadOnlyList<StoreWrite> batch) =>
        database.WriteAsync(connection =>
        {
            CommitBatch(connection, batch);
            return true;
        });

    private static void CommitBatch(SqliteConnection connection, IReadOnlyList<StoreWrite> batch)
    {
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
    }

    protected override bool IsStoreFailure(Exception exception) =>
        exception is SqliteException or InvalidOperationException or IOException;
}
