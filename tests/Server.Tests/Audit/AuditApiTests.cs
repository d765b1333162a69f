using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Spotter.Collab.Grains.Audit;
using Spotter.Collab.Server.Tests.Host;
using Spotter.Collab.Server.Tests.Infrastructure;

namespace Spotter.Collab.Server.Tests.Audit;

public sealed class AuditApiTests(HubServerFixture fixture) : IClassFixture<HubServerFixture>
{
    private CollabTestServer Server => fixture.Server;

    [Fact]
    public async Task Admins_query_the_log_and_nobody_can_change_it()
    {
        var target = $"audit-target-{Guid.NewGuid():N}";
        var log = Server.Services.GetRequiredService<IAuditLog>();
        await log.AppendAsync(new AuditEntry("alice", AuditActions.Export, target, "format=md", "127.0.0.1"));
        await log.AppendAsync(new AuditEntry("bob", AuditActions.AccessDenied, target, null, "127.0.0.2"));

        using var admin = Server.Client(await Server.LoginAsync("admin", CollabTestServer.AdminPassword));
        using var all = JsonDocument.Parse(await admin.GetStringAsync($"/api/admin/audit?target={target}"));
        Assert.Equal(["bob", "alice"], all.RootElement.EnumerateArray().Select(e => e.GetProperty("actor").GetString()));
        Assert.Equal("127.0.0.2", all.RootElement[0].GetProperty("sourceAddress").GetString());
        using var filtered = JsonDocument.Parse(await admin.GetStringAsync($"/api/admin/audit?target={target}&action={AuditActions.Export}"));
        Assert.Equal("format=md", Assert.Single(filtered.RootElement.EnumerateArray()).GetProperty("detail").GetString());
        Assert.Equal(HttpStatusCode.BadRequest, (await admin.GetAsync("/api/admin/audit?limit=0")).StatusCode);

        // No write path of any kind: the route only answers GET.
        Assert.Equal(HttpStatusCode.MethodNotAllowed, (await admin.DeleteAsync("/api/admin/audit")).StatusCode);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, (await admin.PostAsJsonAsync("/api/admin/audit", new { actor = "x", action = "y" })).StatusCode);
        Assert.Equal(2, (await log.QueryAsync(new AuditQuery(Target: target))).Count);
    }

    [Fact]
    public async Task Non_admins_and_anonymous_callers_cannot_read_it()
    {
        var token = await Server.CreateUserAsync($"auditor{Guid.NewGuid():N}"[..20], "Not an admin");
        using var user = Server.Client(token);
        Assert.Equal(HttpStatusCode.Forbidden, (await user.GetAsync("/api/admin/audit")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await Server.Http.GetAsync("/api/admin/audit")).StatusCode);
    }
}
