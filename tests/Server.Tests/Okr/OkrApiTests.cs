using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Spotter.Collab.Crdt;
using Spotter.Collab.Grains;
using Spotter.Collab.Grains.Okr;
using Spotter.Collab.Server.Tests.Access;
using Spotter.Collab.Server.Tests.Infrastructure;

namespace Spotter.Collab.Server.Tests.Okr;

public sealed class OkrServerFixture : IAsyncLifetime, IDisposable
{
    private readonly TempDirectory _directory = new();

    public CollabTestServer Server { get; private set; } = null!;

    public async Task InitializeAsync() => Server = await CollabTestServer.StartAsync(_directory.Path);

    public async Task DisposeAsync() => await Server.DisposeAsync();

    public void Dispose() => _directory.Dispose();
}

/// <summary>The OKR contract over HTTP and the hub (docs/okr.md): cycles, objectives with co-owners from other
/// departments, weighted key results and check-ins, alignment with roll-up and refused cycles, visibility, the live
/// read model, and key results fed from a project's real grain.</summary>
public sealed class OkrApiTests(OkrServerFixture fixture) : IClassFixture<OkrServerFixture>
{
    private static readonly string[] s_launchSteps = ["beta", "GA", "press", "first deal"];

    private CollabTestServer Server => fixture.Server;

    private static async Task<HttpResponseMessage> ExpectAsync(HttpStatusCode status, Task<HttpResponseMessage> request, string? problem = null)
    {
        var response = await request;
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(status == response.StatusCode, $"expected {(int)status}, got {(int)response.StatusCode}: {body}");
        if (problem is not null) Assert.Equal($"urn:spotter-collab:problem:{problem}", JsonDocument.Parse(body).RootElement.GetProperty("type").GetString());
        return response;
    }

    private static async Task<string> IdAsync(Task<HttpResponseMessage> request) =>
        (await AccessKit.JsonAsync(await ExpectAsync(HttpStatusCode.Created, request))).GetProperty("id").GetString()!;

    private static async Task<string> CycleAsync(AccessKit kit, string start = "2026-01-01", string end = "2026-12-31") =>
        await IdAsync((await kit.AdminAsync()).PostAsJsonAsync("/api/okr/cycles", new { name = "FY", start, end, kind = "year" }));

    private static Task<string> ObjectiveAsync(HttpClient client, string cycle, string title = "Grow", object? owners = null, object? contributors = null, object? visibility = null) =>
        IdAsync(client.PostAsJsonAsync("/api/okr/objectives", new { cycleId = cycle, title, owners, contributors, visibility }));

    private static Task<string> KeyResultAsync(HttpClient client, string objective, double start, double target, double? weight = null, string title = "KR") =>
        IdAsync(client.PostAsJsonAsync($"/api/okr/objectives/{objective}/key-results", new { title, start, target, weight }));

    private static Task<HttpResponseMessage> CheckInAsync(HttpClient client, string keyResult, double value, int confidence = 5, string? note = null) =>
        ExpectAsync(HttpStatusCode.Created, client.PostAsJsonAsync($"/api/okr/key-results/{keyResult}/check-ins", new { value, confidence, note }));

    private static async Task<JsonElement> ReadAsync(HttpClient client, string objective) =>
        await AccessKit.JsonAsync(await ExpectAsync(HttpStatusCode.OK, client.GetAsync($"/api/okr/objectives/{objective}")));

    private static double Progress(JsonElement objective) => objective.GetProperty("progress").GetDouble();

    private static async Task<string> DepartmentAsync(AccessKit kit, string name) =>
        (await AccessKit.JsonAsync(await (await kit.AdminAsync()).PostAsJsonAsync("/api/admin/departments", new { name }))).GetProperty("id").GetString()!;

    private static async Task PlaceAsync(AccessKit kit, string username, string department) =>
        await ExpectAsync(HttpStatusCode.OK, (await kit.AdminAsync()).PatchAsJsonAsync($"/api/admin/users/{username}", new { departmentId = department }));

