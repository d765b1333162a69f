namespace Spotter.Collab.Grains.Projects;

/// <summary>
/// The durable history of every project: one row per <see cref="ProjectEvent"/>, keyed by project and
/// <see cref="ProjectEvent.Sequence"/>. Written by the project (its kind's extension) before a change is acknowledged;
/// read for an item's history and, on activation, for the next sequence.
/// </summary>
public interface IProjectHistoryStore
{
    /// <summary>Appends the events (all of one project, consecutive sequences) in one transaction: all or none.
    /// A sequence the project already has fails the whole append.</summary>
    Task AppendAsync(IReadOnlyList<ProjectEvent> events, CancellationToken cancellationToken = default);

    /// <summary>The highest sequence stored for the project; 0 when it has none.</summary>
    Task<long> LastSequenceAsync(string projectId, CancellationToken cancellationToken = default);

    /// <summary>Events of the project (of one item when <paramref name="itemId"/> is set), newest first, with a
    /// sequence below <paramref name="before"/> when given; at most <paramref name="limit"/> (clamped to
    /// 1..<see cref="ProjectHistory.MaxPage"/>).</summary>
    Task<IReadOnlyList<ProjectEvent>> ReadAsync(string projectId, string? itemId, long? before, int limit, CancellationToken cancellationToken = default);
}
