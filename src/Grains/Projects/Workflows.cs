namespace Spotter.Collab.Grains.Projects;

/// <summary>Work-item types and their workflow templates: the built-in ones and the checks every template passes
/// (a DAG of bounded size, checked without recursion).</summary>
public static class Workflows
{
    public const int MaxNodes = 50;
    public const int MaxTypes = 50;
    public const int MaxNameLength = 100;

    public const string Requirement = "requirement";
    public const string Defect = "defect";
    public const string Task = "task";

    /// <summary>The built-in types; each has a parallel branch (two nodes that may run at once).</summary>
    public static readonly IReadOnlyList<(string Key, string Name, IReadOnlyList<WorkflowNodeTemplate> Nodes)> BuiltIn =
    [
        (Requirement, "Requirement",
        [
            new("design", "Design", [], "pm"),
            new("frontend", "Frontend", ["design"], "developer"),
            new("backend", "Backend", ["design"], "developer"),
            new("test", "Test", ["frontend", "backend"], "qa"),
            new("release", "Release", ["test"], "ops"),
        ]),
        (Defect, "Defect",
        [
            new("triage", "Triage", [], "qa"),
            new("fix", "Fix", ["triage"], "developer"),
            new("regression", "Regression test", ["triage"], "qa"),
            new("verify", "Verify", ["fix", "regression"], "qa"),
            new("release", "Release", ["verify"], "ops"),
        ]),
        (Task, "Task",
        [
            new("plan", "Plan", [], "pm"),
            new("implement", "Implement", ["plan"], "developer"),
            new("document", "Document", ["plan"], "developer"),
            new("review", "Review", ["implement", "document"], "pm"),
        ]),
    ];

    /// <summary>Keys of types, nodes and functional roles: lower-case letters, digits, <c>-</c> and <c>_</c>.</summary>
    public static bool IsKey(string? key) => ProjectSchema.IsKey(key);

    /// <summary>Null when <paramref name="nodes"/> is a valid template; else what is wrong with it.</summary>
    public static string? Check(IReadOnlyList<WorkflowNodeTemplate>? nodes)
    {
        if (nodes is null || nodes.Count == 0) return "a workflow needs at least one node";
        if (nodes.Count > MaxNodes) return $"a workflow has at most {MaxNodes} nodes";
        var keys = new HashSet<string>(StringComparer.Ordinal);
        foreach (var node in nodes)
        {
            if (node is null) return "a node is missing";
            if (!IsKey(node.Key)) return $"node key '{node.Key}': 1-32 of a-z, 0-9, '-', '_'";
            if (!keys.Add(node.Key)) return $"node key '{node.Key}' appears twice";
            if (string.IsNullOrWhiteSpace(node.Name) || node.Name.Length > MaxNameLength) return $"node '{node.Key}': name of 1-{MaxNameLength} characters";
            if (node.Role is not null && !IsKey(node.Role)) return $"node '{node.Key}': role '{node.Role}' is not a role key";
            if (node.After is null || node.After.Count > MaxNodes) return $"node '{node.Key}': after must list at most {MaxNodes} keys";
        }
        foreach (var node in nodes)
        {
            foreach (var before in node.After)
            {
                if (before == node.Key) return $"node '{node.Key}' comes after itself";
                if (!keys.Contains(before)) return $"node '{node.Key}' comes after unknown node '{before}'";
            }
        }
        // Kahn's algorithm: whatever never reaches in-degree zero is on a cycle.
        var pending = nodes.ToDictionary(n => n.Key, n => n.After.Distinct(StringComparer.Ordinal).Count(), StringComparer.Ordinal);
        var successors = nodes.SelectMany(n => n.After.Distinct(StringComparer.Ordinal).Select(a => (Before: a, After: n.Key)))
            .ToLookup(p => p.Before, p => p.After, StringComparer.Ordinal);
        var ready = new Queue<string>(pending.Where(p => p.Value == 0).Select(p => p.Key));
        var placed = 0;
        while (ready.TryDequeue(out var key))
        {
            placed++;
            foreach (var next in successors[key])
            {
                if (--pending[next] == 0) ready.Enqueue(next);
            }
        }
        return placed == nodes.Count ? null : "the workflow has a cycle";
    }

    /// <summary>Every node downstream of <paramref name="start"/> (not itself), breadth first.</summary>
    public static IReadOnlyList<string> Descendants(string start, IReadOnlyDictionary<string, IReadOnlyList<string>> after)
    {
        ArgumentNullException.ThrowIfNull(after);
        var successors = after.SelectMany(p => p.Value.Select(a => (Before: a, After: p.Key))).ToLookup(p => p.Before, p => p.After, StringComparer.Ordinal);
        var seen = new HashSet<string>(StringComparer.Ordinal) { start };
        var order = new List<string>();
        var queue = new Queue<string>();
        queue.Enqueue(start);
        while (queue.TryDequeue(out var key))
        {
            foreach (var next in successors[key])
            {
                if (!seen.Add(next)) continue;
                order.Add(next);
                queue.Enqueue(next);
            }
        }
        return order;
    }

    /// <summary>An item's status from its nodes' statuses: <c>done</c> when every node is done or skipped,
    /// <c>blocked</c> when any node is blocked, <c>in_progress</c> when any node is in progress or done, else
    /// <c>not_started</c>.</summary>
    public static string ItemStatus(IEnumerable<string> nodeStatuses)
    {
        ArgumentNullException.ThrowIfNull(nodeStatuses);
        bool any = false, allFinished = true, blocked = false, progressed = false;
        foreach (var status in nodeStatuses)
        {
            any = true;
            if (!NodeStatuses.IsFinished(status)) allFinished = false;
            if (status == NodeStatuses.Blocked) blocked = true;
            if (status is NodeStatuses.InProgress or NodeStatuses.Done) progressed = true;
        }
        if (any && allFinished) return NodeStatuses.Done;
        if (blocked) return NodeStatuses.Blocked;
        return progressed ? NodeStatuses.InProgress : NodeStatuses.NotStarted;
    }
}

/// <summary>Dates of a project: planned dates are calendar dates in the project's time zone, instants are UTC.</summary>
public static class ProjectDates
{
    /// <summary>The zone for an IANA id; null when the id is unknown here.</summary>
    public static TimeZoneInfo? FindZone(string? id)
    {
        if (string.IsNullOrWhiteSpace(id) || id.Length > 64) return null;
        try
        {
            return TimeZoneInfo.FindSystemTimeZoneById(id);
        }
        catch (Exception ex) when (ex is TimeZoneNotFoundException or InvalidTimeZoneException)
        {
            return null;
        }
    }

    /// <summary>Today's date in the project's zone.</summary>
    public static DateOnly Today(TimeProvider time, TimeZoneInfo zone)
    {
        ArgumentNullException.ThrowIfNull(time);
        return DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(time.GetUtcNow(), zone).DateTime);
    }

    /// <summary>Whether work planned to end on <paramref name="plannedEnd"/> and not done is overdue now: the planned
    /// day has ended in the project's zone.</summary>
    public static bool IsOverdue(DateOnly? plannedEnd, string status, TimeProvider time, TimeZoneInfo zone) =>
        plannedEnd is { } end && status != NodeStatuses.Done && Today(time, zone) > end;

    /// <summary>How many whole days past its planned end an unfinished item is (0 when not overdue).</summary>
    public static int DaysOverdue(DateOnly? plannedEnd, string status, TimeProvider time, TimeZoneInfo zone) =>
        IsOverdue(plannedEnd, status, time, zone) ? Today(time, zone).DayNumber - plannedEnd!.Value.DayNumber : 0;
}
