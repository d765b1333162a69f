using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Spotter.Collab.Server.Tests.Access;
using Spotter.Collab.Server.Tests.Infrastructure;

namespace Spotter.Collab.Server.Tests.Projects;

/// <summary>Finish-to-start dependencies between items over HTTP (docs/projects.md, <i>Dependencies</i>): set with a
/// lag, read back, refused when they would close a circle; rescheduling an item moves its dependants later (keeping
/// their length), never earlier, and records each moved date.</summary>
public sealed class ProjectDependenciesApiTests(ProjectServerFixture fixture) : IClassFixture<ProjectServerFixture>
{
    private CollabTestServer Server => fixture.Server;

    private static async Task<HttpResponseMessage> ExpectAsync(HttpStatusCode status, Task<HttpResponseMessage> request, string? problem = null)
    {
        var response = await request;
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(status == response.StatusCode, $"expected {(int)status}, got {(int)response.StatusCode}: {body}");
        if (problem is not null) Assert.Equal($"urn:spotter-collab:problem:{problem}", JsonDocument.Parse(body).RootElement.GetProperty("type").GetString());
        return response;
    }

    private async Task<(HttpClient Pm, HttpClient Viewer, string Project)> ProjectAsync()
    {
        var kit = new AccessKit(Server);
        var (_, pmToken) = await kit.UserAsync("dpm");
        var (viewer, viewerToken) = await kit.UserAsync("dview");
        var pm = Server.Client(pmToken);
        var id = (await AccessKit.JsonAsync(await pm.PostAsJsonAsync("/api/projects", new { name = "Deps" }))).GetProperty("id").GetString()!;
        await ExpectAsync(HttpStatusCode.NoContent, pm.PutAsJsonAsync($"/api/projects/{id}/members/{viewer}", new { role = "viewer" }));
        return (pm, Server.Client(viewerToken), id);
    }

    private static async Task<string> ItemAsync(HttpClient client, string project, string title, string? start = null, string? end = null)
    {
        var response = await ExpectAsync(HttpStatusCode.Created, client.PostAsJsonAsync($"/api/projects/{project}/items", new { title, type = "task" }));
        var id = (await AccessKit.JsonAsync(response)).GetProperty("id").GetString()!;
        if (start is not null) await ExpectAsync(HttpStatusCode.NoContent, client.PatchAsJsonAsync($"/api/projects/{project}/items/{id}", new { plannedStart = start, plannedEnd = end }));
        return id;
    }

    private static async Task<string> DatesAsync(HttpClient client, string project, string item)
    {
        var view = await AccessKit.JsonAsync(await client.GetAsync($"/api/projects/{project}/items/{item}"));
        return $"{view.GetProperty("plannedStart").GetString()}..{view.GetProperty("plannedEnd").GetString()}";
    }

    [Fact]
    public async Task Dependencies_are_set_with_a_lag_read_back_and_refused_when_they_would_close_a_circle()
    {
        var (pm, viewer, project) = await ProjectAsync();
        var a = await ItemAsync(pm, project, "A");
        var b = await ItemAsync(pm, project, "B");
        var c = await ItemAsync(pm, project, "C");
        await ExpectAsync(HttpStatusCode.NoContent, pm.PutAsJsonAsync($"/api/projects/{project}/items/{b}/dependencies/{a}", new { lag = 2 }));
        await ExpectAsync(HttpStatusCode.NoContent, pm.PutAsJsonAsync($"/api/projects/{project}/items/{c}/dependencies/{b}", new { }));

        var view = await AccessKit.JsonAsync(await pm.GetAsync($"/api/projects/{project}/items/{b}"));
        var dependency = Assert.Single(view.GetProperty("dependsOn").EnumerateArray());
        Assert.Equal(a, dependency.GetProperty("item").GetString());
        Assert.Equal(2, dependency.GetProperty("lag").GetInt32());

        // A after C would close A → B → C → A; an item after itself, an unknown item, a viewer: refused, nothing changes.
        await ExpectAsync(HttpStatusCode.Conflict, pm.PutAsJsonAsync($"/api/projects/{project}/items/{a}/dependencies/{c}", new { }), "dependency-cycle");
        await ExpectAsync(HttpStatusCode.BadRequest, pm.PutAsJsonAsync($"/api/projects/{project}/items/{a}/dependencies/{a}", new { }), "invalid");
        await ExpectAsync(HttpStatusCode.NotFound, pm.PutAsJsonAsync($"/api/projects/{project}/items/{a}/dependencies/{Guid.NewGuid():N}", new { }), "unknown-item");
        await ExpectAsync(HttpStatusCode.BadRequest, pm.PutAsJsonAsync($"/api/projects/{project}/items/{a}/dependencies/{b}", new { lag = 400 }), "invalid");
        await ExpectAsync(HttpStatusCode.Forbidden, viewer.PutAsJsonAsync($"/api/projects/{project}/items/{a}/dependencies/{b}", new { }), "read-only");
        Assert.Empty((await AccessKit.JsonAsync(await pm.GetAsync($"/api/projects/{project}/items/{a}"))).GetProperty("dependsOn").EnumerateArray());

        // Removing B's dependency on A is recorded, and then A may follow C.
        await ExpectAsync(HttpStatusCode.NoContent, pm.DeleteAsync($"/api/projects/{project}/items/{b}/dependencies/{a}"));
        Assert.Empty((await AccessKit.JsonAsync(await pm.GetAsync($"/api/projects/{project}/items/{b}"))).GetProperty("dependsOn").EnumerateArray());
        var history = await AccessKit.JsonAsync(await pm.GetAsync($"/api/projects/{project}/items/{b}/history"));
        var removed = history.EnumerateArray().First();
        Assert.Equal("dependsOn", removed.GetProperty("field").GetString());
        Assert.Equal($"{a}+2d", removed.GetProperty("from").GetString());
        await ExpectAsync(HttpStatusCode.NoContent, pm.PutAsJsonAsync($"/api/projects/{project}/items/{a}/dependencies/{c}", new { }));
    }

