using System.Globalization;
using Spotter.Collab.Crdt;
using Spotter.Collab.Grains.Projects;

namespace Spotter.Collab.Grains.Okr;

/// <summary>
/// An objective's Y document as the server reads and changes it (schema: docs/okr.md). Like the project's board, it is
/// the extension's own replica of the content: changes are made here in one transaction and that transaction's update
/// is what the resource applies, logs and broadcasts; every committed update is applied here as well.
/// </summary>
internal sealed class ObjectiveDocument
{
    private readonly Doc _doc;

    public ObjectiveDocument(byte[] state)
    {
        _doc = new Doc { MaxNestingDepth = int.MaxValue };
        _doc.ApplyUpdate(state);
    }

    public YMap Objective => _doc.GetMap(OkrSchema.ObjectiveRoot);

    public YMap Progress => _doc.GetMap(OkrSchema.ProgressRoot);

    public bool Initialized => Objective.Has("title");

    public YMap? KeyResults => Objective.Get("keyResults") as YMap;

    public void Apply(byte[] update) => _doc.ApplyUpdate(update);

    public byte[] Change(Action edit)
    {
        byte[] update = [];
        void Capture(object? sender, UpdateEventArgs e) => update = e.Update;
        _doc.Updated += Capture;
        try
        {
            _doc.Transact(_ => edit());
        }
        finally
        {
            _doc.Updated -= Capture;
        }
        return update;
    }

    public string? Text(string key) => ProjectBoard.Text(Objective, key);

    public string CycleId => Text("cycleId") ?? "";

    public DateOnly CycleStart => ProjectBoard.Date(Objective, "cycleStart") ?? DateOnly.MinValue;

    public DateOnly CycleEnd => ProjectBoard.Date(Objective, "cycleEnd") ?? DateOnly.MaxValue;

    public YMap? KeyResult(string id) => KeyResults?.Get(id) as YMap;

    /// <summary>The key results in the order they were added.</summary>
    public List<(string Id, YMap Map)> KeyResultEntries() => KeyResults is not { } map ? [] :
        [.. map.Entries().Where(e => e.Value is YMap).Select(e => (Id: e.Key, Map: (YMap)e.Value!))
            .OrderBy(e => ProjectBoard.Number(e.Map.Get("order")) ?? 0).ThenBy(e => e.Id, StringComparer.Ordinal)];

    public static double Number(YMap map, string key) => ProjectBoard.Number(map.Get(key)) ?? 0;

    public static IReadOnlyList<bool> Done(YMap keyResult) =>
        keyResult.Get("milestonesDone") is IEnumerable<object?> list ? [.. list.Select(v => v is true)] : [];

    public static double KeyResultProgress(YMap keyResult) =>
        ProjectBoard.Text(keyResult, "kind") == OkrValues.Milestones
            ? OkrProgress.Milestones(Done(keyResult).Count(d => d), ProjectBoard.Strings(keyResult, "milestones").Count)
            : OkrProgress.Metric(Number(keyResult, "start"), Number(keyResult, "target"), Number(keyResult, "current"));

    /// <summary>The aligned children's progress as last read (the read model's <c>children</c>).</summary>
    public List<AlignedChildView> Children() => Progress.Get("children") is not YMap children ? [] :
        [.. children.Entries().Select(e => new AlignedChildView(e.Key, ProjectBoard.Number(e.Value) ?? 0)).OrderBy(c => c.Id, StringComparer.Ordinal)];

    public double ObjectiveProgress(IReadOnlyList<AlignedChildView> children) =>
        OkrProgress.Objective(Text("progressMode") ?? OkrValues.FromKeyResults,
            [.. KeyResultEntries().Select(k => (KeyResultProgress(k.Map), Number(k.Map, "weight")))], [.. children.Select(c => c.Progress)]);

    public string Status(double progress, DateTimeOffset now)
    {
        var elapsed = OkrProgress.Elapsed(CycleStart, CycleEnd, now);
        return (Text("statusMode") ?? OkrValues.StatusAutomatic) switch
        {
            OkrValues.StatusManual => Text("manualStatus") ?? OkrValues.OnTrack,
            OkrValues.StatusWorstKeyResult when KeyResultEntries() is { Count: > 0 } keyResults =>
                OkrProgress.Worst(keyResults.Select(k => OkrProgress.Status(KeyResultProgress(k.Map), elapsed))),
            _ => OkrProgress.Status(progress, elapsed),
        };
    }

