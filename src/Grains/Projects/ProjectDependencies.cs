using Spotter.Collab.Crdt;

namespace Spotter.Collab.Grains.Projects;

/// <summary>Finish-to-start dependencies between items, and rescheduling that moves the dependants (docs/projects.md,
/// <i>Dependencies</i>). Walks are iterative over the items' <c>dependsOn</c> lists.</summary>
internal sealed partial class ProjectExtension
{
    private static string DependencyText(string item, int lag) => $"{item}+{lag}d";

    private Decision SetDependency(string principal, DocumentRole role, ProjectBoard board, SetItemDependency command)
    {
        if (!role.CanEdit()) return ReadOnly(role);
        if (command.ItemId is null || board.Item(command.ItemId) is not { } item) return Decision.Refuse(project.Reject(ProjectRejectCodes.UnknownItem, $"no item {command.ItemId}"));
        if (command.PredecessorId is null || board.Item(command.PredecessorId) is null) return Decision.Refuse(project.Reject(ProjectRejectCodes.UnknownItem, $"no item {command.PredecessorId}"));
        if (command.PredecessorId == command.ItemId) return Invalid("an item cannot depend on itself");
        if (Math.Abs(command.LagDays) > ItemDependencies.MaxLagDays) return Invalid($"lag: -{ItemDependencies.MaxLagDays} to {ItemDependencies.MaxLagDays} days");
        var dependencies = ProjectBoard.Dependencies(item);
        var existing = dependencies.FindIndex(d => d.Item == command.PredecessorId);
        if (existing < 0 && dependencies.Count >= ItemDependencies.MaxPerItem) return Invalid($"at most {ItemDependencies.MaxPerItem} dependencies per item");
        if (existing >= 0 && dependencies[existing].Lag == command.LagDays) return new Decision(null, [], []);
        if (existing < 0 && DependsOn(board, command.PredecessorId, command.ItemId))
        {
            return Decision.Refuse(project.Reject(ProjectRejectCodes.DependencyCycle, "the predecessor already depends on this item"));
        }
        string? from = existing >= 0 ? DependencyText(dependencies[existing].Item, dependencies[existing].Lag) : null;
        if (existing >= 0) dependencies[existing] = (command.PredecessorId, command.LagDays);
        else dependencies.Add((command.PredecessorId, command.LagDays));
        var update = board.Change(() => item.Set("dependsOn", ProjectBoard.DependencyList(dependencies)));
        return new Decision(null, update, [Event(ProjectEventTypes.ItemFieldChanged, principal, command.ItemId, ProjectBoard.Text(item, "title"),
            field: "dependsOn", from: from, to: DependencyText(command.PredecessorId, command.LagDays))]);
    }

    private Decision RemoveDependency(string principal, DocumentRole role, ProjectBoard board, RemoveItemDependency command)
    {
        if (!role.CanEdit()) return ReadOnly(role);
        if (command.ItemId is null || board.Item(command.ItemId) is not { } item) return Decision.Refuse(project.Reject(ProjectRejectCodes.UnknownItem, $"no item {command.ItemId}"));
        var dependencies = ProjectBoard.Dependencies(item);
        var existing = dependencies.FindIndex(d => d.Item == command.PredecessorId);
        if (existing < 0) return new Decision(null, [], []);
        var removed = dependencies[existing];
        dependencies.RemoveAt(existing);
        var update = board.Change(() =>
        {
            if (dependencies.Count == 0) item.Delete("dependsOn");
            else item.Set("dependsOn", ProjectBoard.DependencyList(dependencies));
        });
        return new Decision(null, update, [Event(ProjectEventTypes.ItemFieldChanged, principal, command.ItemId, ProjectBoard.Text(item, "title"),
            field: "dependsOn", from: DependencyText(removed.Item, removed.Lag), to: null)]);
    }

