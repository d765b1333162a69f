using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Spotter.Collab.Server.Tests.Access;
using Spotter.Collab.Server.Tests.Infrastructure;

namespace Spotter.Collab.Server.Tests.Projects;

/// <summary>Projects tell people through their inbox (docs/projects.md, *Notifications*): an assignee when assigned, a
/// node's owners when every node before theirs is finished, assignees when their item's status changes; never the
/// actor, and never someone who may not read the project.</summary>
public sealed class ProjectNotificationsApiTests(ProjectServerFixture fixture) : IClassFixture<ProjectServerFixture>
{
    private static readonly string[] ProjectKinds = ["assignment", "node-ready", "status"];

    private CollabTestServer Server => fixture.Server;

    private static async Task Expect(HttpStatusCode status, Task<HttpResponseMessage> request)
    {
        var response = await request;
        Assert.True(status == response.StatusCode, $"expected {(int)status}, got {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
    }

    /// <summary>The caller's notifications of the project kinds, newest first.</summary>
    private static async Task<JsonElement[]> ProjectInboxAsync(HttpClient client)
    {
        var inbox = await AccessKit.JsonAsync(await client.GetAsync("/api/notifications?limit=100"));
        return [.. inbox.GetProperty("items").EnumerateArray().Where(n => ProjectKinds.Contains(n.GetProperty("kind").GetString()))];
    }

    private static string? Text(JsonElement notification, string property) => notification.GetProperty(property).GetString();

    [Fact]
    public async Task Assignees_and_next_node_owners_are_told_and_nobody_else()
    {
        var kit = new AccessKit(Server);
        var (pmName, pmToken) = await kit.UserAsync("pm");
        var (devName, devToken) = await kit.UserAsync("dev");
        var (qaName, qaToken) = await kit.UserAsync("qa");
        var (viewerName, viewerToken) = await kit.UserAsync("view");
        var (strangerName, strangerToken) = await kit.UserAsync("str");
        var (pm, dev, qa, viewer, stranger) = (Server.Client(pmToken), Server.Client(devToken), Server.Client(qaToken), Server.Client(viewerToken), Server.Client(strangerToken));

        var created = await pm.PostAsJsonAsync("/api/projects", new { name = "Apollo" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var project = (await AccessKit.JsonAsync(created)).GetProperty("id").GetString()!;
        await Expect(HttpStatusCode.NoContent, pm.PutAsJsonAsync($"/api/projects/{project}/members/{pmName}", new { role = "admin", functionalRoles = new List<string> { "pm" } }));
        await Expect(HttpStatusCode.NoContent, pm.PutAsJsonAsync($"/api/projects/{project}/members/{devName}", new { role = "member", functionalRoles = new List<string> { "developer" } }));
        await Expect(HttpStatusCode.NoContent, pm.PutAsJsonAsync($"/api/projects/{project}/members/{qaName}", new { role = "member", functionalRoles = new List<string> { "qa" } }));
        await Expect(HttpStatusCode.NoContent, pm.PutAsJsonAsync($"/api/projects/{project}/members/{viewerName}", new { role = "viewer" }));
        var item = await pm.PostAsJsonAsync($"/api/projects/{project}/items", new { title = "Checkout", type = "requirement" });
        Assert.Equal(HttpStatusCode.Created, item.StatusCode);
        var itemId = (await AccessKit.JsonAsync(item)).GetProperty("id").GetString()!;
        var itemUrl = $"/api/projects/{project}/items/{itemId}";

        // Assigned: the developer is told; the actor and a stranger without access are not.
        await Expect(HttpStatusCode.NoContent, pm.PatchAsJsonAsync(itemUrl, new { assignees = new[] { devName, pmName, strangerName } }));
        var assignment = Assert.Single(await ProjectInboxAsync(dev));
        Assert.Equal("assignment", Text(assignment, "kind"));
        Assert.Equal(project, Text(assignment, "resourceId"));
        Assert.Equal(itemId, Text(assignment, "anchor"));
        Assert.Equal("Checkout", Text(assignment, "snippet"));
        Assert.Empty(await ProjectInboxAsync(pm));
        Assert.Empty(await ProjectInboxAsync(stranger));

        // The first node starts: the item's status changes and its assignee hears it.
        await Expect(HttpStatusCode.NoContent, pm.PostAsJsonAsync($"{itemUrl}/nodes/design/start", new { }));
        var status = (await ProjectInboxAsync(dev))[0];
        Assert.Equal("status", Text(status, "kind"));
        Assert.Equal("Checkout: in_progress", Text(status, "snippet"));

        // Design completes: both developer nodes can start; the tester's node still waits for them.
        await Expect(HttpStatusCode.NoContent, pm.PostAsJsonAsync($"{itemUrl}/nodes/design/complete", new { }));
        var ready = (await ProjectInboxAsync(dev)).Where(n => Text(n, "kind") == "node-ready").Select(n => Text(n, "snippet")).Order().ToList();
        Assert.Equal(["Checkout · Backend", "Checkout · Frontend"], ready);
        Assert.Empty(await ProjectInboxAsync(qa));

        await Expect(HttpStatusCode.NoContent, dev.PostAsJsonAsync($"{itemUrl}/nodes/frontend/start", new { }));
        await Expect(HttpStatusCode.NoContent, dev.PostAsJsonAsync($"{itemUrl}/nodes/backend/start", new { }));
        await Expect(HttpStatusCode.NoContent, dev.PostAsJsonAsync($"{itemUrl}/nodes/frontend/complete", new { }));
        Assert.Empty(await ProjectInboxAsync(qa));
        await Expect(HttpStatusCode.NoContent, dev.PostAsJsonAsync($"{itemUrl}/nodes/backend/complete", new { }));
        var testReady = Assert.Single(await ProjectInboxAsync(qa));
        Assert.Equal("node-ready", Text(testReady, "kind"));
        Assert.Equal("Checkout · Test", Text(testReady, "snippet"));
        Assert.Equal(itemId, Text(testReady, "anchor"));

        // The developer acted on their own nodes: nothing new about those (the item stayed in progress).
        Assert.Equal(4, (await ProjectInboxAsync(dev)).Length);
        // The viewer is neither assigned nor an owner.
        Assert.Empty(await ProjectInboxAsync(viewer));

        // A new node owner is told too.
        await Expect(HttpStatusCode.NoContent, pm.PatchAsJsonAsync($"{itemUrl}/nodes/release", new { owners = new[] { viewerName } }));
        var owner = Assert.Single(await ProjectInboxAsync(viewer));
        Assert.Equal("assignment", Text(owner, "kind"));
        Assert.Equal("Checkout · Release", Text(owner, "snippet"));
    }
}
