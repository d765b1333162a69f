using System.Text.Json;
using Spotter.Collab.Crdt;
using Spotter.Collab.Crdt.Protocols;
using Spotter.Collab.Grains;
using Spotter.Collab.Grains.Projects;
using Spotter.Collab.Grains.Protocol;
using Spotter.Collab.Server.Tests.Grains;
using Spotter.Collab.Server.Tests.Infrastructure;

namespace Spotter.Collab.Server.Tests.Projects;

/// <summary>
/// The project's rules, enforced by its grain: commands through <see cref="IDocumentGrain.Execute"/> as the project's
/// admin (<c>ann</c>, also its PM), two members (<c>dev</c> a developer, <c>qa</c> a tester), a viewer and a
/// stranger. Every refusal is checked to change nothing.
/// </summary>
[Collection(GrainClusterGroup.Name)]
public sealed class ProjectGrainTests(GrainClusterFixture fixture)
{
    private const string Admin = "ann";
    private const string Dev = "dev";
    private const string Qa = "qa";
    private const string Viewer = "vic";
    private const string Stranger = "sam";

    private IGrainFactory Grains => fixture.Cluster.Client;

    private async Task<(string Id, IDocumentGrain Project)> NewProjectAsync()
    {
        var id = ProjectSchema.NewId();
        var project = Grains.GetGrain<IDocumentGrain>(id);
        Assert.True(await project.Create(Admin, "Apollo"));
        Accepted(await project.Execute(Admin, new InitializeProject("Apollo", "Asia/Shanghai")));
        Assert.Equal(MembershipResult.Ok, await project.SetMember(Admin, Dev, DocumentRole.Editor));
        Assert.Equal(MembershipResult.Ok, await project.SetMember(Admin, Qa, DocumentRole.Editor));
        Assert.Equal(MembershipResult.Ok, await project.SetMember(Admin, Viewer, DocumentRole.Viewer));
        Accepted(await project.Execute(Admin, new SetMemberFunctions(Admin, ["pm"])));
        Accepted(await project.Execute(Admin, new SetMemberFunctions(Dev, ["developer"])));
        Accepted(await project.Execute(Admin, new SetMemberFunctions(Qa, ["qa"])));
        return (id, project);
    }

    private static async Task<string> NewItemAsync(IDocumentGrain project, string type = Workflows.Requirement, string by = Dev)
    {
        var itemId = ProjectSchema.NewItemId();
        Accepted(await project.Execute(by, new CreateProjectItem(itemId, "Login page", type)));
        return itemId;
    }

    private static void Accepted(FrameResult result) => Assert.False(result.IsRejected, $"{result.RejectCode}: {result.RejectDetail}");

    private static void Refused(string code, FrameResult result) => Assert.Equal((code, true), (result.RejectCode, result.IsRejected));

    private static async Task<ProjectItemView> ItemAsync(IDocumentGrain project, string itemId)
    {
        var result = await project.Execute(Admin, new ReadProjectItem(itemId));
        Accepted(result);
        return JsonSerializer.Deserialize<ProjectItemView>(result.Reply!, JsonSerializerOptions.Web)!;
    }

    private static async Task<string> NodeStatusAsync(IDocumentGrain project, string itemId, string key) =>
        (await ItemAsync(project, itemId)).Nodes.Single(n => n.Key == key).Status;

    private static async Task<IReadOnlyList<ProjectEvent>> HistoryAsync(IDocumentGrain project, string? itemId = null)
    {
        var result = await project.Execute(Admin, new ReadProjectHistory(itemId, null, 100));
        Accepted(result);
        return JsonSerializer.Deserialize<List<ProjectEvent>>(result.Reply!, JsonSerializerOptions.Web)!;
    }

    private static ChangeNode Start(string item, string key, bool force = false) => new(item, key, NodeAction.Start, force);

    private static ChangeNode Complete(string item, string key) => new(item, key, NodeAction.Complete);

