using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Spotter.Collab.Crdt;
using Spotter.Collab.Grains.Documents;
using Spotter.Collab.Grains.Notifications;

namespace Spotter.Collab.Grains.Projects;

/// <summary>
/// The project: a live resource (ids <c>project-…</c>) whose Y document is the board (docs/projects.md). Its roots
/// <c>items</c>, <c>project</c> and <c>types</c> belong to the server: clients change them only through commands
/// (<see cref="IDocumentGrain.Execute"/>), which the extension checks against the project's rules, applies as a
/// server update and records in the project history before answering.
/// </summary>
public sealed class ProjectKind(IProjectHistoryStore history, ILogger<ProjectKind> logger, [FromKeyedServices(ProjectSchema.ClockKey)] TimeProvider? time = null) : IResourceKind
{
    public string Name => "project";

    public string IdPrefix => ProjectSchema.IdPrefix;

    public LiveResourceExtension Attach(ILiveResource resource) => new ProjectExtension(resource, history, logger, time ?? TimeProvider.System);
}

/// <summary>
/// One project's activation. Changes run one at a time (a gate around check, apply, record), so each sees the
/// result of the one before and sequences follow apply order; reads run on the grain's turn without the gate.
/// </summary>
internal sealed partial class ProjectExtension(ILiveResource project, IProjectHistoryStore history, ILogger logger, TimeProvider time) : LiveResourceExtension
{
    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    // The last change's completion: the next one waits for it (grain turns are single-threaded, so no lock is needed).
    private Task _lastChange = Task.CompletedTask;
    private ProjectBoard? _board;
    private long? _nextSequence;
    private Task _publishing = Task.CompletedTask;

    public override bool ValidatesUpdates => true;

    public override UpdateRejection? Validate(DocumentRole role, string principal, ReadOnlySpan<byte> update)
    {
        if (project.Content is not { } content) return null;
        foreach (var root in ProjectSchema.ServerOwnedRoots)
        {
            if (content.WritesRoot(update, root)) return new UpdateRejection(RejectCodes.ServerOwned, $"the {root} of a project are changed through its commands");
        }
        return null;
    }

    public override void OnCommitted(string author, byte[] update)
    {
        // The replica's own changes are known to it already; the clients' free text is not.
        _board?.Apply(update);
    }

    public override Task<FrameResult> ExecuteAsync(ILiveResource resource, string principal, ResourceCommand command) => command switch
    {
        InitializeProject c => ChangeAsync(principal, (role, board) => Initialize(role, board, c)),
        SetMemberFunctions c => ChangeAsync(principal, (role, board) => SetFunctions(role, board, c)),
        SetWorkItemType c => ChangeAsync(principal, (role, board) => SetType(role, board, c)),
        CreateProjectItem c => ChangeAsync(principal, (role, board) => CreateItem(principal, role, board, c)),
        ChangeNode c => ChangeAsync(principal, (role, board) => ChangeNodeStatus(principal, role, board, c)),
        UpdateProjectItem c => ChangeAsync(principal, (role, board) => UpdateItem(principal, role, board, c)),
        UpdateProjectNode c => ChangeAsync(principal, (role, board) => UpdateNode(principal, role, board, c)),
        SetItemDependency c => ChangeAsync(principal, (role, board) => SetDependency(principal, role, board, c)),
        RemoveItemDependency c => ChangeAsync(principal, (role, board) => RemoveDependency(principal, role, board, c)),
        RescheduleItem c => ChangeAsync(principal, (role, board) => Reschedule(principal, role, board, c)),
        ReadProjectItem c => ReadAsync(principal, board => board.Item(c.ItemId) is { } item
            ? Reply(ProjectBoard.View(c.ItemId, item, time, Zone(board)))
            : project.Reject(ProjectRejectCodes.UnknownItem, $"no item {c.ItemId}")),
        ListProjectItems => ReadAsync(principal, board =>
        {
            var zone = Zone(board);
            return Reply(board.Items.Entries().Where(e => e.Value is YMap).Select(e => ProjectBoard.View(e.Key, (YMap)e.Value!, time, zone))
                .OrderBy(v => v.CreatedAt).ThenBy(v => v.Id, StringComparer.Ordinal).ToList());
        }),
        ReadProject => ReadAsync(principal, board => Reply(new ProjectView(
            Text(board.Project, "name") ?? project.Title,
            board.TimeZoneId,
            board.Functions(),
            board.TypeViews()))),
        ReadProjectHistory c => ReadHistoryAsync(principal, c),
        ReadProjectMetrics => ReadMetricsAsync(principal),
        _ => base.ExecuteAsync(resource, principal, command),
    };

