using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Spotter.Collab.Crdt;
using Spotter.Collab.Grains;
using Spotter.Collab.Grains.Projects;
using Spotter.Collab.Server.Tests.Access;
using Spotter.Collab.Server.Tests.Infrastructure;

namespace Spotter.Collab.Server.Tests.Projects;

public sealed class ProjectServerFixture : IAsyncLifetime, IDisposable
{
    private readonly TempDirectory _directory = new();

    public CollabTestServer Server { get; private set; } = null!;

    public async Task InitializeAsync() => Server = await CollabTestServer.StartAsync(_directory.Path);

    public async Task DisposeAsync() => await Server.DisposeAsync();

    public void Dispose() => _directory.Dispose();
}

/// <summary>The project contract over HTTP (docs/projects.md) and the board over the hub: a PM creates a project,
/// adds members with roles, creates an item and moves its nodes; refusals give the documented statuses and change
/// nothing; people watching the board see each change live and cannot write its server-owned roots.</summary>
public sealed class ProjectsApiTests(ProjectServerFixture fixture) : IClassFixture<ProjectServerFixture>
{
    private CollabTestServer Server => fixture.Server;

    private sealed record People(AccessKit Kit, HttpClient Pm, HttpClient Dev, HttpClient Qa, HttpClient Viewer, HttpClient Stranger,
        string PmName, string DevName, string QaName, string ViewerName, string ViewerToken, string PmToken);

    private async Task<People> PeopleAsync()
    {
        var kit = new AccessKit(Server);
        var (pm, pmToken) = await kit.UserAsync("pm");
        var (dev, devToken) = await kit.UserAsync("dev");
        var (qa, qaToken) = await kit.UserAsync("qa");
        var (viewer, viewerToken) = await kit.UserAsync("view");
        var (_, strangerToken) = await kit.UserAsync("str");
        return new People(kit, Server.Client(pmToken), Server.Client(devToken), Server.Client(qaToken), Server.Client(viewerToken), Server.Client(strangerToken),
            pm, dev, qa, viewer, viewerToken, pmToken);
    }