    private static ChangeNode RollBack(string item, string key, string? reason) => new(item, key, NodeAction.RollBack, Reason: reason);

    /// <summary>Runs the nodes through start and complete as the admin.</summary>
    private static async Task FinishAsync(IDocumentGrain project, string item, params string[] keys)
    {
        foreach (var key in keys)
        {
            Accepted(await project.Execute(Admin, Start(item, key)));
            Accepted(await project.Execute(Admin, Complete(item, key)));
        }
    }

    [Fact]
    public async Task A_new_item_instantiates_its_types_workflow_with_owners_from_functional_roles()
    {
        var (_, project) = await NewProjectAsync();
        var itemId = await NewItemAsync(project);

        var item = await ItemAsync(project, itemId);
        Assert.Equal(("Login page", Workflows.Requirement, NodeStatuses.NotStarted, Dev), (item.Title, item.Type, item.Status, item.CreatedBy));
        Assert.Equal(["design", "frontend", "backend", "test", "release"], item.Nodes.Select(n => n.Key));
        Assert.Equal([Admin], item.Nodes[0].Owners);
        Assert.Equal([Dev], item.Nodes[1].Owners);
        Assert.Equal([Dev], item.Nodes[2].Owners);
        Assert.Equal([Qa], item.Nodes[3].Owners);
        // Nobody holds the ops role: only admins act on that node.
        Assert.Empty(item.Nodes[4].Owners);
        Assert.Equal(["frontend", "backend"], item.Nodes[3].After);
        Assert.All(item.Nodes, n => Assert.Equal(NodeStatuses.NotStarted, n.Status));

        // Without a type an item is a task.
        var task = await ItemAsync(project, await NewItemAsync(project, type: null!));
        Assert.Equal(Workflows.Task, task.Type);
        var created = Assert.Single(await HistoryAsync(project, itemId));
        Assert.Equal((ProjectEventTypes.ItemCreated, Dev, "Login page"), (created.Type, created.Actor, created.ItemTitle));

        // Refusals: a viewer, a stranger, an unknown type, an empty title, an id taken.
        Refused(RejectCodes.ReadOnly, await project.Execute(Viewer, new CreateProjectItem(ProjectSchema.NewItemId(), "x", null)));
        Refused(RejectCodes.Forbidden, await project.Execute(Stranger, new CreateProjectItem(ProjectSchema.NewItemId(), "x", null)));
        Refused(ProjectRejectCodes.Invalid, await project.Execute(Dev, new CreateProjectItem(ProjectSchema.NewItemId(), "x", "epic")));
        Refused(ProjectRejectCodes.Invalid, await project.Execute(Dev, new CreateProjectItem(ProjectSchema.NewItemId(), "  ", null)));
        Refused(ProjectRejectCodes.Exists, await project.Execute(Dev, new CreateProjectItem(itemId, "again", null)));
        Assert.Equal("Login page", (await ItemAsync(project, itemId)).Title);
    }

    [Fact]
    public async Task A_node_waits_for_its_predecessors_unless_an_admin_overrides_and_the_override_is_recorded()
    {
        var (_, project) = await NewProjectAsync();
        var item = await NewItemAsync(project);

        var refused = await project.Execute(Dev, Start(item, "frontend"));
        Refused(ProjectRejectCodes.PredecessorsPending, refused);
        Assert.Contains("design", refused.RejectDetail, StringComparison.Ordinal);
        // Only an admin may override.
        Refused(ProjectRejectCodes.NotAdmin, await project.Execute(Dev, Start(item, "frontend", force: true)));
        Assert.Equal(NodeStatuses.NotStarted, await NodeStatusAsync(project, item, "frontend"));

        Accepted(await project.Execute(Admin, Start(item, "frontend", force: true)));
        Assert.Equal(NodeStatuses.InProgress, await NodeStatusAsync(project, item, "frontend"));
        var started = (await HistoryAsync(project, item)).First(e => e.Type == ProjectEventTypes.NodeStarted);
        Assert.Equal((Admin, "frontend", NodeStatuses.NotStarted, NodeStatuses.InProgress), (started.Actor, started.NodeKey, started.From, started.To));
        Assert.StartsWith("override", started.Reason, StringComparison.Ordinal);

        // Once the predecessor is done the owner starts the parallel branch without help; test still waits for both.
        await FinishAsync(project, item, "design");
        Accepted(await project.Execute(Dev, Start(item, "backend")));
        Accepted(await project.Execute(Dev, Complete(item, "backend")));
        Refused(ProjectRejectCodes.PredecessorsPending, await project.Execute(Qa, Start(item, "test")));
        Accepted(await project.Execute(Dev, Complete(item, "frontend")));
        Accepted(await project.Execute(Qa, Start(item, "test")));
        var view = await ItemAsync(project, item);
        Assert.NotNull(view.Nodes.Single(n => n.Key == "test").ActualStart);
    }