    private static string? Text(YMap map, string key) => ProjectBoard.Text(map, key);

    private static TimeZoneInfo Zone(ProjectBoard board) => ProjectDates.FindZone(board.TimeZoneId) ?? TimeZoneInfo.Utc;

    private FrameResult Reply<T>(T value) => project.Accepted with { Reply = JsonSerializer.SerializeToUtf8Bytes(value, Json) };

    private ProjectBoard Board() => _board ??= new ProjectBoard(project.Content!.EncodeStateAsUpdate());

    private async Task<FrameResult> ReadAsync(string principal, Func<ProjectBoard, FrameResult> read)
    {
        if (await project.ResolveRoleAsync(principal) is null || project.Content is null) return NoAccess();
        return read(Board());
    }

    private async Task<FrameResult> ReadHistoryAsync(string principal, ReadProjectHistory command)
    {
        if (await project.ResolveRoleAsync(principal) is null || project.Content is null) return NoAccess();
        var events = await history.ReadAsync(project.Id, command.ItemId, command.Before, ProjectHistory.ClampLimit(command.Limit));
        return Reply(events);
    }

    /// <summary>The metrics from the items as they are now and the project's whole history, read page by page.</summary>
    private async Task<FrameResult> ReadMetricsAsync(string principal)
    {
        if (await project.ResolveRoleAsync(principal) is null || project.Content is null) return NoAccess();
        var board = Board();
        var zone = Zone(board);
        var items = board.Items.Entries().Where(e => e.Value is YMap).Select(e => ProjectBoard.View(e.Key, (YMap)e.Value!, time, zone)).ToList();
        var events = new List<ProjectEvent>();
        long? before = null;
        while (true)
        {
            var page = await history.ReadAsync(project.Id, null, before, ProjectHistory.MaxPage);
            events.AddRange(page);
            if (page.Count < ProjectHistory.MaxPage) break;
            before = page[^1].Sequence;
        }
        return Reply(ProjectMetrics.Compute(items, events, time, zone));
    }

    private FrameResult NoAccess() => project.Reject(RejectCodes.Forbidden, "no access to this project");

    /// <summary>What a command decided: a refusal, or the change to apply (an update made on the replica) and the
    /// events that record it (sequences are given when it is applied).</summary>
    private readonly record struct Decision(FrameResult? Refusal, byte[] Update, IReadOnlyList<ProjectEvent> Events)
    {
        public static Decision Refuse(FrameResult refusal) => new(refusal, [], []);
    }

    /// <summary>
    /// Runs a change: under the gate, checks the caller's role, lets <paramref name="decide"/> check the rules and
    /// build the change on the replica, applies it (durable when it returns), records its events in the history and
    /// only then answers; the events then go to the project's automation.
    /// </summary>
    private async Task<FrameResult> ChangeAsync(string principal, Func<DocumentRole, ProjectBoard, Decision> decide)
    {
        IReadOnlyList<ProjectEvent> events;
        Task publish;
        var previous = _lastChange;
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _lastChange = done.Task;
        await previous;
        try
        {
            if (await project.ResolveRoleAsync(principal) is not { } role || project.Content is null) return NoAccess();
            _nextSequence ??= await history.LastSequenceAsync(project.Id) + 1;
            // No await between deciding and applying: the replica and the content move together in this turn.
            var decision = decide(role, Board());
            if (decision.Refusal is { } refusal) return refusal;
            if (decision.Update.Length == 0) return project.Accepted;
            var result = await project.ApplyServerUpdateAsync(DocumentRole.Owner, decision.Update, principal);
            if (result.IsRejected)
            {
                _board = null;
                return result;
            }
            var next = _nextSequence.Value;
            events = [.. decision.Events.Select((e, i) => e with { Sequence = next + i })];
            if (events.Count > 0)
            {
                try
                {
                    await history.AppendAsync(events);
                }
                catch
                {
                    // Whatever the store holds now decides the next sequence.
                    _nextSequence = null;
                    throw;
                }
                _nextSequence = next + events.Count;
            }
            // Read who to tell now, while the replica is the board this change made.
            var notices = events.Count > 0 ? ProjectNotifications.From(events, Board()) : [];
            publish = _publishing = PublishAsync(_publishing, events, notices);
        }
        catch
        {
            // The replica may be ahead of the content (a failed apply deactivates the resource anyway).
            _board = null;
            throw;
        }
        finally
        {
            done.SetResult();
        }
        // A person's change waits for its hand-over. A rule-made one (depth > 0) may come from inside the automation's
        // handling of an earlier hand-over, which this one queues behind: waiting would close the circle.
        if (events.All(e => e.Depth == 0)) await publish;
        return project.Accepted;
    }

