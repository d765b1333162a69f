using System.Globalization;
using Spotter.Collab.Crdt;

namespace Spotter.Collab.Grains.Projects;

/// <summary>
/// The project's Y document as the server reads and changes it (schema: docs/projects.md). It is the extension's own
/// replica of the resource's content: a change is made here inside one transaction, and the update that transaction
/// produced is what the resource applies, logs and broadcasts; every committed update (the clients' free text too)
/// is applied here as well, so the replica never falls behind on what the server owns.
/// </summary>
internal sealed class ProjectBoard
{
    private readonly Doc _doc;

    public ProjectBoard(byte[] state)
    {
        // The content was accepted once already: no nesting bound on the copy.
        _doc = new Doc { MaxNestingDepth = int.MaxValue };
        _doc.ApplyUpdate(state);
    }

    public YMap Items => _doc.GetMap(ProjectSchema.ItemsRoot);

    public YMap Project => _doc.GetMap(ProjectSchema.ProjectRoot);

    public YMap Types => _doc.GetMap(ProjectSchema.TypesRoot);

    public void Apply(byte[] update) => _doc.ApplyUpdate(update);

    /// <summary>Runs <paramref name="edit"/> in one transaction and returns its update (empty when nothing changed).</summary>
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

    public YMap? Item(string itemId) => Items.Get(itemId) as YMap;

    public static YMap? Node(YMap item, string key) => (item.Get("nodes") as YMap)?.Get(key) as YMap;

    /// <summary>The item's nodes in template order.</summary>
    public static List<(string Key, YMap Node)> Nodes(YMap item)
    {
        if (item.Get("nodes") is not YMap nodes) return [];
        return [.. nodes.Entries().Where(e => e.Value is YMap).Select(e => (e.Key, Node: (YMap)e.Value!)).OrderBy(n => Number(n.Node.Get("order")) ?? 0).ThenBy(n => n.Key, StringComparer.Ordinal)];
    }

    public static string? Text(YMap map, string key) => map.Get(key) as string;

    public static IReadOnlyList<string> Strings(YMap map, string key) =>
        map.Get(key) is IEnumerable<object?> list ? [.. list.OfType<string>()] : [];

    public static List<object?> List(IEnumerable<string> values) => [.. values.Cast<object?>()];

    public static double? Number(object? value) => value switch
    {
        long l => l,
        int i => i,
        double d => d,
        _ => null,
    };

