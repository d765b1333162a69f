namespace Spotter.Collab.Grains.Storage;

/// <summary>
/// Durable home of every document's content: an append-only update log plus an optional snapshot.
/// The only storage seam for document content, so a PostgreSQL implementation can replace SQLite.
/// </summary>
public interface IDocumentStore
{
    /// <summary>Appends one V1 update; the task completes (with the update's sequence number) once it is durable.
    /// Appends issued one after another commit in that order.</summary>
    Task<long> AppendAsync(string documentId, ReadOnlyMemory<byte> update, CancellationToken cancellationToken = default);

    /// <summary>Snapshot (if any) plus every update logged after it, in log order.</summary>
    Task<StoredDocument> LoadAsync(string documentId, CancellationToken cancellationToken = default);

    /// <summary>Replaces the snapshot and drops the log entries it covers (sequence ≤ <paramref name="upToSequence"/>).</summary>
    Task CompactAsync(string documentId, ReadOnlyMemory<byte> snapshot, long upToSequence, CancellationToken cancellationToken = default);
}

public sealed record StoredDocument(byte[]? Snapshot, long SnapshotSequence, IReadOnlyList<StoredUpdate> Tail)
{
    public static StoredDocument Empty { get; } = new(null, 0, []);
    public bool IsEmpty => Snapshot is null && Tail.Count == 0;
}

public readonly record struct StoredUpdate(long Sequence, byte[] Update);