    [Fact]
    public async Task Only_a_nodes_owner_or_an_admin_changes_it_and_a_viewer_changes_nothing()
    {
        var (_, project) = await NewProjectAsync();
        var item = await NewItemAsync(project);

        // qa is a member but does not own design; vic only views; sam has no access at all.
        Refused(ProjectRejectCodes.NotOwner, await project.Execute(Qa, Start(item, "design")));
        Refused(RejectCodes.ReadOnly, await project.Execute(Viewer, Start(item, "design")));
        Refused(RejectCodes.Forbidden, await project.Execute(Stranger, Start(item, "design")));
        Assert.Equal(NodeStatuses.NotStarted, await NodeStatusAsync(project, item, "design"));

        // The admin owns design (as PM) anyway; release has no owner, so only an admin moves it.
        await FinishAsync(project, item, "design", "frontend", "backend", "test");
        Refused(ProjectRejectCodes.NotOwner, await project.Execute(Dev, Start(item, "release")));
        Accepted(await project.Execute(Admin, Start(item, "release")));
        Refused(ProjectRejectCodes.NotOwner, await project.Execute(Qa, Complete(item, "release")));
        Refused(RejectCodes.ReadOnly, await project.Execute(Viewer, Complete(item, "release")));
        Refused(ProjectRejectCodes.NotOwner, await project.Execute(Dev, RollBack(item, "test", "flaky")));
        Refused(RejectCodes.ReadOnly, await project.Execute(Viewer, new UpdateProjectItem(item, Title: "Renamed")));
        Assert.Equal(NodeStatuses.InProgress, await NodeStatusAsync(project, item, "release"));
        Assert.Equal(NodeStatuses.Done, await NodeStatusAsync(project, item, "test"));
        Assert.Equal("Login page", (await ItemAsync(project, item)).Title);
        // Unknown items and nodes are named as such for those who see the project.
        Refused(ProjectRejectCodes.UnknownItem, await project.Execute(Admin, Start(ProjectSchema.NewItemId(), "design")));
        Refused(ProjectRejectCodes.UnknownNode, await project.Execute(Admin, Start(item, "deploy")));
    }

    [Fact]
    public async Task Complete_needs_a_node_in_progress_and_the_item_is_done_when_every_node_is()
    {
        var (_, project) = await NewProjectAsync();
        var item = await NewItemAsync(project, Workflows.Task);

        Refused(ProjectRejectCodes.InvalidTransition, await project.Execute(Admin, Complete(item, "plan")));
        Accepted(await project.Execute(Admin, Start(item, "plan")));
        Assert.Equal(NodeStatuses.InProgress, (await ItemAsync(project, item)).Status);
        Refused(ProjectRejectCodes.InvalidTransition, await project.Execute(Admin, Start(item, "plan")));
        Accepted(await project.Execute(Admin, Complete(item, "plan")));
        Refused(ProjectRejectCodes.InvalidTransition, await project.Execute(Admin, Complete(item, "plan")));
        Assert.NotNull((await ItemAsync(project, item)).Nodes[0].ActualEnd);

        await FinishAsync(project, item, "implement", "document", "review");
        var done = await ItemAsync(project, item);
        Assert.Equal(NodeStatuses.Done, done.Status);
        var statusChanges = (await HistoryAsync(project, item)).Where(e => e.Type == ProjectEventTypes.ItemStatusChanged).Select(e => (e.From, e.To)).Reverse();
        Assert.Equal([(NodeStatuses.NotStarted, NodeStatuses.InProgress), (NodeStatuses.InProgress, NodeStatuses.Done)], statusChanges);
    }

