using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Spotter.Collab.Grains.Audit;
using Spotter.Collab.Server.Tests.Access;
using Spotter.Collab.Server.Tests.Host;
using Spotter.Collab.Server.Tests.Infrastructure;

namespace Spotter.Collab.Server.Tests.Audit;

/// <summary>Every endpoint's audit entry says who acted the same way: a bound link session is written as the link
/// with <c>redeemer=&lt;user&gt;</c> leading the detail.</summary>
public sealed class AuditRecorderTests(HubServerFixture fixture) : IClassFixture<HubServerFixture>, IDisposable
{
    private readonly AccessKit _kit = new(fixture.Server);

    public void Dispose() => _kit.Dispose();

    [Fact]
    public async Task Import_export_and_restore_by_a_bound_link_session_name_the_redeemer()
    {
        var (_, ownerToken) = await _kit.UserAsync("own");
        var (bob, bobToken) = await _kit.UserAsync("bob");
        var space = await _kit.SpaceAsync(ownerToken);
        // Link guests see history only where the space says so; restoring needs it.
        using (var owner = fixture.Server.Client(ownerToken))
        {
            (await owner.PatchAsJsonAsync($"/api/resources/{space}/settings", new { guestHistory = true })).EnsureSuccessStatusCode();
        }
        var page = await _kit.PageAsync(ownerToken, space);
        var (linkId, linkToken) = await _kit.LinkAsync(ownerToken, page, "company", "edit");
        using var session = fixture.Server.Client(await _kit.RedeemAsync(linkToken, asToken: bobToken));

        Assert.Equal(HttpStatusCode.NoContent, (await session.PostAsync($"/api/docs/{page}/import", Markdown("# One\n"))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await session.GetAsync($"/api/docs/{page}/export?format=md")).StatusCode);
        using var versions = JsonDocument.Parse(await session.GetStringAsync($"/api/docs/{page}/versions"));
        var version = versions.RootElement[0].GetProperty("id").GetInt64();
        Assert.Equal(HttpStatusCode.NoContent, (await session.PostAsync($"/api/docs/{page}/versions/{version}/restore", null)).StatusCode);

        var admin = await _kit.AdminAsync();
        using var audit = JsonDocument.Parse(await admin.GetStringAsync($"/api/admin/audit?actor=link:{linkId}&target={page}"));
        var entries = audit.RootElement.EnumerateArray()
            .Select(e => (Action: e.GetProperty("action").GetString()!, Detail: e.GetProperty("detail").GetString() ?? "")).ToList();
        foreach (var action in new[] { AuditActions.Import, AuditActions.Export, AuditActions.VersionRestored })
        {
            var entry = Assert.Single(entries, e => e.Action == action);
            Assert.StartsWith($"redeemer={bob}; ", entry.Detail, StringComparison.Ordinal);
        }
    }

    private static StringContent Markdown(string text) => new(text, Encoding.UTF8, "text/markdown");
}