    [Fact]
    public async Task Key_results_roll_up_by_normalised_weights_with_decreasing_metrics_milestones_and_a_kept_history()
    {
        using var kit = new AccessKit(Server);
        var (ann, annToken) = await kit.UserAsync("ann");
        var (bob, bobToken) = await kit.UserAsync("bob");
        using var annHttp = Server.Client(annToken);
        using var bobHttp = Server.Client(bobToken);
        await PlaceAsync(kit, ann, await DepartmentAsync(kit, "Sales"));
        await PlaceAsync(kit, bob, await DepartmentAsync(kit, "Engineering"));
        var cycle = await CycleAsync(kit);
        Assert.Contains((await AccessKit.JsonAsync(await annHttp.GetAsync("/api/okr/cycles"))).EnumerateArray(), c => c.GetProperty("id").GetString() == cycle);

        // Co-owners from two departments.
        var objective = await ObjectiveAsync(annHttp, cycle, "Win the enterprise market", owners: new[] { ann, bob });
        Assert.StartsWith(OkrSchema.ObjectiveIdPrefix, objective, StringComparison.Ordinal);
        var revenue = await KeyResultAsync(annHttp, objective, 0, 100, weight: 3, title: "Revenue");
        var churn = await KeyResultAsync(bobHttp, objective, 10, 2, weight: 1, title: "Churn % down"); // decreasing
        Assert.Equal(objective, OkrSchema.ObjectiveOf(revenue));

        await CheckInAsync(annHttp, revenue, 50, 7, "half way");
        await CheckInAsync(bobHttp, churn, 6, 4);
        // revenue 0.5 (weight 3), churn (10-6)/(10-2) = 0.5 (weight 1) → 0.5
        var read = await ReadAsync(annHttp, objective);
        Assert.Equal(0.5, Progress(read), 10);
        Assert.Equal([ann, bob], read.GetProperty("owners").EnumerateArray().Select(o => o.GetString()));
        Assert.Equal("owner", read.GetProperty("role").GetString());

        // Overshooting clamps to 1; the weights are normalised: (3·1 + 1·0.5) / 4.
        await CheckInAsync(annHttp, revenue, 180);
        Assert.Equal(0.875, Progress(await ReadAsync(bobHttp, objective)), 10);
        // Weights changed to equal: (1 + 0.5) / 2.
        await ExpectAsync(HttpStatusCode.NoContent, annHttp.PatchAsJsonAsync($"/api/okr/objectives/{objective}", new { weights = new Dictionary<string, double> { [revenue] = 2, [churn] = 2 } }));
        Assert.Equal(0.75, Progress(await ReadAsync(annHttp, objective)), 10);

        // A milestone checklist counts its milestones done.
        var launch = await IdAsync(annHttp.PostAsJsonAsync($"/api/okr/objectives/{objective}/key-results", new { title = "Launch", milestones = s_launchSteps, weight = 4 }));
        await ExpectAsync(HttpStatusCode.NoContent, bobHttp.PutAsJsonAsync($"/api/okr/key-results/{launch}/milestones/1", new { done = true, confidence = 8 }));
        read = await ReadAsync(annHttp, objective);
        var launchView = read.GetProperty("keyResults").EnumerateArray().Single(k => k.GetProperty("id").GetString() == launch);
        Assert.Equal(0.25, launchView.GetProperty("progress").GetDouble(), 10);
        Assert.Equal([false, true, false, false], launchView.GetProperty("milestones").EnumerateArray().Select(m => m.GetProperty("done").GetBoolean()));
        // (2·1 + 2·0.5 + 4·0.25) / 8
        Assert.Equal(0.5, Progress(read), 10);

        // Bad input is refused and changes nothing.
        await ExpectAsync(HttpStatusCode.BadRequest, annHttp.PostAsJsonAsync($"/api/okr/key-results/{revenue}/check-ins", new { value = 1, confidence = 11 }), "invalid");
        await ExpectAsync(HttpStatusCode.BadRequest, annHttp.PostAsJsonAsync($"/api/okr/objectives/{objective}/key-results", new { title = "flat", start = 5, target = 5 }), "invalid");
        await ExpectAsync(HttpStatusCode.NotFound, annHttp.PostAsJsonAsync($"/api/okr/key-results/{OkrSchema.NewKeyResultId(objective)}/check-ins", new { value = 1, confidence = 1 }), OkrRejectCodes.UnknownKeyResult);
        Assert.Equal(0.5, Progress(await ReadAsync(annHttp, objective)), 10);

        // The whole history, oldest first, with who, confidence and note.
        var history = (await AccessKit.JsonAsync(await annHttp.GetAsync($"/api/okr/key-results/{revenue}/check-ins"))).EnumerateArray().ToList();
        Assert.Equal([50.0, 180.0], history.Select(h => h.GetProperty("value").GetDouble()));
        Assert.Equal(("half way", 7, ann), (history[0].GetProperty("note").GetString(), history[0].GetProperty("confidence").GetInt32(), history[0].GetProperty("author").GetString()));
    }