    /// <summary>Rewrites the read model (root <c>progress</c>) from the definition; <paramref name="children"/> replaces
    /// the aligned children's progress when given. Call inside <see cref="Change"/>. True when the objective's or a key
    /// result's progress moved.</summary>
    public bool Recompute(DateTimeOffset now, IReadOnlyList<AlignedChildView>? children = null)
    {
        var progress = Progress;
        var moved = false;
        if (children is not null)
        {
            if (progress.Get("children") is not YMap childMap)
            {
                childMap = new YMap();
                progress.Set("children", childMap);
            }
            foreach (var key in childMap.Keys.ToList())
            {
                if (!children.Any(c => c.Id == key)) childMap.Delete(key);
            }
            foreach (var child in children)
            {
                if (ProjectBoard.Number(childMap.Get(child.Id)) != child.Progress) childMap.Set(child.Id, child.Progress);
            }
        }
        if (progress.Get("keyResults") is not YMap keyResultMap)
        {
            keyResultMap = new YMap();
            progress.Set("keyResults", keyResultMap);
        }
        var elapsed = OkrProgress.Elapsed(CycleStart, CycleEnd, now);
        foreach (var (id, keyResult) in KeyResultEntries())
        {
            var value = KeyResultProgress(keyResult);
            if (keyResultMap.Get(id) is Dictionary<string, object?> old && ProjectBoard.Number(old.GetValueOrDefault("progress")) == value
                && ProjectBoard.Number(old.GetValueOrDefault("current")) == Number(keyResult, "current")) continue;
            moved = true;
            keyResultMap.Set(id, new Dictionary<string, object?>
            {
                ["progress"] = value,
                ["current"] = Number(keyResult, "current"),
                ["status"] = OkrProgress.Status(value, elapsed),
            });
        }
        var total = ObjectiveProgress(Children());
        var status = Status(total, now);
        if (ProjectBoard.Number(progress.Get("value")) != total || !progress.Has("value"))
        {
            moved = true;
            progress.Set("value", total);
        }
        if (ProjectBoard.Text(progress, "status") != status) progress.Set("status", status);
        if (moved) progress.Set("updatedAt", ProjectBoard.Format(now));
        return moved;
    }

    public ObjectiveView View(string id, DateTimeOffset now)
    {
        var children = Children();
        var progress = ObjectiveProgress(children);
        var elapsed = OkrProgress.Elapsed(CycleStart, CycleEnd, now);
        var keyResults = KeyResultEntries().Select(k =>
        {
            var map = k.Map;
            var value = KeyResultProgress(map);
            var titles = ProjectBoard.Strings(map, "milestones");
            var done = Done(map);
            return new KeyResultView(k.Id, ProjectBoard.Text(map, "title") ?? "", ProjectBoard.Text(map, "kind") ?? OkrValues.Metric,
                Number(map, "start"), Number(map, "target"), Number(map, "current"), ProjectBoard.Text(map, "unit"), Number(map, "weight"), value,
                OkrProgress.Status(value, elapsed), ProjectBoard.Number(map.Get("confidence")) is { } c ? (int)c : null,
                [.. titles.Select((t, i) => new MilestoneView(t, i < done.Count && done[i]))], Link(map));
        }).ToList();
        return new ObjectiveView(id, CycleId, Text("title") ?? "", ProjectBoard.Strings(Objective, "owners"), ProjectBoard.Strings(Objective, "contributors"),
            Text("category") ?? "committed",
            new OkrVisibility(Text("visibility") ?? "everyone", ProjectBoard.Strings(Objective, "visibleToDepartments"), ProjectBoard.Strings(Objective, "visibleToPeople")),
            Text("progressMode") ?? OkrValues.FromKeyResults, Text("statusMode") ?? OkrValues.StatusAutomatic, progress, Status(progress, now), keyResults, children);
    }

    public static OkrProjectLink? Link(YMap keyResult) =>
        keyResult.Get("link") is Dictionary<string, object?> link && link.GetValueOrDefault("projectId") is string project
            ? new OkrProjectLink(project, link.GetValueOrDefault("measure") as string ?? OkrValues.ItemsDone, link.GetValueOrDefault("itemType") as string,
                link.GetValueOrDefault("label") as string, link.GetValueOrDefault("itemId") as string, link.GetValueOrDefault("nodeKey") as string)
            : null;

    public static Dictionary<string, object?> LinkValue(OkrProjectLink link) => new()
    {
        ["projectId"] = link.ProjectId,
        ["measure"] = link.Measure,
        ["itemType"] = link.ItemType,
        ["label"] = link.Label,
        ["itemId"] = link.ItemId,
        ["nodeKey"] = link.NodeKey,
    };

    public static string Format(double value) => value.ToString("R", CultureInfo.InvariantCulture);
}