    [Fact]
    public async Task A_rollback_needs_a_reason_reopens_the_node_and_sends_started_successors_back()
    {
        var (_, project) = await NewProjectAsync();
        var item = await NewItemAsync(project);
        await FinishAsync(project, item, "design", "frontend", "backend");
        Accepted(await project.Execute(Qa, Start(item, "test")));

        Refused(ProjectRejectCodes.Invalid, await project.Execute(Dev, RollBack(item, "backend", "  ")));
        Refused(ProjectRejectCodes.Invalid, await project.Execute(Dev, RollBack(item, "backend", null)));
        // Only a done node rolls back.
        Refused(ProjectRejectCodes.InvalidTransition, await project.Execute(Qa, RollBack(item, "test", "not yet")));
        Assert.Equal(NodeStatuses.InProgress, await NodeStatusAsync(project, item, "test"));

        Accepted(await project.Execute(Dev, RollBack(item, "backend", "API contract changed")));
        var view = await ItemAsync(project, item);
        var nodes = view.Nodes.ToDictionary(n => n.Key);
        Assert.Equal(NodeStatuses.InProgress, nodes["backend"].Status);
        Assert.Null(nodes["backend"].ActualEnd);
        // test had started after backend: it starts over; the parallel frontend is untouched.
        Assert.Equal(NodeStatuses.NotStarted, nodes["test"].Status);
        Assert.Null(nodes["test"].ActualStart);
        Assert.Equal(NodeStatuses.Done, nodes["frontend"].Status);

        var history = await HistoryAsync(project, item);
        var rolledBack = history.First(e => e.Type == ProjectEventTypes.NodeRolledBack);
        Assert.Equal((Dev, "backend", NodeStatuses.Done, NodeStatuses.InProgress, "API contract changed"),
            (rolledBack.Actor, rolledBack.NodeKey, rolledBack.From, rolledBack.To, rolledBack.Reason));
        var reset = history.First(e => e.Type == ProjectEventTypes.NodeStatusChanged);
        Assert.Equal(("test", NodeStatuses.InProgress, NodeStatuses.NotStarted), (reset.NodeKey, reset.From, reset.To));
        Assert.Contains("API contract changed", reset.Reason, StringComparison.Ordinal);
        // Sequences are consecutive, newest first.
        var sequences = (await HistoryAsync(project)).Select(e => e.Sequence).ToList();
        Assert.Equal(Enumerable.Range(1, sequences.Count).Select(i => (long)i).Reverse(), sequences);
    }

