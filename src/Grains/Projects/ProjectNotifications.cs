using Spotter.Collab.Crdt;
using Spotter.Collab.Grains.Notifications;

namespace Spotter.Collab.Grains.Projects;

/// <summary>One notification a project change causes: what to send and to whom (the notifier drops the actor and
/// anyone who may not read the project).</summary>
internal sealed record ProjectNotice(NotificationRequest Request, IReadOnlyList<string> Recipients);

/// <summary>
/// Who a project change tells (docs/projects.md, *Notifications*): new item assignees and new node owners
/// (<c>assignment</c>), the owners of a node whose predecessors are now all finished (<c>node-ready</c>), and an item's
/// assignees when its status changes (<c>status</c>). Read from the board right after the change is applied, so the
/// people named are those of that change. Every notice is about the project id with the item id as anchor; snippets
/// hold only the item title, node name and status, which anyone who may read the project may read.
/// </summary>
internal static class ProjectNotifications
{
    public static IReadOnlyList<ProjectNotice> From(IReadOnlyList<ProjectEvent> events, ProjectBoard board)
    {
        var notices = new List<ProjectNotice>();
        foreach (var e in events)
        {
            if (e.ItemId is null || board.Item(e.ItemId) is not { } item) continue;
            var title = e.ItemTitle ?? ProjectBoard.Text(item, "title") ?? "";
            NotificationRequest Request(string kind, string snippet) => new(kind, e.ProjectId, e.Actor, e.ItemId, snippet);
            switch (e.Type)
            {
                case ProjectEventTypes.ItemFieldChanged when e.Field == "assignees" && e.NodeKey is null:
                    Add(notices, Request(NotificationKinds.Assignment, title), Added(e.From, e.To));
                    break;
                case ProjectEventTypes.ItemFieldChanged when e.Field == "owners" && e.NodeKey is { } ownedKey:
                    Add(notices, Request(NotificationKinds.Assignment, $"{title} · {NodeName(item, ownedKey)}"), Added(e.From, e.To));
                    break;
                case ProjectEventTypes.NodeCompleted:
                case ProjectEventTypes.NodeStatusChanged when e.To == NodeStatuses.Skipped:
                    foreach (var (key, node) in ReadySuccessors(item, e.NodeKey!))
                    {
                        Add(notices, Request(NotificationKinds.NodeReady, $"{title} · {ProjectBoard.Text(node, "name") ?? key}"), ProjectBoard.Strings(node, "owners"));
                    }
                    break;
                case ProjectEventTypes.ItemStatusChanged:
                    Add(notices, Request(NotificationKinds.Status, $"{title}: {e.To}"), ProjectBoard.Strings(item, "assignees"));
                    break;
            }
        }
        return notices;
    }

    private static void Add(List<ProjectNotice> notices, NotificationRequest request, IReadOnlyList<string> recipients)
    {
        var others = recipients.Where(r => r != request.Actor).ToList();
        if (others.Count > 0) notices.Add(new ProjectNotice(request, others));
    }

    private static IReadOnlyList<string> Added(string? from, string? to)
    {
        var before = Split(from).ToHashSet(StringComparer.Ordinal);
        return [.. Split(to).Where(p => !before.Contains(p))];
    }

    private static string[] Split(string? list) => (list ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries);

    private static string NodeName(YMap item, string key) => ProjectBoard.Node(item, key) is { } node ? ProjectBoard.Text(node, "name") ?? key : key;

    /// <summary>The not-yet-started successors of <paramref name="finished"/> whose predecessors are all finished now.</summary>
    private static IEnumerable<(string Key, YMap Node)> ReadySuccessors(YMap item, string finished)
    {
        var nodes = ProjectBoard.Nodes(item);
        var statuses = nodes.ToDictionary(n => n.Key, n => ProjectBoard.Text(n.Node, "status") ?? NodeStatuses.NotStarted, StringComparer.Ordinal);
        return nodes.Where(n =>
        {
            var after = ProjectBoard.Strings(n.Node, "after");
            return after.Contains(finished, StringComparer.Ordinal)
                && statuses[n.Key] == NodeStatuses.NotStarted
                && after.All(p => NodeStatuses.IsFinished(statuses.GetValueOrDefault(p)));
        });
    }
}
