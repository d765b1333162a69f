using System.Threading.Channels;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Spotter.Collab.Grains.Storage;

/// <summary>
/// SQLite document store with group commit: every append from every document goes through one queue; a single
/// writer loop takes whatever is queued, commits it in one transaction and only then completes the callers' tasks.
/// Under load many appends share one fsync; when idle an append still commits at once.
/// </summary>
public sealed partial class SqliteDocumentStore : IDocumentStore, IAsyncDisposable
{
    private readonly SqliteDatabase _database;
    private readonly ILogger<SqliteDocumentStore> _logger;
    private readonly int _maxBatchSize;
    private readonly Channel<WriteOperation> _queue = Channel.CreateUnbounded<WriteOperation>(
        new UnboundedChannelOptions { SingleReader = true, AllowSynchronousContinuations = false });
    private readonly Task _writer;
    private long _batchesCommitted;
    private long _updatesCommitted;

    public SqliteDocumentStore(SqliteDatabase database, IOptions<SqliteStoreOptions> options, ILogger<SqliteDocumentStore> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _database = database;
        _logger = logger;
        _maxBatchSize = Math.Max(1, options.Value.MaxBatchSize);
        _writer = Task.Run(WriterLoopAsync);
    }

    /// <summary>Transactions the writer loop has committed (group-commit batches).</summary>
    public long BatchesCommitted => Interlocked.Read(ref _batchesCommitted);

    /// <summary>Updates made durable so far.</summary>
    public long UpdatesCommitted => Interlocked.Read(ref _updatesCommitted);

    public Task<long> AppendAsync(string documentId, ReadOnlyMemory<byte> update, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(documentId);
        var operation = new AppendOperation(documentId, update.ToArray());
        // Enqueued synchronously, so appends issued in order by one grain turn commit in that order.
        ObjectDisposedException.ThrowIf(!_queue.Writer.TryWrite(operation), this);
        return operation.Completion.Task.WaitAsync(cancellationToken);
    }

    public Task CompactAsync(string documentId, ReadOnlyMemory<byte> snapshot, long upToSequence, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(documentId);
        var operation = new CompactOperation(documentId, snapshot.ToArray(), upToSequence);
        ObjectDisposedException.ThrowIf(!_queue.Writer.TryWrite(operation), this);
        return operation.Completion.Task.WaitAsync(cancellationToken);
    }

    public async Task<StoredDocument> LoadAsync(string documentId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(documentId);
        await using var connection = _database.Open();
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

    private async Task WriterLoopAsync()
    {
        var batch = new List<WriteOperation>(_maxBatchSize);
        SqliteConnection? connection = null;
        try
        {
            while (await _queue.Reader.WaitToReadAsync().ConfigureAwait(false))
            {
                batch.Clear();
                while (batch.Count < _maxBatchSize && _queue.Reader.TryRead(out var operation)) batch.Add(operation);
                if (batch.Count == 0) continue;
                try
                {
                    connection ??= _database.Open();
                    Commit(connection, batch);
                }
                catch (Exception ex) when (ex is SqliteException or InvalidOperationException or IOException)
                {
                    LogBatchFailed(ex, batch.Count);
                    connection?.Dispose();
                    connection = null;
                    foreach (var operation in batch) operation.Fail(ex);
                    continue;
                }
                Interlocked.Increment(ref _batchesCommitted);
                foreach (var operation in batch) operation.Complete();
            }
        }
        finally
        {
            connection?.Dispose();
        }
    }

    private void Commit(SqliteConnection connection, List<WriteOperation> batch)
    {
        using var transaction = connection.BeginTransaction();
        using var insert = connection.CreateCommand();
        insert.Transaction = transaction;
        insert.CommandText = "INSERT INTO doc_updates(doc_id, data) VALUES ($doc, $data) RETURNING seq";
        var insertDoc = insert.Parameters.Add("$doc", SqliteType.Text);
        var insertData = insert.Parameters.Add("$data", SqliteType.Blob);
        var appended = 0;
        foreach (var operation in batch)
        {
            switch (operation)
            {
                case AppendOperation append:
                    insertDoc.Value = append.DocumentId;
                    insertData.Value = append.Update;
                    append.Sequence = (long)insert.ExecuteScalar()!;
                    appended++;
                    break;
                case CompactOperation compact:
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
        Interlocked.Add(ref _updatesCommitted, appended);
    }

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _writer.ConfigureAwait(false);
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Group commit of {Count} operations failed")]
    private partial void LogBatchFailed(Exception exception, int count);

    private abstract class WriteOperation
    {
        public abstract void Complete();
        public abstract void Fail(Exception exception);
    }

    private sealed class AppendOperation(string documentId, byte[] update) : WriteOperation
    {
        public string DocumentId { get; } = documentId;
        public byte[] Update { get; } = update;
        public long Sequence { get; set; }
        public TaskCompletionSource<long> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public override void Complete() => Completion.TrySetResult(Sequence);
        public override void Fail(Exception exception) => Completion.TrySetException(exception);
    }

    private sealed class CompactOperation(string documentId, byte[] snapshot, long upToSequence) : WriteOperation
    {
        public string DocumentId { get; } = documentId;
        public byte[] Snapshot { get; } = snapshot;
        public long UpToSequence { get; } = upToSequence;
        public TaskCompletionSource Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public override void Complete() => Completion.TrySetResult();
        public override void Fail(Exception exception) => Completion.TrySetException(exception);
    }
}