    [Fact]
    public async Task Aligned_children_roll_up_into_their_parent_and_alignments_that_close_a_cycle_are_refused()
    {
        using var kit = new AccessKit(Server);
        var (_, token) = await kit.UserAsync("lead");
        using var http = Server.Client(token);
        var cycle = await CycleAsync(kit);
        var company = await ObjectiveAsync(http, cycle, "Company");
        var teamA = await ObjectiveAsync(http, cycle, "Team A");
        var teamB = await ObjectiveAsync(http, cycle, "Team B");
        var krA = await KeyResultAsync(http, teamA, 0, 10);
        var krB = await KeyResultAsync(http, teamB, 0, 10);
        var companyKr = await KeyResultAsync(http, company, 0, 4);
        await CheckInAsync(http, krA, 5); // team A 0.5
        await CheckInAsync(http, companyKr, 1); // company's own 0.25

        await ExpectAsync(HttpStatusCode.Created, http.PostAsJsonAsync("/api/okr/alignments", new { from = teamA, to = company }));
        await ExpectAsync(HttpStatusCode.Created, http.PostAsJsonAsync("/api/okr/alignments", new { from = krB, to = company }));
        await ExpectAsync(HttpStatusCode.Conflict, http.PostAsJsonAsync("/api/okr/alignments", new { from = teamA, to = company }), OkrRejectCodes.Exists);
        // KR → KR across objectives is fine.
        await ExpectAsync(HttpStatusCode.Created, http.PostAsJsonAsync("/api/okr/alignments", new { from = krA, to = companyKr }));

        // Cycles: directly, through a key result's objective, and onto oneself.
        await ExpectAsync(HttpStatusCode.Conflict, http.PostAsJsonAsync("/api/okr/alignments", new { from = company, to = teamA }), OkrRejectCodes.Cycle);
        await ExpectAsync(HttpStatusCode.Conflict, http.PostAsJsonAsync("/api/okr/alignments", new { from = company, to = krA }), OkrRejectCodes.Cycle);
        await ExpectAsync(HttpStatusCode.Conflict, http.PostAsJsonAsync("/api/okr/alignments", new { from = teamA, to = krA }), OkrRejectCodes.Cycle);
        await ExpectAsync(HttpStatusCode.Conflict, http.PostAsJsonAsync("/api/okr/alignments", new { from = teamB, to = teamB }), OkrRejectCodes.Cycle);

        // Key results only (the default): 0.25.
        Assert.Equal(0.25, Progress(await ReadAsync(http, company)), 10);
        // Children: team A 0.5 and team B's KR 0 → 0.25; both: (0.25 + 0.25) / 2.
        await ExpectAsync(HttpStatusCode.NoContent, http.PatchAsJsonAsync($"/api/okr/objectives/{company}", new { progressMode = "children" }));
        Assert.Equal(0.25, Progress(await ReadAsync(http, company)), 10);
        // A check-in on an aligned child reaches the parent before it is answered.
        await CheckInAsync(http, krB, 10);
        Assert.Equal(0.75, Progress(await ReadAsync(http, company)), 10);
        await ExpectAsync(HttpStatusCode.NoContent, http.PatchAsJsonAsync($"/api/okr/objectives/{company}", new { progressMode = "both" }));
        Assert.Equal(0.5, Progress(await ReadAsync(http, company)), 10);

        // The company graph: every node with its progress and every alignment.
        var graph = await AccessKit.JsonAsync(await ExpectAsync(HttpStatusCode.OK, http.GetAsync($"/api/okr/cycles/{cycle}/graph")));
        Assert.Equal(3, graph.GetProperty("alignments").GetArrayLength());
        Assert.Equal(0.5, graph.GetProperty("nodes").EnumerateArray().Single(n => n.GetProperty("id").GetString() == teamA).GetProperty("progress").GetDouble(), 10);
        // Unaligning removes the child from the roll-up.
        await ExpectAsync(HttpStatusCode.NoContent, http.DeleteAsync($"/api/okr/alignments?from={krB}&to={company}"));
        await ExpectAsync(HttpStatusCode.NoContent, http.PatchAsJsonAsync($"/api/okr/objectives/{company}", new { progressMode = "children" }));
        Assert.Equal(0.5, Progress(await ReadAsync(http, company)), 10);
        // Manual status.
        await ExpectAsync(HttpStatusCode.NoContent, http.PatchAsJsonAsync($"/api/okr/objectives/{company}", new { statusMode = "manual", status = "at_risk" }));
        Assert.Equal("at_risk", (await ReadAsync(http, company)).GetProperty("status").GetString());
    }

