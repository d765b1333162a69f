using Orleans.Concurrency;

namespace Spotter.Collab.Grains.Okr;

/// <summary>
/// One cycle's alignment graph (docs/okr.md *Alignment*). The graph of a cycle is small enough to hold whole (nodes:
/// objectives and key results with their last progress; edges: child → parent), so the cycle check is one walk in
/// memory and the company graph one read. Reentrant: a report awaits the parents' refresh, and they call back for
/// their children. Every change of the edges is made in memory within one turn (check and add together) before it is
/// written, so two alignments cannot close a cycle between them.
/// </summary>
[Reentrant]
public sealed class OkrAlignmentGrain(IOkrStore store) : Grain, IOkrAlignmentGrain
{
    /// <summary>How far a change of progress is pushed up (the graph has no cycles; this bounds a pathological depth).</summary>
    private const int MaxRefreshDepth = 64;

    private readonly Dictionary<string, OkrGraphNode> _nodes = new(StringComparer.Ordinal);
    private readonly HashSet<OkrAlignment> _edges = [];
    private string CycleId => this.GetPrimaryKeyString();

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        foreach (var node in await store.ReadNodesAsync(CycleId, cancellationToken)) _nodes[node.Id] = node;
        foreach (var edge in await store.ReadAlignmentsAsync(CycleId, cancellationToken)) _edges.Add(edge);
        await base.OnActivateAsync(cancellationToken);
    }

    public async Task Report(OkrGraphNode objective, IReadOnlyList<OkrGraphNode> keyResults)
    {
        ArgumentNullException.ThrowIfNull(objective);
        ArgumentNullException.ThrowIfNull(keyResults);
        var changed = new List<OkrGraphNode>();
        foreach (var node in keyResults.Prepend(objective))
        {
            if (_nodes.TryGetValue(node.Id, out var known) && known.Progress == node.Progress && known.Title == node.Title && known.Owners.SequenceEqual(node.Owners)) continue;
            _nodes[node.Id] = node;
            changed.Add(node);
        }
        if (changed.Count == 0) return;
        await store.SaveNodesAsync(CycleId, changed);
        var moved = changed.Select(n => n.Id).ToHashSet(StringComparer.Ordinal);
        await RefreshParentsAsync(_edges.Where(e => moved.Contains(e.From)).Select(e => e.To));
    }

    /// <summary>Makes every objective among <paramref name="parents"/> (a key result: its objective) recompute.</summary>
    private async Task RefreshParentsAsync(IEnumerable<string> parents)
    {
        var objectives = parents.Select(p => OkrSchema.IsObjectiveId(p) ? p : OkrSchema.ObjectiveOf(p)).OfType<string>().Distinct(StringComparer.Ordinal).ToList();
        if (RequestContext.Get("okr-depth") is int depth && depth >= MaxRefreshDepth) return;
        RequestContext.Set("okr-depth", (RequestContext.Get("okr-depth") as int? ?? 0) + 1);
        await Task.WhenAll(objectives.Select(o => GrainFactory.GetGrain<IDocumentGrain>(o).Execute(OkrPrincipals.System, new RefreshAlignment())));
    }

    public async Task<AlignmentOutcome> Align(string child, string parent)
    {
        var (from, to) = (child, parent);
        if (!_nodes.ContainsKey(from) || !_nodes.ContainsKey(to)) return AlignmentOutcome.UnknownNode;
        var alignment = new OkrAlignment(from, to);
        if (_edges.Contains(alignment)) return AlignmentOutcome.Exists;
        if (Reaches(to, from)) return AlignmentOutcome.Cycle;
        _edges.Add(alignment);
        try
        {
            await store.AddAlignmentAsync(CycleId, alignment);
        }
        catch
        {
            _edges.Remove(alignment);
            throw;
        }
        await RefreshParentsAsync([to]);
        return AlignmentOutcome.Ok;
    }

    public async Task<bool> Unalign(string child, string parent)
    {
        var alignment = new OkrAlignment(child, parent);
        if (!_edges.Remove(alignment)) return false;
        await store.RemoveAlignmentAsync(CycleId, alignment);
        await RefreshParentsAsync([parent]);
        return true;
    }

    /// <summary>Whether <paramref name="target"/> is <paramref name="start"/> or above it: following alignments up, and
    /// from a key result to its objective (a key result is part of its objective). Iterative, each node once.</summary>
    private bool Reaches(string start, string target)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal) { start };
        var pending = new Stack<string>();
        pending.Push(start);
        while (pending.Count > 0)
        {
            var node = pending.Pop();
            if (node == target) return true;
            var ups = _edges.Where(e => e.From == node).Select(e => e.To);
            if (OkrSchema.ObjectiveOf(node) is { } objective) ups = ups.Append(objective);
            foreach (var up in ups)
            {
                if (seen.Add(up)) pending.Push(up);
            }
        }
        return false;
    }

    public Task<IReadOnlyList<OkrGraphNode>> Children(string objectiveId)
    {
        // Alignments to the objective itself roll up into it (alignments to one of its key results are drawn, not rolled up).
        IReadOnlyList<OkrGraphNode> children = [.. _edges.Where(e => e.To == objectiveId).Select(e => _nodes.GetValueOrDefault(e.From)).OfType<OkrGraphNode>()
            .OrderBy(n => n.Id, StringComparer.Ordinal)];
        return Task.FromResult(children);
    }

    public Task<OkrGraph> Graph() =>
        Task.FromResult(new OkrGraph([.. _nodes.Values.OrderBy(n => n.Id, StringComparer.Ordinal)],
            [.. _edges.OrderBy(e => e.From, StringComparer.Ordinal).ThenBy(e => e.To, StringComparer.Ordinal)]));
}