    /// <summary>Whether <paramref name="from"/> depends on <paramref name="on"/>, directly or through other items.</summary>
    private static bool DependsOn(ProjectBoard board, string from, string on)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal) { from };
        var pending = new Stack<string>();
        pending.Push(from);
        while (pending.TryPop(out var current))
        {
            if (board.Item(current) is not { } item) continue;
            foreach (var (predecessor, _) in ProjectBoard.Dependencies(item))
            {
                if (predecessor == on) return true;
                if (seen.Add(predecessor)) pending.Push(predecessor);
            }
        }
        return false;
    }

    private Decision Reschedule(string principal, DocumentRole role, ProjectBoard board, RescheduleItem command)
    {
        if (!role.CanEdit()) return ReadOnly(role);
        if (command.ItemId is null || board.Item(command.ItemId) is not { } root) return Decision.Refuse(project.Reject(ProjectRejectCodes.UnknownItem, $"no item {command.ItemId}"));
        if (command.PlannedStart > command.PlannedEnd) return Invalid("plannedStart must not be after plannedEnd");

        // Who depends on whom, once; then the items reachable from the rescheduled one, in dependency order (Kahn).
        var successors = new Dictionary<string, List<(string Item, int Lag)>>(StringComparer.Ordinal);
        var predecessors = new Dictionary<string, List<(string Item, int Lag)>>(StringComparer.Ordinal);
        foreach (var (id, value) in board.Items.Entries())
        {
            if (value is not YMap item) continue;
            var dependencies = ProjectBoard.Dependencies(item);
            predecessors[id] = dependencies;
            foreach (var (predecessor, lag) in dependencies)
            {
                if (!successors.TryGetValue(predecessor, out var list)) successors[predecessor] = list = [];
                list.Add((id, lag));
            }
        }
        var reachable = new HashSet<string>(StringComparer.Ordinal) { command.ItemId };
        var walk = new Stack<string>();
        walk.Push(command.ItemId);
        while (walk.TryPop(out var current))
        {
            foreach (var (next, _) in successors.GetValueOrDefault(current) ?? []) if (reachable.Add(next)) walk.Push(next);
        }
        var waiting = reachable.ToDictionary(id => id, id => (predecessors.GetValueOrDefault(id) ?? []).Count(p => reachable.Contains(p.Item)), StringComparer.Ordinal);
        var ready = new Queue<string>(waiting.Where(w => w.Value == 0).Select(w => w.Key));

        var dates = new Dictionary<string, (DateOnly? Start, DateOnly? End)>(StringComparer.Ordinal)
        {
            [command.ItemId] = (command.PlannedStart, command.PlannedEnd),
        };
        (DateOnly? Start, DateOnly? End) DatesOf(string id) =>
            dates.TryGetValue(id, out var known) ? known : board.Item(id) is { } item ? (ProjectBoard.Date(item, "plannedStart"), ProjectBoard.Date(item, "plannedEnd")) : (null, null);

        while (ready.TryDequeue(out var id))
        {
            if (id != command.ItemId && DatesOf(id) is { Start: { } start } current)
            {
                // The earliest start every predecessor with a planned end allows.
                DateOnly? earliest = null;
                foreach (var (predecessor, lag) in predecessors.GetValueOrDefault(id) ?? [])
                {
                    if (DatesOf(predecessor).End is { } end && end.AddDays(1 + lag) is var allowed && (earliest is null || allowed > earliest)) earliest = allowed;
                }
                if (earliest is { } need && need > start)
                {
                    var shift = need.DayNumber - start.DayNumber;
                    dates[id] = (need, current.End?.AddDays(shift));
                }
            }
            foreach (var (next, _) in successors.GetValueOrDefault(id) ?? [])
            {
                if (reachable.Contains(next) && --waiting[next] == 0) ready.Enqueue(next);
            }
        }

        var rootTitle = ProjectBoard.Text(root, "title");
        var changes = new List<(YMap Item, string Id, string Field, string? From, string? To)>();
        foreach (var (id, (start, end)) in dates)
        {
            var item = board.Item(id)!;
            foreach (var (field, value) in new[] { ("plannedStart", start), ("plannedEnd", end) })
            {
                var from = ProjectBoard.Text(item, field);
                var to = value is { } date ? ProjectBoard.Format(date) : null;
                if (!string.Equals(from, to, StringComparison.Ordinal)) changes.Add((item, id, field, from, to));
            }
        }
        if (changes.Count == 0) return new Decision(null, [], []);
        var update = board.Change(() =>
        {
            foreach (var change in changes) ProjectBoard.SetOrRemove(change.Item, change.Field, change.To);
        });
        return new Decision(null, update, [.. changes
            .OrderBy(c => c.Id == command.ItemId ? 0 : 1)
            .Select(c => Event(ProjectEventTypes.ItemFieldChanged, principal, c.Id, ProjectBoard.Text(c.Item, "title"), field: c.Field, from: c.From, to: c.To,
                reason: c.Id == command.ItemId ? null : $"follows {rootTitle}"))]);
    }
}