    /// <summary>Hands the events to the project's automation after those of earlier changes (so it sees sequences in
    /// order). The change and its history are durable already: a failure here is logged, never the caller's.</summary>
    private async Task PublishAsync(Task previous, IReadOnlyList<ProjectEvent> events, IReadOnlyList<ProjectNotice> notices)
    {
        await previous;
        if (events.Count == 0) return;
        try
        {
            await project.GrainFactory.GetGrain<IProjectAutomationGrain>(project.Id).Publish(events);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            LogPublishFailed(logger, ex, project.Id, events[0].Sequence, events[^1].Sequence);
        }
        // Key results fed from this project (docs/okr.md): a one-way hand-over, so the change never waits for them.
        try
        {
            await project.GrainFactory.GetGrain<Okr.IOkrProjectFeedGrain>(project.Id).Publish(events);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            LogFeedFailed(logger, ex, project.Id, events[0].Sequence, events[^1].Sequence);
        }
        // The people the change concerns (docs/notifications.md): the notifier drops those who may not read the project.
        if (notices.Count == 0) return;
        var notifier = project.GrainFactory.GetGrain<INotifierGrain>(INotifierGrain.Key);
        foreach (var notice in notices)
        {
            try
            {
                await notifier.Notify(notice.Request, notice.Recipients);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                LogNotifyFailed(logger, ex, project.Id, notice.Request.Kind, events[0].Sequence, events[^1].Sequence);
            }
        }
    }

    private ProjectEvent Event(string type, string actor, string? itemId, string? itemTitle, string? nodeKey = null, string? field = null,
        string? from = null, string? to = null, string? reason = null, int depth = 0) =>
        new(project.Id, 0, type, actor, time.GetUtcNow(), itemId, itemTitle, nodeKey, field, from, to, reason, depth);

    private Decision Initialize(DocumentRole role, ProjectBoard board, InitializeProject command)
    {
        if (role != DocumentRole.Owner) return Decision.Refuse(project.Reject(ProjectRejectCodes.NotAdmin, "only a project admin sets the project up"));
        if (board.Project.Has("name")) return Decision.Refuse(project.Reject(ProjectRejectCodes.Exists, "the project is set up already"));
        var name = command.Name?.Trim();
        if (string.IsNullOrEmpty(name) || name.Length > ProjectItems.MaxTitleLength) return Invalid($"name: 1-{ProjectItems.MaxTitleLength} characters");
        if (ProjectDates.FindZone(command.TimeZone) is null) return Invalid($"timeZone: '{command.TimeZone}' is not a known IANA time zone");
        var update = board.Change(() =>
        {
            board.Project.Set("name", name);
            board.Project.Set("timeZone", command.TimeZone);
            board.Project.Set("functions", new YMap());
            foreach (var (key, typeName, nodes) in Workflows.BuiltIn) board.WriteType(key, typeName, nodes);
        });
        return new Decision(null, update, []);
    }

