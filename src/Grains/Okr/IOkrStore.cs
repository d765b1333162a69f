namespace Spotter.Collab.Grains.Okr;

/// <summary>A key result's link to project work, as stored (who linked it: the project is read as them).</summary>
public sealed record OkrLinkRow(string KeyResultId, OkrProjectLink Link, string LinkedBy);

/// <summary>
/// The durable OKR rows besides the objectives' own documents: cycles, every check-in (the history of a key result),
/// each cycle's alignment graph (its nodes' last progress and the alignments) and the key results fed from projects.
/// SQLite: migration 0006; PostgreSQL: migration 0014 (docs/okr.md).
/// </summary>
public interface IOkrStore
{
    /// <summary>Adds a cycle; an id that exists fails.</summary>
    Task CreateCycleAsync(OkrCycle cycle, CancellationToken cancellationToken = default);

    /// <summary>Every cycle, the latest start first.</summary>
    Task<IReadOnlyList<OkrCycle>> ListCyclesAsync(CancellationToken cancellationToken = default);

    /// <summary>False when there is no such cycle.</summary>
    Task<bool> SetCycleStatusAsync(string cycleId, string status, CancellationToken cancellationToken = default);

    Task AppendCheckInAsync(OkrCheckIn checkIn, CancellationToken cancellationToken = default);

    /// <summary>A key result's check-ins, oldest first.</summary>
    Task<IReadOnlyList<OkrCheckIn>> ReadCheckInsAsync(string keyResultId, CancellationToken cancellationToken = default);

    /// <summary>Adds or replaces nodes of a cycle's graph.</summary>
    Task SaveNodesAsync(string cycleId, IReadOnlyList<OkrGraphNode> nodes, CancellationToken cancellationToken = default);

    Task<IReadOnlyList<OkrGraphNode>> ReadNodesAsync(string cycleId, CancellationToken cancellationToken = default);

    /// <summary>Adds an alignment (a pair that exists is left as it is).</summary>
    Task AddAlignmentAsync(string cycleId, OkrAlignment alignment, CancellationToken cancellationToken = default);

    /// <summary>False when there was no such alignment.</summary>
    Task<bool> RemoveAlignmentAsync(string cycleId, OkrAlignment alignment, CancellationToken cancellationToken = default);

    Task<IReadOnlyList<OkrAlignment>> ReadAlignmentsAsync(string cycleId, CancellationToken cancellationToken = default);

    /// <summary>Adds or replaces a key result's link to a project.</summary>
    Task SaveProjectLinkAsync(string projectId, OkrLinkRow link, CancellationToken cancellationToken = default);

    Task<IReadOnlyList<OkrLinkRow>> ReadProjectLinksAsync(string projectId, CancellationToken cancellationToken = default);
}