    public static DateOnly? Date(YMap map, string key) =>
        Text(map, key) is { } text && DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date) ? date : null;

    public static DateTimeOffset? Instant(YMap map, string key) =>
        Text(map, key) is { } text && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at) ? at : null;

    public static string Format(DateOnly date) => date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    public static string Format(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    /// <summary>Sets or, for null, removes a value.</summary>
    public static void SetOrRemove(YMap map, string key, object? value)
    {
        if (value is null) map.Delete(key);
        else map.Set(key, value);
    }

    public string TimeZoneId => Text(Project, "timeZone") ?? "UTC";

    /// <summary>Each member's functional roles.</summary>
    public Dictionary<string, IReadOnlyList<string>> Functions() =>
        Project.Get("functions") is YMap functions
            ? functions.Entries().ToDictionary(e => e.Key, e => (IReadOnlyList<string>)(e.Value is IEnumerable<object?> list ? [.. list.OfType<string>()] : []), StringComparer.Ordinal)
            : new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);

    /// <summary>The template of a work-item type; null when the project has no such type.</summary>
    public IReadOnlyList<WorkflowNodeTemplate>? Template(string type)
    {
        if (Types.Get(type) is not YMap entry || entry.Get("nodes") is not IEnumerable<object?> nodes) return null;
        var template = new List<WorkflowNodeTemplate>();
        foreach (var node in nodes.OfType<IDictionary<string, object?>>())
        {
            var after = node.TryGetValue("after", out var a) && a is IEnumerable<object?> list ? list.OfType<string>().ToList() : [];
            template.Add(new WorkflowNodeTemplate(
                node.TryGetValue("key", out var k) ? k as string ?? "" : "",
                node.TryGetValue("name", out var n) ? n as string ?? "" : "",
                after,
                node.TryGetValue("role", out var r) ? r as string : null));
        }
        return template;
    }

    public IReadOnlyList<WorkItemTypeView> TypeViews() =>
        [.. Types.Entries().Where(e => e.Value is YMap).OrderBy(e => e.Key, StringComparer.Ordinal)
            .Select(e => new WorkItemTypeView(e.Key, Text((YMap)e.Value!, "name") ?? e.Key, Template(e.Key) ?? []))];

    /// <summary>Writes a type (inside a <see cref="Change"/>).</summary>
    public void WriteType(string key, string name, IReadOnlyList<WorkflowNodeTemplate> nodes)
    {
        var entry = new YMap();
        Types.Set(key, entry);
        entry.Set("name", name);
        entry.Set("nodes", nodes.Select(n => (object?)new Dictionary<string, object?>
        {
            ["key"] = n.Key,
            ["name"] = n.Name,
            ["after"] = List(n.After),
            ["role"] = n.Role,
        }).ToList());
    }

    public static ProjectItemView View(string itemId, YMap item, TimeProvider time, TimeZoneInfo zone)
    {
        var status = Text(item, "status") ?? NodeStatuses.NotStarted;
        var plannedEnd = Date(item, "plannedEnd");
        return new ProjectItemView(
            itemId,
            Text(item, "title") ?? "",
            Text(item, "type") ?? "",
            status,
            Text(item, "priority") ?? ProjectItems.DefaultPriority,
            Strings(item, "assignees"),
            Strings(item, "labels"),
            Date(item, "plannedStart"),
            plannedEnd,
            ProjectDates.IsOverdue(plannedEnd, status, time, zone),
            Instant(item, "createdAt"),
            Text(item, "createdBy") ?? "",
            [.. Nodes(item).Select(n => new ProjectNodeView(
                n.Key,
                Text(n.Node, "name") ?? n.Key,
                Text(n.Node, "status") ?? NodeStatuses.NotStarted,
                Strings(n.Node, "owners"),
                Strings(n.Node, "members"),
                Strings(n.Node, "after"),
                Date(n.Node, "plannedStart"),
                Date(n.Node, "plannedEnd"),
                Number(n.Node.Get("estimate")),
                Instant(n.Node, "actualStart"),
                Instant(n.Node, "actualEnd")))],
            [.. Dependencies(item).Select(d => new ItemDependencyView(d.Item, d.Lag))]);
    }

    /// <summary>The item's finish-to-start predecessors (<c>dependsOn</c>: a plain array of <c>{item, lag}</c>).</summary>
    public static List<(string Item, int Lag)> Dependencies(YMap item)
    {
        if (item.Get("dependsOn") is not IEnumerable<object?> list) return [];
        var result = new List<(string, int)>();
        foreach (var entry in list.OfType<IDictionary<string, object?>>())
        {
            if (entry.TryGetValue("item", out var id) && id is string itemId)
            {
                result.Add((itemId, entry.TryGetValue("lag", out var lag) && Number(lag) is { } days ? (int)days : 0));
            }
        }
        return result;
    }

    public static List<object?> DependencyList(IEnumerable<(string Item, int Lag)> dependencies) =>
        [.. dependencies.Select(d => (object?)new Dictionary<string, object?> { ["item"] = d.Item, ["lag"] = (long)d.Lag })];
}

public static class ProjectItems
{
    public const string DefaultPriority = "medium";
    public static readonly IReadOnlyList<string> Priorities = ["low", "medium", "high", "urgent"];
    public const int MaxTitleLength = 200;
    public const int MaxListEntries = 20;
    public const int MaxLabelLength = 50;
    public const int MaxReasonLength = 1000;
}