    private Decision SetFunctions(DocumentRole role, ProjectBoard board, SetMemberFunctions command)
    {
        if (role != DocumentRole.Owner) return Decision.Refuse(project.Reject(ProjectRejectCodes.NotAdmin, "only a project admin sets functional roles"));
        if (string.IsNullOrEmpty(command.Username) || command.Username.Length > 64) return Invalid("username");
        var functions = (command.Functions ?? []).Distinct(StringComparer.Ordinal).ToList();
        if (ProjectSchema.CheckFunctions(functions) is { } problem) return Invalid(problem);
        var current = board.Functions().GetValueOrDefault(command.Username) ?? [];
        if (current.SequenceEqual(functions, StringComparer.Ordinal)) return new Decision(null, [], []);
        var update = board.Change(() =>
        {
            if (board.Project.Get("functions") is not YMap map)
            {
                map = new YMap();
                board.Project.Set("functions", map);
            }
            if (functions.Count == 0) map.Delete(command.Username);
            else map.Set(command.Username, ProjectBoard.List(functions));
        });
        return new Decision(null, update, []);
    }

    private Decision SetType(DocumentRole role, ProjectBoard board, SetWorkItemType command)
    {
        if (role != DocumentRole.Owner) return Decision.Refuse(project.Reject(ProjectRejectCodes.NotAdmin, "only a project admin changes work-item types"));
        if (!Workflows.IsKey(command.Key)) return Invalid("type key: 1-32 of a-z, 0-9, '-', '_'");
        var name = command.Name?.Trim();
        if (string.IsNullOrEmpty(name) || name.Length > Workflows.MaxNameLength) return Invalid($"name: 1-{Workflows.MaxNameLength} characters");
        if (Workflows.Check(command.Nodes) is { } problem) return Invalid(problem);
        if (!board.Types.Has(command.Key) && board.Types.Size >= Workflows.MaxTypes) return Invalid($"a project has at most {Workflows.MaxTypes} types");
        var nodes = command.Nodes.Select(n => n with { Name = n.Name.Trim(), After = [.. n.After.Distinct(StringComparer.Ordinal)] }).ToList();
        return new Decision(null, board.Change(() => board.WriteType(command.Key, name, nodes)), []);
    }

    private Decision CreateItem(string principal, DocumentRole role, ProjectBoard board, CreateProjectItem command)
    {
        if (!role.CanEdit()) return ReadOnly(role);
        if (!Workflows.IsKey(command.ItemId)) return Invalid("item id");
        var title = command.Title?.Trim();
        if (string.IsNullOrEmpty(title) || title.Length > ProjectItems.MaxTitleLength) return Invalid($"title: 1-{ProjectItems.MaxTitleLength} characters");
        var type = command.Type ?? Workflows.Task;
        if (board.Template(type) is not { } template) return Invalid($"type: the project has no type '{type}'");
        if (board.Items.Has(command.ItemId)) return Decision.Refuse(project.Reject(ProjectRejectCodes.Exists, $"item {command.ItemId} exists"));
        var functions = board.Functions();
        var now = time.GetUtcNow();
        var update = board.Change(() =>
        {
            var item = new YMap();
            board.Items.Set(command.ItemId, item);
            item.Set("title", title);
            item.Set("type", type);
            item.Set("status", NodeStatuses.NotStarted);
            item.Set("priority", ProjectItems.DefaultPriority);
            item.Set("assignees", new List<object?>());
            item.Set("labels", new List<object?>());
            item.Set("createdAt", ProjectBoard.Format(now));
            item.Set("createdBy", principal);
            var nodes = new YMap();
            item.Set("nodes", nodes);
            for (var i = 0; i < template.Count; i++)
            {
                var node = template[i];
                var owners = node.Role is null ? [] : functions.Where(f => f.Value.Contains(node.Role, StringComparer.Ordinal)).Select(f => f.Key).Order(StringComparer.Ordinal).ToList();
                var map = new YMap();
                nodes.Set(node.Key, map);
                map.Set("name", node.Name);
                map.Set("order", (long)i);
                map.Set("status", NodeStatuses.NotStarted);
                map.Set("owners", ProjectBoard.List(owners));
                map.Set("members", new List<object?>());
                map.Set("after", ProjectBoard.List(node.After));
                if (node.Role is not null) map.Set("role", node.Role);
            }
        });
        return new Decision(null, update, [Event(ProjectEventTypes.ItemCreated, principal, command.ItemId, title, to: type)]);
    }