    [Fact]
    public async Task A_blocked_node_starts_again_and_a_skipped_one_counts_as_finished()
    {
        var (_, project) = await NewProjectAsync();
        var item = await NewItemAsync(project);

        Refused(ProjectRejectCodes.Invalid, await project.Execute(Dev, new ChangeNode(item, "frontend", NodeAction.Block, Reason: " ")));
        Refused(ProjectRejectCodes.NotOwner, await project.Execute(Qa, new ChangeNode(item, "frontend", NodeAction.Block, Reason: "waiting for designs")));
        Accepted(await project.Execute(Dev, new ChangeNode(item, "frontend", NodeAction.Block, Reason: "waiting for designs")));
        Assert.Equal(NodeStatuses.Blocked, (await ItemAsync(project, item)).Status);
        // Skipping is for admins, even for the node's owner.
        Refused(ProjectRejectCodes.NotAdmin, await project.Execute(Dev, new ChangeNode(item, "backend", NodeAction.Skip)));
        Accepted(await project.Execute(Admin, new ChangeNode(item, "backend", NodeAction.Skip, Reason: "reuses the old API")));
        Refused(ProjectRejectCodes.InvalidTransition, await project.Execute(Admin, new ChangeNode(item, "backend", NodeAction.Skip)));

        await FinishAsync(project, item, "design");
        Accepted(await project.Execute(Dev, Start(item, "frontend")));
        Accepted(await project.Execute(Dev, Complete(item, "frontend")));
        // frontend done and backend skipped: test may start.
        Accepted(await project.Execute(Qa, Start(item, "test")));
        var blocked = (await HistoryAsync(project, item)).Last(e => e.To == NodeStatuses.Blocked);
        Assert.Equal((ProjectEventTypes.NodeStatusChanged, "frontend", "waiting for designs"), (blocked.Type, blocked.NodeKey, blocked.Reason));
    }

    [Fact]
    public async Task Node_owners_plan_their_node_and_admins_choose_its_people()
    {
        var (_, project) = await NewProjectAsync();
        var item = await NewItemAsync(project);

        Accepted(await project.Execute(Dev, new UpdateProjectNode(item, "frontend", PlannedStart: new DateOnly(2026, 12, 1), PlannedEnd: new DateOnly(2026, 12, 3), Estimate: 12.5)));
        Refused(ProjectRejectCodes.NotOwner, await project.Execute(Qa, new UpdateProjectNode(item, "frontend", Estimate: 1)));
        Refused(ProjectRejectCodes.NotAdmin, await project.Execute(Dev, new UpdateProjectNode(item, "frontend", Owners: [Dev, Qa])));
        Refused(ProjectRejectCodes.Invalid, await project.Execute(Dev, new UpdateProjectNode(item, "frontend", Estimate: -1)));
        Refused(ProjectRejectCodes.Invalid, await project.Execute(Dev, new UpdateProjectNode(item, "frontend", PlannedStart: new DateOnly(2026, 12, 9))));
        Accepted(await project.Execute(Admin, new UpdateProjectNode(item, "test", Owners: [Qa, Dev], Members: [Viewer])));

        var nodes = (await ItemAsync(project, item)).Nodes.ToDictionary(n => n.Key);
        Assert.Equal((new DateOnly(2026, 12, 1), new DateOnly(2026, 12, 3), 12.5), (nodes["frontend"].PlannedStart, nodes["frontend"].PlannedEnd, nodes["frontend"].Estimate));
        Assert.Equal([Qa, Dev], nodes["test"].Owners);
        Assert.Equal([Viewer], nodes["test"].Members);
        var changes = (await HistoryAsync(project, item)).Where(e => e.Type == ProjectEventTypes.ItemFieldChanged).ToList();
        Assert.Contains(changes, e => (e.NodeKey, e.Field, e.From, e.To) == ("test", "owners", Qa, $"{Qa},{Dev}"));
        Assert.Contains(changes, e => (e.NodeKey, e.Field, e.From, e.To) == ("frontend", "estimate", null, "12.5"));
        // The new owner acts on the node.
        await FinishAsync(project, item, "design", "frontend", "backend");
        Accepted(await project.Execute(Dev, Start(item, "test")));
    }