    [Fact]
    public async Task An_objective_outside_your_visibility_looks_like_one_that_does_not_exist_on_every_endpoint()
    {
        using var kit = new AccessKit(Server);
        var (owner, ownerToken) = await kit.UserAsync("own");
        var (insiderName, insiderToken) = await kit.UserAsync("ins");
        var (_, outsiderToken) = await kit.UserAsync("out");
        var org = await kit.CreatePartnerOrgAsync("Vendor " + Guid.NewGuid().ToString("N")[..6]);
        var (partner, partnerToken) = await kit.UserAsync("ptn", org);
        var finance = await DepartmentAsync(kit, "Finance");
        var subFinance = (await AccessKit.JsonAsync(await (await kit.AdminAsync()).PostAsJsonAsync("/api/admin/departments", new { name = "Tax", parentId = finance }))).GetProperty("id").GetString()!;
        await PlaceAsync(kit, owner, finance);
        await PlaceAsync(kit, insiderName, subFinance);
        using var ownerHttp = Server.Client(ownerToken);
        var cycle = await CycleAsync(kit);
        var objective = await ObjectiveAsync(ownerHttp, cycle, "Close the books faster", visibility: new { kind = "departments", departments = new[] { finance } });
        var kr = await KeyResultAsync(ownerHttp, objective, 10, 3);
        var parent = await ObjectiveAsync(ownerHttp, cycle, "Company");
        await ExpectAsync(HttpStatusCode.Created, ownerHttp.PostAsJsonAsync("/api/okr/alignments", new { from = objective, to = parent }));

        // Someone in a department below the listed one sees it.
        using var insider = Server.Client(insiderToken);
        Assert.Equal("viewer", (await ReadAsync(insider, objective)).GetProperty("role").GetString());
        Assert.Contains((await AccessKit.JsonAsync(await insider.GetAsync($"/api/okr/cycles/{cycle}/objectives"))).EnumerateArray(), o => o.GetProperty("id").GetString() == objective);

        var missing = OkrSchema.NewObjectiveId();
        var missingKr = OkrSchema.NewKeyResultId(missing);
        using var outsider = Server.Client(outsiderToken);
        using var partnerHttp = Server.Client(partnerToken);
        foreach (var client in new[] { outsider, partnerHttp })
        {
            foreach (var (id, krId) in new[] { (objective, kr), (missing, missingKr) })
            {
                await ExpectAsync(HttpStatusCode.NotFound, client.GetAsync($"/api/okr/objectives/{id}"), "not-found");
                await ExpectAsync(HttpStatusCode.NotFound, client.PatchAsJsonAsync($"/api/okr/objectives/{id}", new { title = "mine" }), "not-found");
                await ExpectAsync(HttpStatusCode.NotFound, client.PostAsJsonAsync($"/api/okr/objectives/{id}/key-results", new { title = "x", start = 0, target = 1 }), "not-found");
                await ExpectAsync(HttpStatusCode.NotFound, client.PostAsJsonAsync($"/api/okr/key-results/{krId}/check-ins", new { value = 1, confidence = 1 }), "not-found");
                await ExpectAsync(HttpStatusCode.NotFound, client.GetAsync($"/api/okr/key-results/{krId}/check-ins"), "not-found");
                await ExpectAsync(HttpStatusCode.NotFound, client.PutAsJsonAsync($"/api/okr/key-results/{krId}/milestones/0", new { done = true }), "not-found");
                await ExpectAsync(HttpStatusCode.NotFound, client.PostAsJsonAsync("/api/okr/alignments", new { from = id, to = parent }), "not-found");
                await ExpectAsync(HttpStatusCode.NotFound, client.PostAsJsonAsync("/api/okr/alignments", new { from = parent, to = id }), "not-found");
                await ExpectAsync(HttpStatusCode.NotFound, client.DeleteAsync($"/api/okr/alignments?from={id}&to={parent}"), "not-found");
            }
            await using var hub = await Server.ConnectAsync(client == outsider ? outsiderToken : partnerToken, messagePack: true);
            await Assert.ThrowsAsync<Microsoft.AspNetCore.SignalR.HubException>(() => hub.JoinAsync(objective));
            Assert.DoesNotContain(hub.Received, frame => frame.DocId == objective);
        }
        // The colleague's lists and graph leave it out; the partner gets no OKRs at all.
        Assert.DoesNotContain((await AccessKit.JsonAsync(await outsider.GetAsync($"/api/okr/cycles/{cycle}/objectives"))).EnumerateArray(), o => o.GetProperty("id").GetString() == objective);
        var graph = await AccessKit.JsonAsync(await outsider.GetAsync($"/api/okr/cycles/{cycle}/graph"));
        Assert.DoesNotContain(graph.GetProperty("nodes").EnumerateArray(), n => n.GetProperty("objectiveId").GetString() == objective);
        Assert.Empty(graph.GetProperty("alignments").EnumerateArray());
        await ExpectAsync(HttpStatusCode.NotFound, partnerHttp.GetAsync($"/api/okr/cycles/{cycle}/graph"), "not-found");
        await ExpectAsync(HttpStatusCode.NotFound, partnerHttp.GetAsync("/api/okr/cycles"), "not-found");
        await ExpectAsync(HttpStatusCode.Forbidden, partnerHttp.PostAsJsonAsync("/api/okr/objectives", new { cycleId = cycle, title = "mine" }));

        // Partners never: not as owners, not through a grant, not through a group or a link.
        await ExpectAsync(HttpStatusCode.BadRequest, ownerHttp.PostAsJsonAsync("/api/okr/objectives", new { cycleId = cycle, title = "with a vendor", owners = new[] { owner, partner } }), "unknown-user");
        await ExpectAsync(HttpStatusCode.BadRequest, ownerHttp.PostAsJsonAsync($"/api/resources/{objective}/grants", new { principal = $"user:{partner}", level = "view" }), "invalid");
        await ExpectAsync(HttpStatusCode.BadRequest, ownerHttp.PostAsJsonAsync($"/api/resources/{objective}/links", new { scope = "company", role = "view" }), "invalid");
        var group = await kit.CreateGroupAsync("Mixed " + Guid.NewGuid().ToString("N")[..6]);
        await kit.AddToGroupAsync(group, partner);
        await kit.GrantAsync(ownerToken, objective, $"group:{group}", "view");
        await ExpectAsync(HttpStatusCode.NotFound, partnerHttp.GetAsync($"/api/okr/objectives/{objective}"), "not-found");
    }