    private Decision ChangeNodeStatus(string principal, DocumentRole role, ProjectBoard board, ChangeNode command)
    {
        if (!role.CanEdit()) return ReadOnly(role);
        if (command.ItemId is null || board.Item(command.ItemId) is not { } item) return Decision.Refuse(project.Reject(ProjectRejectCodes.UnknownItem, $"no item {command.ItemId}"));
        if (command.NodeKey is null || ProjectBoard.Node(item, command.NodeKey) is not { } node) return Decision.Refuse(project.Reject(ProjectRejectCodes.UnknownNode, $"no node {command.NodeKey}"));
        var admin = role == DocumentRole.Owner;
        if (!admin && !ProjectBoard.Strings(node, "owners").Contains(principal, StringComparer.Ordinal))
        {
            return Decision.Refuse(project.Reject(ProjectRejectCodes.NotOwner, "only the node's owners or a project admin change its status"));
        }
        var title = ProjectBoard.Text(item, "title");
        var status = ProjectBoard.Text(node, "status") ?? NodeStatuses.NotStarted;
        var nodes = ProjectBoard.Nodes(item);
        var statuses = nodes.ToDictionary(n => n.Key, n => ProjectBoard.Text(n.Node, "status") ?? NodeStatuses.NotStarted, StringComparer.Ordinal);
        var itemBefore = Workflows.ItemStatus(statuses.Values);
        var now = ProjectBoard.Format(time.GetUtcNow());
        var events = new List<ProjectEvent>();
        // Node key → new status; applied together with the derived item status.
        var changes = new List<(string Key, string To)>();
        string? reason = null;
        switch (command.Action)
        {
            case NodeAction.Start:
                if (status is not (NodeStatuses.NotStarted or NodeStatuses.Blocked)) return Transition($"a node that is {status} cannot start");
                var pending = ProjectBoard.Strings(node, "after").Where(p => !NodeStatuses.IsFinished(statuses.GetValueOrDefault(p))).ToList();
                if (command.Override && !admin) return Decision.Refuse(project.Reject(ProjectRejectCodes.NotAdmin, "only a project admin overrides the predecessors"));
                if (pending.Count > 0 && !command.Override)
                {
                    return Decision.Refuse(project.Reject(ProjectRejectCodes.PredecessorsPending, $"predecessors not done: {string.Join(", ", pending)}"));
                }
                if (pending.Count > 0) reason = $"override: started before {string.Join(", ", pending)}";
                changes.Add((command.NodeKey, NodeStatuses.InProgress));
                events.Add(Event(ProjectEventTypes.NodeStarted, principal, command.ItemId, title, command.NodeKey, "status", status, NodeStatuses.InProgress, reason));
                break;
            case NodeAction.Complete:
                if (status != NodeStatuses.InProgress) return Transition($"only a node in progress completes; this one is {status}");
                changes.Add((command.NodeKey, NodeStatuses.Done));
                events.Add(Event(ProjectEventTypes.NodeCompleted, principal, command.ItemId, title, command.NodeKey, "status", status, NodeStatuses.Done));
                break;
            case NodeAction.RollBack:
                reason = command.Reason?.Trim();
                if (string.IsNullOrEmpty(reason) || reason.Length > ProjectItems.MaxReasonLength) return Invalid($"reason: 1-{ProjectItems.MaxReasonLength} characters");
                if (status != NodeStatuses.Done) return Transition($"only a done node rolls back; this one is {status}");
                changes.Add((command.NodeKey, NodeStatuses.InProgress));
                events.Add(Event(ProjectEventTypes.NodeRolledBack, principal, command.ItemId, title, command.NodeKey, "status", status, NodeStatuses.InProgress, reason));
                // Work downstream of a node being redone starts over.
                var after = nodes.ToDictionary(n => n.Key, n => ProjectBoard.Strings(n.Node, "after"), StringComparer.Ordinal);
                foreach (var successor in Workflows.Descendants(command.NodeKey, after))
                {
                    var was = statuses[successor];
                    if (was is NodeStatuses.NotStarted or NodeStatuses.Skipped) continue;
                    changes.Add((successor, NodeStatuses.NotStarted));
                    events.Add(Event(ProjectEventTypes.NodeStatusChanged, principal, command.ItemId, title, successor, "status", was, NodeStatuses.NotStarted,
                        $"{command.NodeKey} rolled back: {reason}"));
                }
                break;
            case NodeAction.Block:
                reason = command.Reason?.Trim();
                if (string.IsNullOrEmpty(reason) || reason.Length > ProjectItems.MaxReasonLength) return Invalid($"reason: 1-{ProjectItems.MaxReasonLength} characters");
                if (status is not (NodeStatuses.NotStarted or NodeStatuses.InProgress)) return Transition($"a node that is {status} cannot be blocked");
                changes.Add((command.NodeKey, NodeStatuses.Blocked));
                events.Add(Event(ProjectEventTypes.NodeStatusChanged, principal, command.ItemId, title, command.NodeKey, "status", status, NodeStatuses.Blocked, reason));
                break;
            case NodeAction.Skip:
                if (!admin) return Decision.Refuse(project.Reject(ProjectRejectCodes.NotAdmin, "only a project admin skips a node"));
                reason = string.IsNullOrWhiteSpace(command.Reason) ? null : command.Reason.Trim();
                if (reason?.Length > ProjectItems.MaxReasonLength) return Invalid($"reason: at most {ProjectItems.MaxReasonLength} characters");
                if (status is not (NodeStatuses.NotStarted or NodeStatuses.Blocked)) return Transition($"a node that is {status} cannot be skipped");
                changes.Add((command.NodeKey, NodeStatuses.Skipped));
                events.Add(Event(ProjectEventTypes.NodeStatusChanged, principal, command.ItemId, title, command.NodeKey, "status", status, NodeStatuses.Skipped, reason));
                break;
            default:
                return Invalid("unknown action");
        }
        foreach (var (key, to) in changes) statuses[key] = to;
        var itemAfter = Workflows.ItemStatus(statuses.Values);
        if (itemAfter != itemBefore) events.Add(Event(ProjectEventTypes.ItemStatusChanged, principal, command.ItemId, title, field: "status", from: itemBefore, to: itemAfter));
        var update = board.Change(() =>
        {
            foreach (var (key, to) in changes)
            {
                var target = ProjectBoard.Node(item, key)!;
                target.Set("status", to);
                // A node started again after a block keeps its first start.
                if (to == NodeStatuses.InProgress && command.Action == NodeAction.Start && !target.Has("actualStart")) target.Set("actualStart", now);
                if (to == NodeStatuses.Done) target.Set("actualEnd", now);
                if (to == NodeStatuses.InProgress) target.Delete("actualEnd");
                if (to == NodeStatuses.NotStarted)
                {
                    target.Delete("actualStart");
                    target.Delete("actualEnd");
                }
            }
            if (itemAfter != itemBefore) item.Set("status", itemAfter);
        });
        return new Decision(null, update, events);
    }

