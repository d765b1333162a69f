using System.Diagnostics;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Spotter.Collab.Grains.Telemetry;

namespace Spotter.Collab.Grains.Storage;

/// <summary>
/// Group commit shared by the document stores: every append and compaction from every document goes through one
/// queue; a single writer loop takes whatever is queued (up to a batch limit), hands it to the database in one
/// transaction and only then completes the callers' tasks. Under load many appends share one commit; when idle an
/// append still commits at once. A failed batch fails every caller in it and nothing in it is durable.
/// </summary>
public abstract partial class GroupCommitDocumentStore : IDocumentStore, IAsyncDisposable
{
    private readonly ILogger _logger;
    private readonly int _maxBatchSize;
    private readonly Channel<StoreWrite> _queue = Channel.CreateUnbounded<StoreWrite>(
        new UnboundedChannelOptions { SingleReader = true, AllowSynchronousContinuations = false });
    private readonly Task _writer;
    private long _batchesCommitted;
    private long _updatesCommitted;

    protected GroupCommitDocumentStore(int maxBatchSize, ILogger logger)
    {
        _logger = logger;
        _maxBatchSize = Math.Max(1, maxBatchSize);
        // Nothing can be queued before the derived constructor has finished, so the loop never sees a half-built store.
        _writer = Task.Run(WriterLoopAsync);
    }

    /// <summary>Transactions the writer loop has committed (group-commit batches).</summary>
    public long BatchesCommitted => Interlocked.Read(ref _batchesCommitted);

    /// <summary>Updates made durable so far.</summary>
    public long UpdatesCommitted => Interlocked.Read(ref _updatesCommitted);

    public Task<long> AppendAsync(string documentId, ReadOnlyMemory<byte> update, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(documentId);
        var append = new AppendWrite(documentId, update.ToArray());
        // Enqueued synchronously, so appends issued in order by one grain turn commit in that order.
        ObjectDisposedException.ThrowIf(!_queue.Writer.TryWrite(append), this);
        return append.Completion.Task.WaitAsync(cancellationToken);
    }

    public Task CompactAsync(string documentId, ReadOnlyMemory<byte> snapshot, long upToSequence, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(documentId);
        var compact = new CompactWrite(documentId, snapshot.ToArray(), upToSequence);
        ObjectDisposedException.ThrowIf(!_queue.Writer.TryWrite(compact), this);
        return compact.Completion.Task.WaitAsync(cancellationToken);
    }

    public abstract Task<StoredDocument> LoadAsync(string documentId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Writes the whole batch, in order, in ONE transaction and commits it; sets <see cref="AppendWrite.Sequence"/>
    /// of every append. Throws if anything failed (then nothing of the batch may be durable).
    /// </summary>
    protected abstract Task CommitBatchAsync(IReadOnlyList<StoreWrite> batch);

    /// <summary>Database failures that fail the batch's callers but keep the writer loop running.</summary>
    protected abstract bool IsStoreFailure(Exception exception);

    /// <summary>Called after a failed batch, e.g. to drop a connection that may be broken.</summary>
    protected virtual void ResetAfterFailure()
    {
    }

    /// <summary>Releases the derived store's resources once the writer loop has drained the queue.</summary>
    protected virtual ValueTask ReleaseResourcesAsync() => ValueTask.CompletedTask;

    /// <summary>Stops accepting writes, commits everything already queued, then releases resources.</summary>
    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _writer.ConfigureAwait(false);
        await ReleaseResourcesAsync().ConfigureAwait(false);
        GC.SuppressFinalize(this);
    }

    private async Task WriterLoopAsync()
    {
        var batch = new List<StoreWrite>(_maxBatchSize);
        while (await _queue.Reader.WaitToReadAsync().ConfigureAwait(false))
        {
            batch.Clear();
            while (batch.Count < _maxBatchSize && _queue.Reader.TryRead(out var write)) batch.Add(write);
            if (batch.Count == 0) continue;
            var started = Stopwatch.GetTimestamp();
            try
            {
                await CommitBatchAsync(batch).ConfigureAwait(false);
            }
            catch (Exception ex) when (IsStoreFailure(ex))
            {
                GrainMetrics.GroupCommitFailures.Add(1);
                LogBatchFailed(ex, batch.Count);
                ResetAfterFailure();
                foreach (var failed in batch) failed.Fail(ex);
                continue;
            }
            GrainMetrics.GroupCommitDuration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds);
            GrainMetrics.GroupCommitBatch.Record(batch.Count);
            Interlocked.Increment(ref _batchesCommitted);
            Interlocked.Add(ref _updatesCommitted, batch.Count(w => w is AppendWrite));
            foreach (var committed in batch) committed.Complete();
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Group commit of {Count} operations failed")]
    private partial void LogBatchFailed(Exception exception, int count);
}

/// <summary>One queued write of a group-commit batch.</summary>
public abstract class StoreWrite(string documentId)
{
    public string DocumentId { get; } = documentId;
    internal abstract void Complete();
    internal abstract void Fail(Exception exception);
}

/// <summary>Append one update to a document's log; the store sets <see cref="Sequence"/> while committing.</summary>
public sealed class AppendWrite(string documentId, byte[] update) : StoreWrite(documentId)
{
    internal TaskCompletionSource<long> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    public byte[] Update { get; } = update;
    public long Sequence { get; set; }
    internal override void Complete() => Completion.TrySetResult(Sequence);
    internal override void Fail(Exception exception) => Completion.TrySetException(exception);
}

/// <summary>Replace a document's snapshot (unless a newer one is stored) and drop the log entries it covers.</summary>
public sealed class CompactWrite(string documentId, byte[] snapshot, long upToSequence) : StoreWrite(documentId)
{
    internal TaskCompletionSource Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    public byte[] Snapshot { get; } = snapshot;
    public long UpToSequence { get; } = upToSequence;
    internal override void Complete() => Completion.TrySetResult();
    internal override void Fail(Exception exception) => Completion.TrySetException(exception);
}
