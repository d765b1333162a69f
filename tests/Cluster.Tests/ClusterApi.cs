using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;
using Spotter.Collab.Crdt;
using Spotter.Collab.Grains.Storage;

namespace Spotter.Collab.Cluster.Tests;

/// <summary>HTTP API calls and stored-state reads shared by the process-level cluster tests.</summary>
internal static class ClusterApi
{
    public const string UserPassword = "cluster-user-password";

    /// <summary>The text root "t" of a document as stored in PostgreSQL (snapshot + log).</summary>
    public static async Task<string> StoredTextAsync(string connectionString, string docId)
    {
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        await using var store = new PostgresDocumentStore(dataSource, Options.Create(new PostgresStoreOptions()), NullLogger<PostgresDocumentStore>.Instance);
        var stored = await store.LoadAsync(docId);
        var doc = new Doc();
        if (stored.Snapshot is not null) doc.ApplyUpdate(stored.Snapshot);
        foreach (var update in stored.Tail) doc.ApplyUpdate(update.Update);
        return doc.GetText("t").ToString();
    }

    public static async Task<string> LoginAsync(Uri host, string username, string password)
    {
        using var http = new HttpClient { BaseAddress = host };
        var response = await http.PostAsJsonAsync("/api/auth/login", new { username, password });
        Assert.True(response.IsSuccessStatusCode, $"login {username} on {host}: {(int)response.StatusCode}");
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return json.RootElement.GetProperty("token").GetString()!;
    }

    public static async Task<string> CreateUserAsync(Uri host, string adminToken, string username)
    {
        await SendAsync(host, adminToken, HttpMethod.Post, "/api/users", new { username, password = UserPassword, displayName = username });
        return await LoginAsync(host, username, UserPassword);
    }

    /// <summary>The scene most cluster tests start from: users alice (created through web host 1) and bob (through web
    /// host 2), and a document alice owns with bob as an editor. Tokens are signed with the key shared through
    /// PostgreSQL, so each works on every host.</summary>
    public static async Task<(string AdminToken, string AliceToken, string BobToken, string DocId)> ShareDocumentAsync(IReadOnlyList<Uri> hosts)
    {
        var adminToken = await LoginAsync(hosts[0], "admin", ProcessCluster.AdminPassword);
        var aliceToken = await CreateUserAsync(hosts[0], adminToken, "alice");
        var bobToken = await CreateUserAsync(hosts[1], adminToken, "bob");
        var docId = await CreateDocumentAsync(hosts[1], aliceToken);
        await SendAsync(hosts[0], aliceToken, HttpMethod.Put, $"/api/docs/{docId}/members/bob", new { role = "editor" });
        return (adminToken, aliceToken, bobToken, docId);
    }

    public static async Task<string> CreateDocumentAsync(Uri host, string token)
    {
        using var json = JsonDocument.Parse(await SendAsync(host, token, HttpMethod.Post, "/api/docs", new { title = "cluster" }));
        return json.RootElement.GetProperty("id").GetString()!;
    }

    public static async Task<string> SendAsync(Uri host, string token, HttpMethod method, string path, object? body)
    {
        using var http = new HttpClient { BaseAddress = host };
        using var request = new HttpRequestMessage(method, path) { Content = body is null ? null : JsonContent.Create(body) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{method} {path} on {host}: {(int)response.StatusCode} {text}");
        return text;
    }
}
