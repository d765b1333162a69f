using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace Spotter.Collab.Server.Tests.Infrastructure;

/// <summary>The server's HTTP API as the tests use it, against any running WebHost (in this process or another).</summary>
public class CollabApiClient(Uri baseAddress)
{
    public Uri BaseAddress { get; } = baseAddress;

    /// <summary>Anonymous client; disposed by whoever owns the server.</summary>
    public HttpClient Http { get; } = new() { BaseAddress = baseAddress };

    public HttpClient Client(string token)
    {
        var client = new HttpClient { BaseAddress = BaseAddress };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    public async Task<string> LoginAsync(string username, string password)
    {
        var response = await Http.PostAsJsonAsync("/api/auth/login", new { username, password });
        response.EnsureSuccessStatusCode();
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return json.RootElement.GetProperty("token").GetString()!;
    }

    /// <summary>Creates a user through the admin API and returns a token for it.</summary>
    public async Task<string> CreateUserAsync(string username, string displayName)
    {
        using var admin = Client(await LoginAsync("admin", CollabTestServer.AdminPassword));
        var response = await admin.PostAsJsonAsync("/api/users", new { username, password = CollabTestServer.UserPassword, displayName });
        Assert.True(response.IsSuccessStatusCode, $"creating {username}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        return await LoginAsync(username, CollabTestServer.UserPassword);
    }

    public async Task<string> CreateDocumentAsync(string token, string title = "doc")
    {
        using var client = Client(token);
        var response = await client.PostAsJsonAsync("/api/docs", new { title });
        response.EnsureSuccessStatusCode();
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return json.RootElement.GetProperty("id").GetString()!;
    }

    public async Task ShareAsync(string ownerToken, string docId, string username, string role)
    {
        using var client = Client(ownerToken);
        var response = await client.PutAsJsonAsync($"/api/docs/{docId}/members/{username}", new { role });
        Assert.True(response.IsSuccessStatusCode, $"sharing: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    public async Task UnshareAsync(string ownerToken, string docId, string username)
    {
        using var client = Client(ownerToken);
        var response = await client.DeleteAsync($"/api/docs/{docId}/members/{username}");
        Assert.True(response.IsSuccessStatusCode, $"unsharing: {(int)response.StatusCode}");
    }

    /// <summary>The caller's opaque id (<c>publicId</c> of GET /api/docs/{id}): what others see of them.</summary>
    public async Task<string> PublicIdAsync(string token, string docId)
    {
        using var client = Client(token);
        using var json = JsonDocument.Parse(await client.GetStringAsync($"/api/docs/{docId}"));
        return json.RootElement.GetProperty("publicId").GetString()!;
    }

    /// <summary>GET /api/docs/{id}/roots/{name}: the "value" element.</summary>
    public async Task<JsonElement> ReadRootAsync(string token, string docId, string name, string type = "text")
    {
        using var client = Client(token);
        var response = await client.GetAsync($"/api/docs/{docId}/roots/{name}?type={type}");
        Assert.True(response.IsSuccessStatusCode, $"reading root: {(int)response.StatusCode}");
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return json.RootElement.GetProperty("value").Clone();
    }
}