    [Fact]
    public async Task Rescheduling_an_item_moves_its_dependants_later_keeping_their_length_and_never_earlier()
    {
        var (pm, viewer, project) = await ProjectAsync();
        var a = await ItemAsync(pm, project, "A", "2026-12-01", "2026-12-03");
        var b = await ItemAsync(pm, project, "B", "2026-12-05", "2026-12-06");
        var c = await ItemAsync(pm, project, "C", "2026-12-07", "2026-12-08");
        var d = await ItemAsync(pm, project, "D", "2026-12-02", "2026-12-04");
        var e = await ItemAsync(pm, project, "E", "2026-12-20", "2026-12-21");
        await ExpectAsync(HttpStatusCode.NoContent, pm.PutAsJsonAsync($"/api/projects/{project}/items/{b}/dependencies/{a}", new { lag = 1 }));
        await ExpectAsync(HttpStatusCode.NoContent, pm.PutAsJsonAsync($"/api/projects/{project}/items/{c}/dependencies/{b}", new { }));
        await ExpectAsync(HttpStatusCode.NoContent, pm.PutAsJsonAsync($"/api/projects/{project}/items/{c}/dependencies/{d}", new { }));
        await ExpectAsync(HttpStatusCode.NoContent, pm.PutAsJsonAsync($"/api/projects/{project}/items/{e}/dependencies/{c}", new { }));

        // A now ends on the 6th: B (one day of lag) may start on the 8th, C the day after B ends, E has room already.
        await ExpectAsync(HttpStatusCode.NoContent, pm.PostAsJsonAsync($"/api/projects/{project}/items/{a}/reschedule", new { plannedStart = "2026-12-02", plannedEnd = "2026-12-06" }));
        Assert.Equal("2026-12-02..2026-12-06", await DatesAsync(pm, project, a));
        Assert.Equal("2026-12-08..2026-12-09", await DatesAsync(pm, project, b));
        Assert.Equal("2026-12-10..2026-12-11", await DatesAsync(pm, project, c));
        Assert.Equal("2026-12-02..2026-12-04", await DatesAsync(pm, project, d));
        Assert.Equal("2026-12-20..2026-12-21", await DatesAsync(pm, project, e));
        var moved = (await AccessKit.JsonAsync(await pm.GetAsync($"/api/projects/{project}/items/{c}/history"))).EnumerateArray()
            .Where(x => x.GetProperty("reason").GetString() == "follows A").Select(x => $"{x.GetProperty("field").GetString()}={x.GetProperty("to").GetString()}").Order().ToList();
        Assert.Equal(["plannedEnd=2026-12-11", "plannedStart=2026-12-10"], moved);

        // Earlier again: nobody is pulled back.
        await ExpectAsync(HttpStatusCode.NoContent, pm.PostAsJsonAsync($"/api/projects/{project}/items/{a}/reschedule", new { plannedStart = "2026-11-20", plannedEnd = "2026-11-21" }));
        Assert.Equal("2026-12-08..2026-12-09", await DatesAsync(pm, project, b));

        await ExpectAsync(HttpStatusCode.BadRequest, pm.PostAsJsonAsync($"/api/projects/{project}/items/{a}/reschedule", new { plannedStart = "2026-12-09", plannedEnd = "2026-12-08" }), "invalid");
        await ExpectAsync(HttpStatusCode.Forbidden, viewer.PostAsJsonAsync($"/api/projects/{project}/items/{a}/reschedule", new { plannedStart = "2026-12-02", plannedEnd = "2026-12-03" }), "read-only");
        Assert.Equal("2026-11-20..2026-11-21", await DatesAsync(pm, project, a));
    }
}
