using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Spotter.Collab.Grains.Projects;
using Spotter.Collab.Server.Tests.Access;
using Spotter.Collab.Server.Tests.Infrastructure;

namespace Spotter.Collab.Server.Tests.Projects;

/// <summary>The server with a fake projects clock (dates, history times, overdue), starting on Monday 2026-12-07,
/// 09:00 in Shanghai.</summary>
public sealed class ProjectClockFixture : IAsyncLifetime, IDisposable
{
    private readonly TempDirectory _directory = new();

    public CollabTestServer Server { get; private set; } = null!;
    public FakeTimeProvider Clock { get; } = new(new DateTimeOffset(2026, 12, 7, 1, 0, 0, TimeSpan.Zero));

    public async Task InitializeAsync() => Server = await CollabTestServer.StartAsync(_directory.Path, null,
        builder => builder.Services.AddKeyedSingleton<TimeProvider>(ProjectSchema.ClockKey, Clock));

    public async Task DisposeAsync() => await Server.DisposeAsync();

    public void Dispose() => _directory.Dispose();
}

/// <summary><c>GET /api/projects</c> lists what the caller can see; <c>GET /api/projects/{id}/metrics</c> answers the
/// delivery metrics of a seeded project, each number computed by hand in the comments below.</summary>
public sealed class ProjectMetricsApiTests(ProjectClockFixture fixture) : IClassFixture<ProjectClockFixture>
{
    private CollabTestServer Server => fixture.Server;

    private static async Task<HttpResponseMessage> ExpectAsync(HttpStatusCode status, Task<HttpResponseMessage> request)
    {
        var response = await request;
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(status == response.StatusCode, $"expected {(int)status}, got {(int)response.StatusCode}: {body}");
        return response;
    }

    private static async Task<string> ItemAsync(HttpClient client, string project, string title, string type)
    {
        var response = await ExpectAsync(HttpStatusCode.Created, client.PostAsJsonAsync($"/api/projects/{project}/items", new { title, type }));
        return (await AccessKit.JsonAsync(response)).GetProperty("id").GetString()!;
    }

    private static Task<HttpResponseMessage> Node(HttpClient client, string project, string item, string action, object? body = null) =>
        ExpectAsync(HttpStatusCode.NoContent, client.PostAsJsonAsync($"/api/projects/{project}/items/{item}/nodes/do/{action}", body ?? new { }));

    [Fact]
    public async Task The_list_names_the_projects_a_user_can_see_with_their_role()
    {
        var kit = new AccessKit(Server);
        var (_, pmToken) = await kit.UserAsync("lpm");
        var (dev, devToken) = await kit.UserAsync("ldev");
        var (_, strangerToken) = await kit.UserAsync("lstr");
        var pm = Server.Client(pmToken);
        var created = await AccessKit.JsonAsync(await pm.PostAsJsonAsync("/api/projects", new { name = "Listed" }));
        var id = created.GetProperty("id").GetString()!;
        await ExpectAsync(HttpStatusCode.NoContent, pm.PutAsJsonAsync($"/api/projects/{id}/members/{dev}", new { role = "member" }));

        static async Task<string?> RoleIn(HttpClient client, string id)
        {
            var list = await AccessKit.JsonAsync(await client.GetAsync("/api/projects"));
            var entry = list.EnumerateArray().SingleOrDefault(p => p.GetProperty("id").GetString() == id);
            return entry.ValueKind == JsonValueKind.Undefined ? null : $"{entry.GetProperty("name").GetString()}:{entry.GetProperty("role").GetString()}";
        }
        Assert.Equal("Listed:admin", await RoleIn(pm, id));
        Assert.Equal("Listed:member", await RoleIn(Server.Client(devToken), id));
        Assert.Null(await RoleIn(Server.Client(strangerToken), id));
    }

