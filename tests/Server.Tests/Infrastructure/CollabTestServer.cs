using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Hosting;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Spotter.Collab.WebHost;

namespace Spotter.Collab.Server.Tests.Infrastructure;

/// <summary>The real server (Kestrel + embedded silo + SQLite) on free ports, in this process.</summary>
public sealed class CollabTestServer : IAsyncDisposable
{
    public const string AdminPassword = "admin-password-for-tests";
    public const string UserPassword = "user-password-123";

    private readonly WebApplication _app;

    private CollabTestServer(WebApplication app, Uri baseAddress)
    {
        _app = app;
        BaseAddress = baseAddress;
        Http = new HttpClient { BaseAddress = baseAddress };
    }

    public Uri BaseAddress { get; }

    public HttpClient Http { get; }

    public IServiceProvider Services => _app.Services;

    public static async Task<CollabTestServer> StartAsync(string dataDirectory, IDictionary<string, string>? settings = null)
    {
        var port = TestPorts.Free();
        var args = new List<string>
        {
            $"--urls=http://127.0.0.1:{port}",
            $"--Storage:DataDirectory={dataDirectory}",
            $"--Orleans:SiloPort={TestPorts.Free()}",
            $"--Orleans:GatewayPort={TestPorts.Free()}",
            $"--Orleans:ClusterId=test-{Guid.NewGuid():N}",
            $"--SPOTTER_ADMIN_PASSWORD={AdminPassword}",
            "--Logging:LogLevel:Default=Warning",
            "--Logging:LogLevel:Orleans=Error",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string>()) args.Add($"--{key}={value}");
        var app = CollabServer.Build([.. args]);
        await app.StartAsync();
        return new CollabTestServer(app, new Uri($"http://127.0.0.1:{port}"));
    }

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
        using var admin = Client(await LoginAsync("admin", AdminPassword));
        var response = await admin.PostAsJsonAsync("/api/users", new { username, password = UserPassword, displayName });
        Assert.True(response.IsSuccessStatusCode, $"creating {username}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        return await LoginAsync(username, UserPassword);
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

    /// <summary>GET /api/docs/{id}/roots/{name}: the "value" element.</summary>
    public async Task<JsonElement> ReadRootAsync(string token, string docId, string name, string type = "text")
    {
        using var client = Client(token);
        var response = await client.GetAsync($"/api/docs/{docId}/roots/{name}?type={type}");
        Assert.True(response.IsSuccessStatusCode, $"reading root: {(int)response.StatusCode}");
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return json.RootElement.GetProperty("value").Clone();
    }

    public Task<TestClient> ConnectAsync(string token, bool messagePack) =>
        TestClient.ConnectAsync(new Uri(BaseAddress, "/hubs/collab"), token, messagePack);

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