    [Fact]
    public async Task A_check_in_changes_the_read_model_a_watcher_sees_and_clients_cannot_write_it()
    {
        using var kit = new AccessKit(Server);
        var (_, ownerToken) = await kit.UserAsync("own");
        var (contributor, contributorToken) = await kit.UserAsync("con");
        var (viewer, viewerToken) = await kit.UserAsync("vie");
        using var ownerHttp = Server.Client(ownerToken);
        var cycle = await CycleAsync(kit);
        var objective = await ObjectiveAsync(ownerHttp, cycle, "Delight users", contributors: new[] { contributor }, visibility: new { kind = "people", people = new[] { viewer } });
        var kr = await KeyResultAsync(ownerHttp, objective, 0, 8);

        await using var watcher = await Server.ConnectAsync(viewerToken, messagePack: true);
        var watched = new SyncedDoc();
        watcher.Attach(objective, watched);
        Assert.Equal("viewer", await watcher.JoinAsync(objective));
        await watcher.SendAsync(objective, watched.Step1());
        double? Value(SyncedDoc doc) => doc.Read(d => d.GetMap(OkrSchema.ProgressRoot).Get("value") switch { double v => v, long l => l, int i => i, _ => (double?)null });
        await Eventually.HoldsAsync(() => Value(watched) == 0, "the watcher synced the read model");
        Assert.Equal("Delight users", watched.Read(d => d.GetMap(OkrSchema.ObjectiveRoot).Get("title") as string));

        using var contributorHttp = Server.Client(contributorToken);
        await CheckInAsync(contributorHttp, kr, 2, 6, "first users");
        await Eventually.HoldsAsync(() => Value(watched) == 0.25, "the check-in reached the watcher's read model");
        Assert.Equal(0.25, watched.Read(d => ((d.GetMap(OkrSchema.ProgressRoot).Get("keyResults") as YMap)?.Get(kr) as Dictionary<string, object?>)?["progress"] as double?));

        // The contributor writes the description; nobody's client writes the definition or the read model.
        await using var writer = await Server.ConnectAsync(contributorToken, messagePack: false);
        var own = new SyncedDoc();
        writer.Attach(objective, own);
        Assert.Equal("editor", await writer.JoinAsync(objective));
        await writer.SendAsync(objective, own.Step1());
        await Eventually.HoldsAsync(() => Value(own) == 0.25, "the contributor synced");
        await writer.SendAsync(objective, own.Edit(d => d.GetMap(OkrSchema.ProgressRoot).Set("value", 1.0))!);
        await Eventually.HoldsAsync(() => writer.Rejections.Any(r => r.DocId == objective && r.Code == RejectCodes.ServerOwned), "the write of the read model was refused");
        await writer.SendAsync(objective, own.Edit(d => d.GetMap(OkrSchema.ObjectiveRoot).Set("title", "Mine now"))!);
        await Eventually.HoldsAsync(() => writer.Rejections.Count(r => r.DocId == objective && r.Code == RejectCodes.ServerOwned) == 2, "the write of the definition was refused");
        Assert.Equal(0.25, Progress(await ReadAsync(ownerHttp, objective)), 10);
        Assert.Equal("Delight users", (await ReadAsync(ownerHttp, objective)).GetProperty("title").GetString());

        var text = new SyncedDoc();
        writer.Attach(objective, text);
        await writer.SendAsync(objective, text.Edit(d => d.GetText(OkrSchema.DescriptionRoot).Insert(0, "Why this matters"))!);
        await Eventually.HoldsAsync(() => watched.Read(d => d.GetText(OkrSchema.DescriptionRoot).ToString()) == "Why this matters", "the description reached the watcher");
        // A viewer changes nothing.
        using var viewerHttp = Server.Client(viewerToken);
        await ExpectAsync(HttpStatusCode.Forbidden, viewerHttp.PostAsJsonAsync($"/api/okr/key-results/{kr}/check-ins", new { value = 8, confidence = 9 }), RejectCodes.ReadOnly);
    }