    private Decision UpdateItem(string principal, DocumentRole role, ProjectBoard board, UpdateProjectItem command)
    {
        if (!role.CanEdit()) return ReadOnly(role);
        if (command.ItemId is null || board.Item(command.ItemId) is not { } item) return Decision.Refuse(project.Reject(ProjectRejectCodes.UnknownItem, $"no item {command.ItemId}"));
        var changes = new List<(string Field, object? Value, string? From, string? To)>();
        void Compare(string field, object? value, string? from, string? to)
        {
            if (!string.Equals(from, to, StringComparison.Ordinal)) changes.Add((field, value, from, to));
        }
        if (command.Title is not null)
        {
            var title = command.Title.Trim();
            if (title.Length is 0 or > ProjectItems.MaxTitleLength) return Invalid($"title: 1-{ProjectItems.MaxTitleLength} characters");
            Compare("title", title, ProjectBoard.Text(item, "title"), title);
        }
        if (command.Priority is not null)
        {
            if (!ProjectItems.Priorities.Contains(command.Priority, StringComparer.Ordinal)) return Invalid($"priority: {string.Join(", ", ProjectItems.Priorities)}");
            Compare("priority", command.Priority, ProjectBoard.Text(item, "priority"), command.Priority);
        }
        if (command.Assignees is not null)
        {
            var assignees = command.Assignees.Distinct(StringComparer.Ordinal).ToList();
            if (assignees.Count > ProjectItems.MaxListEntries || assignees.Any(a => string.IsNullOrWhiteSpace(a) || a.Length > 64))
            {
                return Invalid($"assignees: at most {ProjectItems.MaxListEntries} usernames");
            }
            Compare("assignees", ProjectBoard.List(assignees), string.Join(",", ProjectBoard.Strings(item, "assignees")), string.Join(",", assignees));
        }
        if (command.Labels is not null)
        {
            var labels = command.Labels.Select(l => l?.Trim() ?? "").Distinct(StringComparer.Ordinal).ToList();
            if (labels.Count > ProjectItems.MaxListEntries || labels.Any(l => l.Length is 0 or > ProjectItems.MaxLabelLength || l.Contains(',', StringComparison.Ordinal)))
            {
                return Invalid($"labels: at most {ProjectItems.MaxListEntries}, each 1-{ProjectItems.MaxLabelLength} characters without commas");
            }
            Compare("labels", ProjectBoard.List(labels), string.Join(",", ProjectBoard.Strings(item, "labels")), string.Join(",", labels));
        }
        var start = command.ClearPlannedStart ? null : command.PlannedStart ?? ProjectBoard.Date(item, "plannedStart");
        var end = command.ClearPlannedEnd ? null : command.PlannedEnd ?? ProjectBoard.Date(item, "plannedEnd");
        if (start is { } s && end is { } e && s > e) return Invalid("plannedStart must not be after plannedEnd");
        Compare("plannedStart", start is { } ps ? ProjectBoard.Format(ps) : null, ProjectBoard.Text(item, "plannedStart"), start is { } ps2 ? ProjectBoard.Format(ps2) : null);
        Compare("plannedEnd", end is { } pe ? ProjectBoard.Format(pe) : null, ProjectBoard.Text(item, "plannedEnd"), end is { } pe2 ? ProjectBoard.Format(pe2) : null);
        if (changes.Count == 0) return new Decision(null, [], []);
        var itemTitle = changes.FirstOrDefault(c => c.Field == "title").To ?? ProjectBoard.Text(item, "title");
        var update = board.Change(() =>
        {
            foreach (var change in changes) ProjectBoard.SetOrRemove(item, change.Field, change.Value);
        });
        var depth = Math.Clamp(command.Depth, 0, ProjectEventTypes.MaxDepth);
        return new Decision(null, update, [.. changes.Select(c => Event(ProjectEventTypes.ItemFieldChanged, principal, command.ItemId, itemTitle, field: c.Field, from: c.From, to: c.To, depth: depth))]);
    }

