using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Spotter.Collab.Grains.Audit;
using Spotter.Collab.Server.Tests.Infrastructure;

namespace Spotter.Collab.Server.Tests.Auth;

public sealed record Tokens(string Token, string AccessToken, string RefreshToken, int ExpiresIn);

/// <summary>A problem-details answer reduced to what a client can see (no trace id).</summary>
public sealed record Answer(HttpStatusCode Status, string? Type, string? Title, string? Detail, bool HasRetryAfter);

/// <summary>A real server for one test class, started with extra settings.</summary>
public abstract class AuthServerFixtureBase : IAsyncLifetime, IDisposable
{
    private readonly TempDirectory _directory = new();

    public CollabTestServer Server { get; private set; } = null!;

    protected abstract IDictionary<string, string> Settings { get; }

    public async Task InitializeAsync()
    {
        // The cheapest allowed hashing keeps these login-heavy tests fast; the default (600 000) is covered by
        // AccountRulesTests and by every other server test.
        var settings = new Dictionary<string, string>(Settings) { ["Auth:PasswordIterations"] = "10000" };
        Server = await CollabTestServer.StartAsync(_directory.Path, settings);
    }

    public async Task DisposeAsync() => await Server.DisposeAsync();

    public void Dispose()
    {
        _directory.Dispose();
        GC.SuppressFinalize(this);
    }
}

public static class AuthTestHelpers
{
    public static string NewName(string prefix) => $"{prefix}{Guid.NewGuid():N}"[..20];

    public static Task<HttpResponseMessage> PostLoginAsync(this CollabTestServer server, string username, string password) =>
        server.Http.PostAsJsonAsync("/api/auth/login", new { username, password });

    public static async Task<Tokens> SignInAsync(this CollabTestServer server, string username, string password = CollabTestServer.UserPassword)
    {
        var response = await server.PostLoginAsync(username, password);
        Assert.True(response.IsSuccessStatusCode, $"login {username}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        return (await response.Content.ReadFromJsonAsync<Tokens>())!;
    }

    public static Task<HttpResponseMessage> PostRefreshAsync(this CollabTestServer server, string refreshToken) =>
        server.Http.PostAsJsonAsync("/api/auth/refresh", new { refreshToken });

    public static async Task<Tokens> RefreshAsync(this CollabTestServer server, string refreshToken)
    {
        var response = await server.PostRefreshAsync(refreshToken);
        Assert.True(response.IsSuccessStatusCode, $"refresh: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        return (await response.Content.ReadFromJsonAsync<Tokens>())!;
    }

    /// <summary>Creates an account through the admin API (no sign-in for it).</summary>
    public static async Task<string> NewAccountAsync(this CollabTestServer server, string prefix)
    {
        var username = NewName(prefix);
        var admin = await server.SignInAsync("admin", CollabTestServer.AdminPassword);
        using var client = server.Client(admin.AccessToken);
        var response = await client.PostAsJsonAsync("/api/users", new { username, password = CollabTestServer.UserPassword, displayName = prefix });
        Assert.True(response.IsSuccessStatusCode, $"creating {username}: {(int)response.StatusCode}");
        return username;
    }

    /// <summary>Status of GET /api/me with this access token.</summary>
    public static async Task<HttpStatusCode> MeStatusAsync(this CollabTestServer server, string accessToken)
    {
        using var client = server.Client(accessToken);
        return (await client.GetAsync("/api/me")).StatusCode;
    }

    public static async Task<Answer> AnswerAsync(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync();
        if (response.Content.Headers.ContentType?.MediaType != "application/problem+json")
        {
            return new Answer(response.StatusCode, null, null, null, response.Headers.RetryAfter is not null);
        }
        using var json = JsonDocument.Parse(body);
        string? Text(string name) => json.RootElement.TryGetProperty(name, out var value) ? value.GetString() : null;
        return new Answer(response.StatusCode, Text("type"), Text("title"), Text("detail"), response.Headers.RetryAfter is not null);
    }

    public static Task<IReadOnlyList<StoredAuditEntry>> AuditAsync(this CollabTestServer server, string target) =>
        server.Services.GetRequiredService<IAuditLog>().QueryAsync(new AuditQuery(Target: target));
}