    [Fact]
    public async Task Admins_define_types_whose_workflow_must_be_a_dag()
    {
        var (_, project) = await NewProjectAsync();
        WorkflowNodeTemplate Node(string key, params string[] after) => new(key, key.ToUpperInvariant(), after, "developer");

        Refused(ProjectRejectCodes.NotAdmin, await project.Execute(Dev, new SetWorkItemType("spike", "Spike", [Node("a")])));
        Refused(ProjectRejectCodes.Invalid, await project.Execute(Admin, new SetWorkItemType("spike", "Spike", [Node("a", "c"), Node("b", "a"), Node("c", "b")])));
        Refused(ProjectRejectCodes.Invalid, await project.Execute(Admin, new SetWorkItemType("spike", "Spike", [Node("a", "ghost")])));
        Refused(ProjectRejectCodes.Invalid, await project.Execute(Admin, new SetWorkItemType("spike", "Spike", [Node("a"), Node("a")])));
        Refused(ProjectRejectCodes.Invalid, await project.Execute(Admin, new SetWorkItemType("spike", "Spike", [Node("a", "a")])));
        Refused(ProjectRejectCodes.Invalid, await project.Execute(Admin, new SetWorkItemType("spike", "Spike", [])));
        Refused(ProjectRejectCodes.Invalid, await project.Execute(Admin, new SetWorkItemType("Spike!", "Spike", [Node("a")])));
        Refused(ProjectRejectCodes.Invalid, await project.Execute(Dev, new CreateProjectItem(ProjectSchema.NewItemId(), "x", "spike")));

        Accepted(await project.Execute(Admin, new SetWorkItemType("spike", "Spike", [Node("research"), Node("prototype", "research"), Node("write-up", "research")])));
        var item = await ItemAsync(project, await NewItemAsync(project, "spike"));
        Assert.Equal(["research", "prototype", "write-up"], item.Nodes.Select(n => n.Key));
        Assert.All(item.Nodes, n => Assert.Equal([Dev], n.Owners));

        var read = await project.Execute(Viewer, new ReadProject());
        var settings = JsonSerializer.Deserialize<ProjectView>(read.Reply!, JsonSerializerOptions.Web)!;
        Assert.Equal(("Apollo", "Asia/Shanghai"), (settings.Name, settings.TimeZone));
        Assert.Equal(["defect", "requirement", "spike", "task"], settings.Types.Select(t => t.Key));
        Assert.Equal(["developer"], settings.Functions[Dev]);
        // Every built-in workflow has a parallel branch: two nodes with the same predecessors.
        foreach (var type in settings.Types.Where(t => t.Key != "spike"))
        {
            Assert.Contains(type.Nodes, a => type.Nodes.Any(b => a.Key != b.Key && a.After.Count > 0 && a.After.SequenceEqual(b.After)));
        }
    }

    [Fact]
    public async Task Field_changes_are_recorded_with_from_and_to()
    {
        var (_, project) = await NewProjectAsync();
        var item = await NewItemAsync(project);
        Accepted(await project.Execute(Dev, new UpdateProjectItem(item, Title: "Sign-in page", Priority: "high", Assignees: [Dev], Labels: ["web"],
            PlannedStart: new DateOnly(2026, 12, 1), PlannedEnd: new DateOnly(2026, 12, 4))));
        Refused(ProjectRejectCodes.Invalid, await project.Execute(Dev, new UpdateProjectItem(item, Priority: "whenever")));
        Refused(ProjectRejectCodes.Invalid, await project.Execute(Dev, new UpdateProjectItem(item, PlannedStart: new DateOnly(2026, 12, 9))));
        var view = await ItemAsync(project, item);
        Assert.Equal(("Sign-in page", "high", new DateOnly(2026, 12, 1), new DateOnly(2026, 12, 4)), (view.Title, view.Priority, view.PlannedStart, view.PlannedEnd));
        Assert.Equal([Dev], view.Assignees);

        var changes = (await HistoryAsync(project, item)).Where(e => e.Type == ProjectEventTypes.ItemFieldChanged).ToDictionary(e => e.Field!);
        Assert.Equal(("Login page", "Sign-in page"), (changes["title"].From, changes["title"].To));
        Assert.Equal(("medium", "high"), (changes["priority"].From, changes["priority"].To));
        Assert.Equal((null, "2026-12-04"), (changes["plannedEnd"].From, changes["plannedEnd"].To));
        Assert.All(changes.Values, e => Assert.Equal("Sign-in page", e.ItemTitle));
    }