    private Decision UpdateNode(string principal, DocumentRole role, ProjectBoard board, UpdateProjectNode command)
    {
        if (!role.CanEdit()) return ReadOnly(role);
        if (command.ItemId is null || board.Item(command.ItemId) is not { } item) return Decision.Refuse(project.Reject(ProjectRejectCodes.UnknownItem, $"no item {command.ItemId}"));
        if (command.NodeKey is null || ProjectBoard.Node(item, command.NodeKey) is not { } node) return Decision.Refuse(project.Reject(ProjectRejectCodes.UnknownNode, $"no node {command.NodeKey}"));
        var admin = role == DocumentRole.Owner;
        if (!admin && !ProjectBoard.Strings(node, "owners").Contains(principal, StringComparer.Ordinal))
        {
            return Decision.Refuse(project.Reject(ProjectRejectCodes.NotOwner, "only the node's owners or a project admin change it"));
        }
        if (!admin && (command.Owners is not null || command.Members is not null))
        {
            return Decision.Refuse(project.Reject(ProjectRejectCodes.NotAdmin, "only a project admin changes a node's owners and members"));
        }
        var changes = new List<FieldChange>();
        foreach (var (field, people) in new[] { ("owners", command.Owners), ("members", command.Members) })
        {
            if (people is null) continue;
            var list = people.Distinct(StringComparer.Ordinal).ToList();
            if (list.Count > ProjectItems.MaxListEntries || list.Any(p => string.IsNullOrWhiteSpace(p) || p.Length > 64)) return Invalid($"{field}: at most {ProjectItems.MaxListEntries} usernames");
            FieldChange.Add(changes, field, ProjectBoard.List(list), string.Join(",", ProjectBoard.Strings(node, field)), string.Join(",", list));
        }
        var start = command.ClearPlannedStart ? null : command.PlannedStart ?? ProjectBoard.Date(node, "plannedStart");
        var end = command.ClearPlannedEnd ? null : command.PlannedEnd ?? ProjectBoard.Date(node, "plannedEnd");
        if (start is { } s && end is { } e && s > e) return Invalid("plannedStart must not be after plannedEnd");
        FieldChange.Add(changes, "plannedStart", start is { } ps ? ProjectBoard.Format(ps) : null, ProjectBoard.Text(node, "plannedStart"), start is { } ps2 ? ProjectBoard.Format(ps2) : null);
        FieldChange.Add(changes, "plannedEnd", end is { } pe ? ProjectBoard.Format(pe) : null, ProjectBoard.Text(node, "plannedEnd"), end is { } pe2 ? ProjectBoard.Format(pe2) : null);
        var estimate = command.ClearEstimate ? null : command.Estimate ?? ProjectBoard.Number(node.Get("estimate"));
        if (estimate is { } hours && (!double.IsFinite(hours) || hours < 0 || hours > 100_000)) return Invalid("estimate: 0-100000 hours");
        FieldChange.Add(changes, "estimate", estimate, FormatNumber(ProjectBoard.Number(node.Get("estimate"))), FormatNumber(estimate));
        if (changes.Count == 0) return new Decision(null, [], []);
        var update = board.Change(() =>
        {
            foreach (var change in changes) ProjectBoard.SetOrRemove(node, change.Field, change.Value);
        });
        var title = ProjectBoard.Text(item, "title");
        var depth = Math.Clamp(command.Depth, 0, ProjectEventTypes.MaxDepth);
        return new Decision(null, update, [.. changes.Select(c => Event(ProjectEventTypes.ItemFieldChanged, principal, command.ItemId, title, command.NodeKey, c.Field, c.From, c.To, depth: depth))]);
    }

