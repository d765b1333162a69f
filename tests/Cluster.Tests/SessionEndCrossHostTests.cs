using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using Xunit.Abstractions;

namespace Spotter.Collab.Cluster.Tests;

/// <summary>Issue 11, "Sessions end everywhere": a session ended through one web host closes its hub connections on
/// another, as separate processes.</summary>
[Collection(PostgresGroup.Name)]
public sealed class SessionEndCrossHostTests(PostgresFixture postgres, ITestOutputHelper output)
{
    [Fact]
    public async Task Logout_through_one_web_host_closes_that_sessions_connection_on_another_within_a_second()
    {
        await using var cluster = new ProcessCluster(postgres, output);
        try
        {
            await cluster.StartAsync(silos: 1, webHosts: 2);
            var hosts = cluster.HostAddresses;
            var (_, _, bobToken, docId) = await ClusterApi.ShareDocumentAsync(hosts);
            var random = new Random(5);
            var (warmAccess, warmRefresh) = await SignInAsync(hosts[0], "bob");
            var (access, refresh) = await SignInAsync(hosts[0], "bob");
            await using var warm = new EditorClient("bob-warm", hosts, 1, warmAccess, docId, 1001) { AutoReconnect = false };
            await using var bob = new EditorClient("bob", hosts, 1, access, docId, 2002) { AutoReconnect = false };
            await using var other = new EditorClient("bob-other-session", hosts, 1, bobToken, docId, 3003) { AutoReconnect = false };
            await warm.ConnectAsync();
            await bob.ConnectAsync();
            await other.ConnectAsync();
            Assert.True(await bob.EditAsync("<before>", random));

            // A first logout the same way, so the figure for bob is the propagation, not a cold request path.
            await LogoutAndMeasureAsync(cluster, hosts[0], warmRefresh, warm);
            var closed = await LogoutAndMeasureAsync(cluster, hosts[0], refresh, bob);
            Assert.True(closed < TimeSpan.FromSeconds(1), $"bob's connection on web host 2 was closed {closed.TotalMilliseconds:F0} ms after the logout on web host 1");
            Assert.Contains(bob.Revocations, r => r.Reason == "signed-out");

            // Only that session: bob's other session keeps editing through web host 2.
            Assert.True(other.Closures.IsEmpty, "the logout closed another session's connection");
            Assert.True(await other.EditAsync("<other-session>", random));
            // The copied access token opens no new socket on web host 2.
            await using var again = new EditorClient("bob-copy", hosts, 1, access, docId, 4004) { AutoReconnect = false };
            await Assert.ThrowsAnyAsync<Exception>(again.ConnectAsync);
        }
        catch
        {
            cluster.DumpOutput();
            throw;
        }
    }

    private static async Task<(string Access, string Refresh)> SignInAsync(Uri host, string username)
    {
        using var http = new HttpClient { BaseAddress = host };
        var response = await http.PostAsJsonAsync("/api/auth/login", new { username, password = ClusterApi.UserPassword });
        Assert.True(response.IsSuccessStatusCode, $"login {username}: {(int)response.StatusCode}");
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return (json.RootElement.GetProperty("accessToken").GetString()!, json.RootElement.GetProperty("refreshToken").GetString()!);
    }

    /// <summary>POST logout through <paramref name="host"/>; the time until the client's connection on the other host closed.</summary>
    private static async Task<TimeSpan> LogoutAndMeasureAsync(ProcessCluster cluster, Uri host, string refreshToken, EditorClient client)
    {
        using var http = new HttpClient { BaseAddress = host };
        var start = Stopwatch.GetTimestamp();
        (await http.PostAsJsonAsync("/api/auth/logout", new { refreshToken })).EnsureSuccessStatusCode();
        var answered = Stopwatch.GetElapsedTime(start);
        var deadline = Stopwatch.StartNew();
        while (client.Closures.IsEmpty && deadline.Elapsed < TimeSpan.FromSeconds(10)) await Task.Delay(5);
        Assert.True(client.Closures.TryPeek(out var closedAt), "the connection on the other web host was never closed");
        var closed = Stopwatch.GetElapsedTime(start, closedAt);
        cluster.Report($"logout via web host 1 -> connection on web host 2 closed after {closed.TotalMilliseconds:F0} ms (the POST itself answered after {answered.TotalMilliseconds:F0} ms)");
        return closed;
    }
}