    [Fact]
    public async Task Metrics_of_a_seeded_project_equal_the_numbers_computed_by_hand()
    {
        var kit = new AccessKit(Server);
        var (pmName, pmToken) = await kit.UserAsync("mpm");
        var (dev, _) = await kit.UserAsync("mdev");
        var (_, strangerToken) = await kit.UserAsync("mstr");
        var pm = Server.Client(pmToken);
        var clock = fixture.Clock;
        // Every step below moves the shared clock; the whole story starts on a Monday, 09:00 in Shanghai.
        clock.SetUtcNow(new DateTimeOffset(2026, 12, 7, 1, 0, 0, TimeSpan.Zero));
        var id = (await AccessKit.JsonAsync(await pm.PostAsJsonAsync("/api/projects", new { name = "Metrics", timeZone = "Asia/Shanghai" }))).GetProperty("id").GetString()!;
        await ExpectAsync(HttpStatusCode.NoContent, pm.PutAsJsonAsync($"/api/projects/{id}/members/{dev}", new { role = "member" }));
        await ExpectAsync(HttpStatusCode.NoContent, pm.PutAsJsonAsync($"/api/projects/{id}/types/quick",
            new { name = "Quick", nodes = new[] { new { key = "do", name = "Do" } } }));

        // Day 0 (Dec 7): five items created.
        var a = await ItemAsync(pm, id, "A on time", "quick");
        var b = await ItemAsync(pm, id, "B late", "quick");
        var c = await ItemAsync(pm, id, "C overdue", "quick");
        var d = await ItemAsync(pm, id, "D defect", "defect");
        var e = await ItemAsync(pm, id, "E unplanned", "quick");
        await ExpectAsync(HttpStatusCode.NoContent, pm.PatchAsJsonAsync($"/api/projects/{id}/items/{a}", new { plannedEnd = "2026-12-10" }));
        await ExpectAsync(HttpStatusCode.NoContent, pm.PatchAsJsonAsync($"/api/projects/{id}/items/{b}", new { plannedEnd = "2026-12-08" }));
        // One reschedule: B's planned end moves (setting a first planned end is not one).
        await ExpectAsync(HttpStatusCode.NoContent, pm.PatchAsJsonAsync($"/api/projects/{id}/items/{b}", new { plannedEnd = "2026-12-09" }));
        await ExpectAsync(HttpStatusCode.NoContent, pm.PatchAsJsonAsync($"/api/projects/{id}/items/{c}", new { plannedEnd = "2026-12-09", assignees = new[] { dev, pmName } }));
        await ExpectAsync(HttpStatusCode.NoContent, pm.PatchAsJsonAsync($"/api/projects/{id}/items/{d}", new { assignees = new[] { dev } }));
        await ExpectAsync(HttpStatusCode.NoContent, pm.PatchAsJsonAsync($"/api/projects/{id}/items/{c}/nodes/do", new { owners = new[] { dev }, estimate = 5 }));

        // Day 1: A and B start.
        clock.Advance(TimeSpan.FromDays(1));
        await Node(pm, id, a, "start");
        await Node(pm, id, b, "start");
        // Day 2 (Dec 9): A is delivered, on time (planned Dec 10).
        clock.Advance(TimeSpan.FromDays(1));
        await Node(pm, id, a, "complete");
        // Day 3: B completes and is rolled back (one roll-back).
        clock.Advance(TimeSpan.FromDays(1));
        await Node(pm, id, b, "complete");
        await Node(pm, id, b, "rollback", new { reason = "tests fail" });
        // Day 4 (Dec 11): B is delivered two days late (planned Dec 9); E starts and is delivered without a plan.
        clock.Advance(TimeSpan.FromDays(1));
        await Node(pm, id, b, "complete");
        await Node(pm, id, e, "start");
        await Node(pm, id, e, "complete");

        var metrics = await AccessKit.JsonAsync(await pm.GetAsync($"/api/projects/{id}/metrics"));
        Assert.Equal("2026-12-11", metrics.GetProperty("today").GetString());
        Assert.Equal(5, metrics.GetProperty("items").GetInt32());
        Assert.Equal(3, metrics.GetProperty("delivered").GetInt32());              // A, B, E
        Assert.Equal(0.5, metrics.GetProperty("onTimeRate").GetDouble());          // of A and B (E has no plan): A
        Assert.Equal(0.5, metrics.GetProperty("delayRate").GetDouble());           // B
        Assert.Equal(2.0, metrics.GetProperty("averageDelayDays").GetDouble());    // B: Dec 11 - Dec 9
        Assert.Equal(1, metrics.GetProperty("overdueNow").GetInt32());             // C: planned Dec 9, not done on Dec 11
        Assert.Equal(1, metrics.GetProperty("reschedules").GetInt32());
        Assert.Equal(1, metrics.GetProperty("rollBacks").GetInt32());
        Assert.Equal(1, metrics.GetProperty("defects").GetInt32());
        Assert.Equal(0.3333, metrics.GetProperty("defectsPerDelivered").GetDouble()); // 1 defect / 3 delivered non-defects
        Assert.Equal(1.3333, metrics.GetProperty("cycleTimeDays").GetDouble());    // (A 1 + B 3 + E 0) / 3
        Assert.Equal(3.3333, metrics.GetProperty("leadTimeDays").GetDouble());     // (A 2 + B 4 + E 4) / 3
        var weeks = metrics.GetProperty("throughput").EnumerateArray().ToList();
        Assert.Equal(12, weeks.Count);
        Assert.Equal("2026-09-21", weeks[0].GetProperty("week").GetString());
        Assert.Equal("2026-12-07", weeks[^1].GetProperty("week").GetString());
        Assert.Equal(3, weeks[^1].GetProperty("delivered").GetInt32());
        Assert.All(weeks.Take(11), w => Assert.Equal(0, w.GetProperty("delivered").GetInt32()));
        var workload = metrics.GetProperty("workload").EnumerateArray()
            .ToDictionary(w => w.GetProperty("username").GetString()!, w => (w.GetProperty("openItems").GetInt32(), w.GetProperty("openNodes").GetInt32(), w.GetProperty("estimateHours").GetDouble()));
        Assert.Equal((2, 1, 5.0), workload[dev]);     // assigned C and D; owns C's node, 5 h
        Assert.Equal((1, 0, 0.0), workload[pmName]);  // assigned C
        Assert.Equal(2, workload.Count);

        await ExpectAsync(HttpStatusCode.NotFound, Server.Client(strangerToken).GetAsync($"/api/projects/{id}/metrics"));
    }
}