    [Fact]
    public async Task A_key_result_linked_to_project_work_moves_when_a_node_completes_and_records_the_check_in()
    {
        using var kit = new AccessKit(Server);
        var (_, pmToken) = await kit.UserAsync("pm");
        using var pm = Server.Client(pmToken);
        var project = await IdAsync(pm.PostAsJsonAsync("/api/projects", new { name = "Apollo" }));
        var first = await IdAsync(pm.PostAsJsonAsync($"/api/projects/{project}/items", new { title = "Checkout", type = "task" }));
        var second = await IdAsync(pm.PostAsJsonAsync($"/api/projects/{project}/items", new { title = "Search", type = "task" }));
        var cycle = await CycleAsync(kit);
        var objective = await ObjectiveAsync(pm, cycle, "Ship Apollo");
        var planDone = await IdAsync(pm.PostAsJsonAsync($"/api/okr/objectives/{objective}/key-results",
            new { title = "Checkout planned", link = new { projectId = project, measure = "nodeDone", itemId = first, nodeKey = "plan" } }));
        var tasksDone = await IdAsync(pm.PostAsJsonAsync($"/api/okr/objectives/{objective}/key-results",
            new { title = "Tasks done", start = 0, target = 2, link = new { projectId = project, measure = "itemsDone", type = "task" } }));
        // A project the caller cannot read cannot feed a key result.
        var (_, strangerToken) = await kit.UserAsync("str");
        using var stranger = Server.Client(strangerToken);
        var strangers = await ObjectiveAsync(stranger, cycle, "Spy");
        await ExpectAsync(HttpStatusCode.BadRequest, stranger.PostAsJsonAsync($"/api/okr/objectives/{strangers}/key-results",
            new { title = "peek", start = 0, target = 1, link = new { projectId = project, measure = "itemsDone" } }), "invalid");

        async Task<double> CurrentAsync(string kr) =>
            (await ReadAsync(pm, objective)).GetProperty("keyResults").EnumerateArray().Single(k => k.GetProperty("id").GetString() == kr).GetProperty("current").GetDouble();
        Assert.Equal(0, await CurrentAsync(planDone));

        await ExpectAsync(HttpStatusCode.NoContent, pm.PostAsync($"/api/projects/{project}/items/{first}/nodes/plan/start", null));
        await ExpectAsync(HttpStatusCode.NoContent, pm.PostAsync($"/api/projects/{project}/items/{first}/nodes/plan/complete", null));
        async Task<List<JsonElement>> HistoryAsync(string kr) =>
            (await AccessKit.JsonAsync(await pm.GetAsync($"/api/okr/key-results/{kr}/check-ins"))).EnumerateArray().ToList();
        // The feed's check-in is answered once it is stored (after the read model moved): wait for the record.
        await Eventually.HoldsAsync(async () => (await HistoryAsync(planDone)).Count > 0, "the node's completion was checked in");
        Assert.Equal(1, await CurrentAsync(planDone));
        Assert.Equal(0.5, Progress(await ReadAsync(pm, objective)), 10);
        var automatic = Assert.Single(await HistoryAsync(planDone));
        Assert.Equal(1, automatic.GetProperty("value").GetDouble());
        Assert.StartsWith($"project:{project}#", automatic.GetProperty("source").GetString(), StringComparison.Ordinal);

        // Every node of the second task done: one task done.
        foreach (var node in new[] { "plan", "implement", "document", "review" })
        {
            await ExpectAsync(HttpStatusCode.NoContent, pm.PostAsync($"/api/projects/{project}/items/{second}/nodes/{node}/start", null));
            await ExpectAsync(HttpStatusCode.NoContent, pm.PostAsync($"/api/projects/{project}/items/{second}/nodes/{node}/complete", null));
        }
        await Eventually.HoldsAsync(async () => (await HistoryAsync(tasksDone)).Count > 0, "the finished item was checked in");
        Assert.Equal(1, await CurrentAsync(tasksDone));
        var fed = Assert.Single(await HistoryAsync(tasksDone));
        Assert.Equal(1, fed.GetProperty("value").GetDouble());
        Assert.StartsWith($"project:{project}#", fed.GetProperty("source").GetString(), StringComparison.Ordinal);
    }
}