    private static string? FormatNumber(double? value) => value?.ToString("R", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>A field's new value (null removes it) with its old and new text for the history.</summary>
    private readonly record struct FieldChange(string Field, object? Value, string? From, string? To)
    {
        public static void Add(List<FieldChange> changes, string field, object? value, string? from, string? to)
        {
            if (!string.Equals(from, to, StringComparison.Ordinal)) changes.Add(new FieldChange(field, value, from, to));
        }
    }

    private Decision Invalid(string detail) => Decision.Refuse(project.Reject(ProjectRejectCodes.Invalid, detail));

    private Decision Transition(string detail) => Decision.Refuse(project.Reject(ProjectRejectCodes.InvalidTransition, detail));

    private Decision ReadOnly(DocumentRole role) => Decision.Refuse(project.Reject(RejectCodes.ReadOnly, $"a project {role.ToWire()} changes nothing"));

    [LoggerMessage(Level = LogLevel.Warning, Message = "Project {ProjectId}: handing events {First}-{Last} to its automation failed (they are in its history)")]
    private static partial void LogPublishFailed(ILogger logger, Exception exception, string projectId, long first, long last);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Project {ProjectId}: handing events {First}-{Last} to its linked key results failed (they are in its history)")]
    private static partial void LogFeedFailed(ILogger logger, Exception exception, string projectId, long first, long last);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Project {ProjectId}: sending the {Kind} notifications of events {First}-{Last} failed (they are in its history)")]
    private static partial void LogNotifyFailed(ILogger logger, Exception exception, string projectId, string kind, long first, long last);
}