    [Fact]
    public async Task The_next_sequence_survives_a_reactivation()
    {
        var (id, project) = await NewProjectAsync();
        var item = await NewItemAsync(project);
        Accepted(await project.Execute(Admin, Start(item, "design")));
        var before = (await HistoryAsync(project)).Max(e => e.Sequence);

        var observer = new DocumentGrainTests.RecordingObserver();
        var reference = Grains.CreateObjectReference<IDocumentObserver>(observer);
        var epoch = await project.Subscribe(reference);
        await Grains.GetGrain<IManagementGrain>(0).ForceActivationCollection(TimeSpan.Zero);
        await Eventually.HoldsAsync(() => observer.Deactivations.Contains((id, epoch)), "the project deactivated");
        Assert.NotEqual(epoch, await project.Subscribe(reference));
        Grains.DeleteObjectReference<IDocumentObserver>(reference);

        Accepted(await project.Execute(Admin, Complete(item, "design")));
        var after = await HistoryAsync(project);
        Assert.Equal(before + 1, after[0].Sequence);
        Assert.Equal(after.Count, after.Select(e => e.Sequence).Distinct().Count());
        Assert.Equal(NodeStatuses.Done, await NodeStatusAsync(project, item, "design"));
    }

    private static byte[] UpdateFrame(byte[] update) => Frames.Sync(SyncMessageType.Update, update);

    private static byte[] Edit(Doc client, Action<Doc> edit)
    {
        var before = client.EncodeStateVector();
        edit(client);
        return client.EncodeStateAsUpdate(before);
    }

    [Fact]
    public async Task A_clients_update_touching_a_server_owned_root_is_refused_whole_and_free_text_is_not()
    {
        var (_, project) = await NewProjectAsync();
        var item = await NewItemAsync(project);
        Assert.Equal(DocumentRole.Owner, (await project.Join(Admin, "c1")).Role);
        var client = new Doc();
        client.ApplyUpdate(await project.EncodeState());
        var before = await ItemAsync(project, item);

        // Into a map nested under items (a node's status), a new item, the project's settings, the types.
        var nested = Edit(client, d => ((YMap)((YMap)((YMap)d.GetMap(ProjectSchema.ItemsRoot).Get(item)!).Get("nodes")!).Get("design")!).Set("status", NodeStatuses.Done));
        var newItem = Edit(client, d => d.GetMap(ProjectSchema.ItemsRoot).Set("forged", "x"));
        var settings = Edit(client, d => d.GetMap(ProjectSchema.ProjectRoot).Set("timeZone", "UTC"));
        var types = Edit(client, d => d.GetMap(ProjectSchema.TypesRoot).Delete(Workflows.Task));
        foreach (var forged in new[] { nested, newItem, settings, types })
        {
            Refused(RejectCodes.ServerOwned, await project.Receive(Admin, "c1", UpdateFrame(forged)));
            Refused(RejectCodes.ServerOwned, await project.ApplyUpdate(Admin, forged));
        }
        Assert.Equivalent(before, await ItemAsync(project, item));
        Assert.Equal("\"Asia/Shanghai\"", JsonSerializer.Serialize(JsonDocument.Parse((await project.ReadRoot(Admin, ProjectSchema.ProjectRoot, RootKind.Map)).Json!).RootElement.GetProperty("timeZone")));

        // A root the kind does not own is the clients' (free text).
        var fresh = new Doc();
        fresh.ApplyUpdate(await project.EncodeState());
        Accepted(await project.Receive(Admin, "c1", UpdateFrame(Edit(fresh, d => d.GetText("notes").Insert(0, "kick-off on Monday")))));
        Assert.Equal("\"kick-off on Monday\"", (await project.ReadRoot(Viewer, "notes", RootKind.Text)).Json);
        // And the server's own changes keep working after it.
        Accepted(await project.Execute(Admin, Start(item, "design")));
        await project.Leave("c1");
    }
}
