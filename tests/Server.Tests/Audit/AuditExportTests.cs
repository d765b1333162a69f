using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Spotter.Collab.Server.Tests.Infrastructure;

namespace Spotter.Collab.Server.Tests.Audit;

/// <summary><c>GET /api/admin/audit/export</c>: the whole log as CSV or JSON, across more than one page.</summary>
public sealed class AuditExportTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    [Fact]
    public async Task The_whole_audit_log_exports_as_csv_and_json_for_administrators_only()
    {
        await using var server = await CollabTestServer.StartAsync(_directory.Path, new Dictionary<string, string> { ["Auth:RateLimit:PermitLimit"] = "100000" });
        var user = await server.CreateUserAsync("ana", "Ana");
        // More failed logins than one export page holds, one with a detail a spreadsheet would take for a formula.
        var failures = Enumerable.Range(0, 520).Select(i => server.Http.PostAsJsonAsync("/api/auth/login", new { username = $"=cmd{i}", password = "x" }));
        foreach (var batch in failures.Chunk(40)) await Task.WhenAll(batch);
        using var admin = server.Client(await server.LoginAsync("admin", CollabTestServer.AdminPassword));

        using var json = JsonDocument.Parse(await admin.GetStringAsync("/api/admin/audit/export?format=json"));
        var entries = json.RootElement.EnumerateArray().ToList();
        Assert.True(entries.Count > 520, $"only {entries.Count} entries");
        var sequences = entries.Select(e => e.GetProperty("sequence").GetInt64()).ToList();
        Assert.Equal(sequences.OrderDescending(), sequences);
        Assert.Equal(sequences.Count, sequences.Distinct().Count());

        var response = await admin.GetAsync("/api/admin/audit/export");
        Assert.Equal("text/csv", response.Content.Headers.ContentType?.MediaType);
        var lines = (await response.Content.ReadAsStringAsync()).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("sequence,time,actor,action,target,detail,source_address", lines[0]);
        Assert.Equal(entries.Count, lines.Length - 1);
        Assert.Contains(lines, l => l.Contains(",'=cmd", StringComparison.Ordinal));
        Assert.DoesNotContain(lines, l => l.Contains(",=cmd", StringComparison.Ordinal));

        using var filtered = JsonDocument.Parse(await admin.GetStringAsync("/api/admin/audit/export?format=json&action=auth.login-failed"));
        Assert.Equal(520, filtered.RootElement.GetArrayLength());

        Assert.Equal(HttpStatusCode.BadRequest, (await admin.GetAsync("/api/admin/audit/export?format=xml")).StatusCode);
        using var nonAdmin = server.Client(user);
        Assert.Equal(HttpStatusCode.Forbidden, (await nonAdmin.GetAsync("/api/admin/audit/export")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await server.Http.GetAsync("/api/admin/audit/export")).StatusCode);
    }

    public void Dispose() => _directory.Dispose();
}