    private static async Task<string> CreateProjectAsync(People people)
    {
        var created = await people.Pm.PostAsJsonAsync("/api/projects", new { name = "Apollo", timeZone = "Europe/Berlin" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var id = (await AccessKit.JsonAsync(created)).GetProperty("id").GetString()!;
        Assert.StartsWith(ProjectSchema.IdPrefix, id, StringComparison.Ordinal);
        await ExpectAsync(HttpStatusCode.NoContent, people.Pm.PutAsJsonAsync($"/api/projects/{id}/members/{people.PmName}", new { role = "admin", functionalRoles = new List<string> { "pm", "ops" } }));
        await ExpectAsync(HttpStatusCode.NoContent, people.Pm.PutAsJsonAsync($"/api/projects/{id}/members/{people.DevName}", new { role = "member", functionalRoles = new List<string> { "developer" } }));
        await ExpectAsync(HttpStatusCode.NoContent, people.Pm.PutAsJsonAsync($"/api/projects/{id}/members/{people.QaName}", new { role = "member", functionalRoles = new List<string> { "qa" } }));
        await ExpectAsync(HttpStatusCode.NoContent, people.Pm.PutAsJsonAsync($"/api/projects/{id}/members/{people.ViewerName}", new { role = "viewer" }));
        return id;
    }

    private static async Task<HttpResponseMessage> ExpectAsync(HttpStatusCode status, Task<HttpResponseMessage> request, string? problem = null)
    {
        var response = await request;
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(status == response.StatusCode, $"expected {(int)status}, got {(int)response.StatusCode}: {body}");
        if (problem is not null) Assert.Equal($"urn:spotter-collab:problem:{problem}", JsonDocument.Parse(body).RootElement.GetProperty("type").GetString());
        return response;
    }

    private static async Task<string> CreateItemAsync(HttpClient client, string project, string title = "Checkout", string? type = "requirement")
    {
        var response = await ExpectAsync(HttpStatusCode.Created, client.PostAsJsonAsync($"/api/projects/{project}/items", new { title, type }));
        return (await AccessKit.JsonAsync(response)).GetProperty("id").GetString()!;
    }

    private static async Task<JsonElement> ItemAsync(HttpClient client, string project, string item) =>
        await AccessKit.JsonAsync(await ExpectAsync(HttpStatusCode.OK, client.GetAsync($"/api/projects/{project}/items/{item}")));

    private static string NodeStatus(JsonElement item, string key) =>
        item.GetProperty("nodes").EnumerateArray().Single(n => n.GetProperty("key").GetString() == key).GetProperty("status").GetString()!;

    private static Task<HttpResponseMessage> NodeAsync(HttpClient client, string project, string item, string key, string action, object? body = null) =>
        client.PostAsync($"/api/projects/{project}/items/{item}/nodes/{key}/{action}", body is null ? null : JsonContent.Create(body));

    [Fact]
    public async Task The_contract_creates_a_project_with_members_and_runs_an_items_workflow()
    {
        var people = await PeopleAsync();
        var project = await CreateProjectAsync(people);
        var described = await AccessKit.JsonAsync(await ExpectAsync(HttpStatusCode.OK, people.Dev.GetAsync($"/api/projects/{project}")));
        Assert.Equal(("Apollo", "Europe/Berlin", "member"), (described.GetProperty("name").GetString(), described.GetProperty("timeZone").GetString(), described.GetProperty("role").GetString()));
        var members = described.GetProperty("members").EnumerateArray().ToDictionary(m => m.GetProperty("username").GetString()!, m => m.GetProperty("role").GetString());
        Assert.Equal("admin", members[people.PmName]);
        Assert.Equal("member", members[people.DevName]);
        Assert.Equal("viewer", members[people.ViewerName]);

        var item = await CreateItemAsync(people.Dev, project);
        var read = await ItemAsync(people.Viewer, project, item);
        Assert.Equal(("Checkout", "not_started"), (read.GetProperty("title").GetString(), read.GetProperty("status").GetString()));
        var design = read.GetProperty("nodes")[0];
        Assert.Equal(("design", "Design", "not_started"), (design.GetProperty("key").GetString(), design.GetProperty("name").GetString(), design.GetProperty("status").GetString()));
        Assert.Equal([people.PmName], design.GetProperty("owners").EnumerateArray().Select(o => o.GetString()));
        Assert.Equal(JsonValueKind.Null, design.GetProperty("plannedStart").ValueKind);
        Assert.Equal(JsonValueKind.Null, design.GetProperty("plannedEnd").ValueKind);

        // 409 while a predecessor is not done; 403 for a member who does not own the node and for a viewer.
        await ExpectAsync(HttpStatusCode.Conflict, NodeAsync(people.Dev, project, item, "frontend", "start"), ProjectRejectCodes.PredecessorsPending);
        await ExpectAsync(HttpStatusCode.Forbidden, NodeAsync(people.Qa, project, item, "design", "start"), ProjectRejectCodes.NotOwner);
        await ExpectAsync(HttpStatusCode.Forbidden, NodeAsync(people.Viewer, project, item, "design", "start"), RejectCodes.ReadOnly);
        await ExpectAsync(HttpStatusCode.Forbidden, NodeAsync(people.Dev, project, item, "frontend", "start", new { @override = true }), ProjectRejectCodes.NotAdmin);
        Assert.Equal("not_started", NodeStatus(await ItemAsync(people.Pm, project, item), "frontend"));

        await ExpectAsync(HttpStatusCode.NoContent, NodeAsync(people.Pm, project, item, "design", "start"));
        await ExpectAsync(HttpStatusCode.NoContent, NodeAsync(people.Pm, project, item, "design", "complete"));
        await ExpectAsync(HttpStatusCode.Conflict, NodeAsync(people.Pm, project, item, "design", "complete"), ProjectRejectCodes.InvalidTransition);
        await ExpectAsync(HttpStatusCode.NoContent, NodeAsync(people.Dev, project, item, "frontend", "start"));
        Assert.Equal("in_progress", (await ItemAsync(people.Pm, project, item)).GetProperty("status").GetString());
        await ExpectAsync(HttpStatusCode.BadRequest, NodeAsync(people.Pm, project, item, "design", "rollback", new { reason = "" }), ProjectRejectCodes.Invalid);
        await ExpectAsync(HttpStatusCode.Forbidden, NodeAsync(people.Dev, project, item, "design", "rollback", new { reason = "scope changed" }), ProjectRejectCodes.NotOwner);
        await ExpectAsync(HttpStatusCode.NoContent, NodeAsync(people.Pm, project, item, "design", "rollback", new { reason = "scope changed" }));
        var rolledBack = await ItemAsync(people.Pm, project, item);
        Assert.Equal(("in_progress", "not_started"), (NodeStatus(rolledBack, "design"), NodeStatus(rolledBack, "frontend")));

        // Fields and their history.
        await ExpectAsync(HttpStatusCode.NoContent, people.Dev.PatchAsJsonAsync($"/api/projects/{project}/items/{item}", new { priority = "urgent", plannedEnd = "2026-12-24" }));
        await ExpectAsync(HttpStatusCode.BadRequest, people.Dev.PatchAsJsonAsync($"/api/projects/{project}/items/{item}", new { priority = "soon" }), ProjectRejectCodes.Invalid);
        await ExpectAsync(HttpStatusCode.Forbidden, people.Viewer.PatchAsJsonAsync($"/api/projects/{project}/items/{item}", new { priority = "low" }), RejectCodes.ReadOnly);
        var patched = await ItemAsync(people.Viewer, project, item);
        Assert.Equal(("urgent", "2026-12-24"), (patched.GetProperty("priority").GetString(), patched.GetProperty("plannedEnd").GetString()));
        var history = await AccessKit.JsonAsync(await ExpectAsync(HttpStatusCode.OK, people.Viewer.GetAsync($"/api/projects/{project}/items/{item}/history")));
        var types = history.EnumerateArray().Select(e => e.GetProperty("type").GetString()).ToList();
        Assert.Equal(ProjectEventTypes.ItemCreated, types[^1]);
        Assert.Contains(ProjectEventTypes.NodeRolledBack, types);
        var rollback = history.EnumerateArray().First(e => e.GetProperty("type").GetString() == ProjectEventTypes.NodeRolledBack);
        Assert.Equal((people.PmName, "scope changed"), (rollback.GetProperty("actor").GetString(), rollback.GetProperty("reason").GetString()));
        var list = await AccessKit.JsonAsync(await ExpectAsync(HttpStatusCode.OK, people.Viewer.GetAsync($"/api/projects/{project}/items")));
        Assert.Equal([item], list.EnumerateArray().Select(i => i.GetProperty("id").GetString()));
    }

    [Fact]
    public async Task A_project_nobody_shared_with_you_looks_like_one_that_does_not_exist()
    {
        var people = await PeopleAsync();
        var project = await CreateProjectAsync(people);
        var item = await CreateItemAsync(people.Pm, project);
        var missing = ProjectSchema.NewId();
        foreach (var (id, itemId) in new[] { (project, item), (missing, item), (Guid.NewGuid().ToString("N"), item) })
        {
            await ExpectAsync(HttpStatusCode.NotFound, people.Stranger.GetAsync($"/api/projects/{id}"), "not-found");
            await ExpectAsync(HttpStatusCode.NotFound, people.Stranger.GetAsync($"/api/projects/{id}/items/{itemId}"), "not-found");
            await ExpectAsync(HttpStatusCode.NotFound, people.Stranger.PostAsJsonAsync($"/api/projects/{id}/items", new { title = "x" }), "not-found");
            await ExpectAsync(HttpStatusCode.NotFound, NodeAsync(people.Stranger, id, itemId, "design", "start"), "not-found");
            await ExpectAsync(HttpStatusCode.NotFound, people.Stranger.PutAsJsonAsync($"/api/projects/{id}/members/{people.DevName}", new { role = "viewer" }), "not-found");
        }
        // Members only: the viewer is refused admin work with 403, and removal takes the access away again.
        await ExpectAsync(HttpStatusCode.Forbidden, people.Viewer.PutAsJsonAsync($"/api/projects/{project}/members/{people.DevName}", new { role = "admin" }), ProjectRejectCodes.NotAdmin);
        await ExpectAsync(HttpStatusCode.BadRequest, people.Pm.PutAsJsonAsync($"/api/projects/{project}/members/{people.DevName}", new { role = "owner" }), "invalid");
        await ExpectAsync(HttpStatusCode.BadRequest, people.Pm.PutAsJsonAsync($"/api/projects/{project}/members/{people.DevName}", new { role = "member", functionalRoles = new List<string> { "Dev Ops!" } }));
        await ExpectAsync(HttpStatusCode.NoContent, people.Pm.DeleteAsync($"/api/projects/{project}/members/{people.ViewerName}"));
        await ExpectAsync(HttpStatusCode.NotFound, people.Viewer.GetAsync($"/api/projects/{project}/items/{item}"), "not-found");
        await ExpectAsync(HttpStatusCode.NotFound, people.Pm.GetAsync($"/api/projects/{project}/items/{ProjectSchema.NewItemId()}"), ProjectRejectCodes.UnknownItem);
        await ExpectAsync(HttpStatusCode.BadRequest, people.Pm.PostAsJsonAsync("/api/projects", new { name = "Zoned", timeZone = "Mars/Base" }), "invalid");
    }

    [Fact]
    public async Task Partners_and_link_sessions_get_nothing_of_a_project_until_it_has_a_partner_projection()
    {
        var people = await PeopleAsync();
        var project = await CreateProjectAsync(people);
        await CreateItemAsync(people.Pm, project, "Supplier price list");
        var org = await people.Kit.CreatePartnerOrgAsync("Supplier " + Guid.NewGuid().ToString("N")[..6]);
        var (partner, partnerToken) = await people.Kit.UserAsync("sup", org);

        // Every way of letting an outsider in is refused with a reason, and changes nothing.
        await ExpectAsync(HttpStatusCode.BadRequest, people.Pm.PutAsJsonAsync($"/api/projects/{project}/members/{partner}", new { role = "viewer" }), "invalid");
        await ExpectAsync(HttpStatusCode.BadRequest, people.Pm.PostAsJsonAsync($"/api/resources/{project}/grants", new { principal = $"partner:{org}", level = "view" }), "invalid");
        await ExpectAsync(HttpStatusCode.BadRequest, people.Pm.PostAsJsonAsync($"/api/resources/{project}/links", new { scope = "company", role = "view" }), "invalid");
        // A group grant (groups may hold partners) still gives the partner nothing.
        var group = await people.Kit.CreateGroupAsync("Mixed " + Guid.NewGuid().ToString("N")[..6]);
        await people.Kit.AddToGroupAsync(group, partner);
        await people.Kit.GrantAsync(people.PmToken, project, $"group:{group}", "view");

        using var partnerHttp = Server.Client(partnerToken);
        await ExpectAsync(HttpStatusCode.NotFound, partnerHttp.GetAsync($"/api/projects/{project}"), "not-found");
        await ExpectAsync(HttpStatusCode.NotFound, partnerHttp.GetAsync($"/api/projects/{project}/items"), "not-found");
        await using var hub = await Server.ConnectAsync(partnerToken, messagePack: true);
        await Assert.ThrowsAsync<Microsoft.AspNetCore.SignalR.HubException>(() => hub.JoinAsync(project));
        Assert.DoesNotContain(hub.Received, frame => frame.DocId == project);
    }

    [Fact]
    public async Task A_refused_membership_change_changes_nothing()
    {
        var people = await PeopleAsync();
        var project = await CreateProjectAsync(people);
        var (partner, _) = await people.Kit.UserAsync("ptn", await people.Kit.CreatePartnerOrgAsync("Acme"));
        // Partners cannot join projects yet: the grant is refused, and no functional role is stored for them.
        await ExpectAsync(HttpStatusCode.BadRequest, people.Pm.PutAsJsonAsync($"/api/projects/{project}/members/{partner}", new { role = "viewer", functionalRoles = new List<string> { "qa" } }), "invalid");
        // The last admin stays.
        await ExpectAsync(HttpStatusCode.Conflict, people.Pm.DeleteAsync($"/api/projects/{project}/members/{people.PmName}"), "last-owner");
        var described = await AccessKit.JsonAsync(await ExpectAsync(HttpStatusCode.OK, people.Pm.GetAsync($"/api/projects/{project}")));
        var members = described.GetProperty("members").EnumerateArray().ToDictionary(m => m.GetProperty("username").GetString()!);
        Assert.False(members.ContainsKey(partner));
        Assert.Equal(["qa"], members[people.QaName].GetProperty("functionalRoles").EnumerateArray().Select(f => f.GetString()));
        Assert.Equal(["pm", "ops"], members[people.PmName].GetProperty("functionalRoles").EnumerateArray().Select(f => f.GetString()));
        Assert.Equal("admin", members[people.PmName].GetProperty("role").GetString());
    }

    [Fact]
    public async Task Admins_add_work_item_types_with_a_validated_workflow()
    {
        var people = await PeopleAsync();
        var project = await CreateProjectAsync(people);
        var spike = new
        {
            name = "Spike",
            nodes = new object[]
            {
                new { key = "research", name = "Research", after = Array.Empty<string>(), role = "developer" },
                new { key = "demo", name = "Demo", after = new[] { "research" }, role = "pm" },
            },
        };
        await ExpectAsync(HttpStatusCode.Forbidden, people.Dev.PutAsJsonAsync($"/api/projects/{project}/types/spike", spike), ProjectRejectCodes.NotAdmin);
        var cyclic = new { name = "Loop", nodes = new object[] { new { key = "a", name = "A", after = new[] { "b" } }, new { key = "b", name = "B", after = new[] { "a" } } } };
        await ExpectAsync(HttpStatusCode.BadRequest, people.Pm.PutAsJsonAsync($"/api/projects/{project}/types/loop", cyclic), ProjectRejectCodes.Invalid);
        await ExpectAsync(HttpStatusCode.NoContent, people.Pm.PutAsJsonAsync($"/api/projects/{project}/types/spike", spike));
        var item = await ItemAsync(people.Dev, project, await CreateItemAsync(people.Dev, project, "Try CRDT GC", "spike"));
        Assert.Equal(["research", "demo"], item.GetProperty("nodes").EnumerateArray().Select(n => n.GetProperty("key").GetString()));
        Assert.Equal([people.DevName], item.GetProperty("nodes")[0].GetProperty("owners").EnumerateArray().Select(o => o.GetString()));
    }

    [Fact]
    public async Task Watchers_of_the_board_see_changes_live_and_cannot_write_its_server_owned_roots()
    {
        var people = await PeopleAsync();
        var project = await CreateProjectAsync(people);
        await using var watcher = await Server.ConnectAsync(people.ViewerToken, messagePack: true);
        var viewerDoc = new SyncedDoc();
        watcher.Attach(project, viewerDoc);
        Assert.Equal("viewer", await watcher.JoinAsync(project));
        // Like y-websocket's provider: ask for the whole state (the server's own changes build on each other).
        await watcher.SendAsync(project, viewerDoc.Step1());
        await using var pm = await Server.ConnectAsync(people.PmToken, messagePack: false);
        var pmDoc = new SyncedDoc();
        pm.Attach(project, pmDoc);
        Assert.Equal("owner", await pm.JoinAsync(project));
        await pm.SendAsync(project, pmDoc.Step1());
        await Eventually.HoldsAsync(() => pmDoc.Read(d => d.GetMap(ProjectSchema.ProjectRoot).Get("name") as string) == "Apollo", "the admin's client synced");

        var item = await CreateItemAsync(people.Dev, project, "Live board");
        string? Status(SyncedDoc doc) => doc.Read(d => (d.GetMap(ProjectSchema.ItemsRoot).Get(item) as YMap)?.Get("status") as string);
        await Eventually.HoldsAsync(() => viewerDoc.Read(d => (d.GetMap(ProjectSchema.ItemsRoot).Get(item) as YMap)?.Get("title") as string) == "Live board", "the new item reached the watcher");
        await ExpectAsync(HttpStatusCode.NoContent, NodeAsync(people.Pm, project, item, "design", "start"));
        await Eventually.HoldsAsync(() => Status(viewerDoc) == "in_progress", "the item's derived status reached the watcher");
        await Eventually.HoldsAsync(() => Status(pmDoc) == "in_progress", "and the admin's client");

        // Even the admin's client may not write the board directly: the whole frame is refused.
        var forged = pmDoc.Edit(d => d.Transact(_ =>
        {
            d.GetText("notes").Insert(0, "allowed on its own");
            ((YMap)d.GetMap(ProjectSchema.ItemsRoot).Get(item)!).Set("status", "done");
        }))!;
        await pm.SendAsync(project, forged);
        await Eventually.HoldsAsync(() => pm.Rejections.Any(r => r.DocId == project && r.Code == RejectCodes.ServerOwned), "the write of the board was refused");
        Assert.Equal("in_progress", (await ItemAsync(people.Pm, project, item)).GetProperty("status").GetString());
        Assert.Equal("", await NotesAsync(people.Pm, project));
        // Free text alone is the clients'.
        var text = new SyncedDoc();
        pm.Attach(project, text);
        await pm.SendAsync(project, text.Edit(d => d.GetText("notes").Insert(0, "agenda"))!);
        await Eventually.HoldsAsync(async () => await NotesAsync(people.Pm, project) == "agenda", "free text was accepted");
    }

    /// <summary>The project's free-text root "notes" ("" while it has none).</summary>
    private static async Task<string> NotesAsync(HttpClient client, string project)
    {
        using var response = await client.GetAsync($"/api/docs/{project}/roots/notes?type=text");
        if (response.StatusCode == HttpStatusCode.NotFound) return "";
        return (await AccessKit.JsonAsync(response)).GetProperty("value").GetString()!;
    }
}
