using System.Net.Http.Json;
using System.Text.Json;
using Spotter.Collab.Server.Tests.Infrastructure;

namespace Spotter.Collab.Server.Tests.Access;

/// <summary>Set-up steps of the access tests, all through the real HTTP API.</summary>
public sealed class AccessKit(CollabTestServer server) : IDisposable
{
    private HttpClient? _admin;

    public CollabTestServer Server { get; } = server;

    public static string NewName(string prefix) => $"{prefix}{Guid.NewGuid():N}"[..16];

    public async Task<HttpClient> AdminAsync() => _admin ??= Server.Client(await Server.LoginAsync("admin", CollabTestServer.AdminPassword));

    public static async Task<JsonElement> JsonAsync(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode} {response.RequestMessage?.Method} {response.RequestMessage?.RequestUri}: {body}");
        if (body.Length == 0) return default;
        using var json = JsonDocument.Parse(body);
        return json.RootElement.Clone();
    }

    public async Task<string> CreatePartnerOrgAsync(string name) =>
        (await JsonAsync(await (await AdminAsync()).PostAsJsonAsync("/api/admin/partners", new { name }))).GetProperty("id").GetString()!;

    public async Task<string> CreateGroupAsync(string name) =>
        (await JsonAsync(await (await AdminAsync()).PostAsJsonAsync("/api/admin/groups", new { name }))).GetProperty("id").GetString()!;

    public async Task AddToGroupAsync(string groupId, string username) =>
        await JsonAsync(await (await AdminAsync()).PutAsync($"/api/admin/groups/{groupId}/members/{username}", null));

    /// <summary>Creates a user (employee, or partner of <paramref name="partnerOrgId"/>) and returns a token.</summary>
    public async Task<(string Username, string Token)> UserAsync(string prefix, string? partnerOrgId = null)
    {
        var username = NewName(prefix);
        await JsonAsync(await (await AdminAsync()).PostAsJsonAsync("/api/admin/users", new
        {
            username,
            password = CollabTestServer.UserPassword,
            displayName = prefix,
            kind = partnerOrgId is null ? "employee" : "partner",
            partnerOrgId,
        }));
        return (username, await Server.LoginAsync(username, CollabTestServer.UserPassword));
    }

    public async Task<string> SpaceAsync(string token, string name = "Space")
    {
        using var client = Server.Client(token);
        return (await JsonAsync(await client.PostAsJsonAsync("/api/spaces", new { name }))).GetProperty("id").GetString()!;
    }

    public async Task<string> PageAsync(string token, string spaceId, string? parentId = null, string title = "Page")
    {
        using var client = Server.Client(token);
        return (await JsonAsync(await client.PostAsJsonAsync("/api/pages", new { spaceId, parentId, title }))).GetProperty("id").GetString()!;
    }

    public async Task<string> GrantAsync(string token, string resourceId, string principal, string level)
    {
        using var client = Server.Client(token);
        return (await JsonAsync(await client.PostAsJsonAsync($"/api/resources/{resourceId}/grants", new { principal, level }))).GetProperty("id").GetString()!;
    }

    public async Task<(string Id, string Token)> LinkAsync(string token, string resourceId, string scope, string role, string? password = null)
    {
        using var client = Server.Client(token);
        var link = await JsonAsync(await client.PostAsJsonAsync($"/api/resources/{resourceId}/links", new { scope, role, password }));
        return (link.GetProperty("id").GetString()!, link.GetProperty("token").GetString()!);
    }

    /// <summary>Redeems a link anonymously (or as <paramref name="asToken"/>) and returns the link-session token.</summary>
    public async Task<string> RedeemAsync(string linkToken, string? password = null, string? asToken = null)
    {
        using var client = asToken is null ? new HttpClient { BaseAddress = Server.BaseAddress } : Server.Client(asToken);
        return (await JsonAsync(await client.PostAsJsonAsync("/api/links/redeem", new { token = linkToken, password }))).GetProperty("accessToken").GetString()!;
    }

    public void Dispose() => _admin?.Dispose();
}
