using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using Xunit.Abstractions;

namespace Spotter.Collab.Cluster.Tests;

/// <summary>Access decisions made through one web host reach live connections on another, as separate processes.</summary>
[Collection(PostgresGroup.Name)]
public sealed class CrossHostEnforcementTests(PostgresFixture postgres, ITestOutputHelper output)
{
    [Fact]
    public async Task A_member_change_through_one_web_host_reaches_a_client_on_another_within_a_second()
    {
        await using var cluster = new ProcessCluster(postgres, output);
        try
        {
            await cluster.StartAsync(silos: 1, webHosts: 2);
            var hosts = cluster.HostAddresses;
            var (adminToken, aliceToken, bobToken, docId) = await ClusterApi.ShareDocumentAsync(hosts);
            var random = new Random(11);
            await using var watcher = new EditorClient("bob-watch", hosts, 1, bobToken, docId, 3003);
            await watcher.ConnectAsync();
            // One more request through web host 1 first, so the figure is the propagation, not a cold path.
            await ClusterApi.SendAsync(hosts[0], aliceToken, HttpMethod.Get, $"/api/docs/{docId}", null);
            // A downgrade made through web host 1 reaches the client on web host 2 within a second as RoleChanged,
            // and its later writes are rejected read-only (never applied).
            var downgradeStart = Stopwatch.GetTimestamp();
            await ClusterApi.SendAsync(hosts[0], aliceToken, HttpMethod.Put, $"/api/docs/{docId}/members/bob", new { role = "viewer" });
            var downgradeDeadline = Stopwatch.StartNew();
            while (watcher.RoleChanges.IsEmpty && downgradeDeadline.Elapsed < TimeSpan.FromSeconds(5)) await Task.Delay(5);
            Assert.True(watcher.RoleChanges.TryPeek(out var roleChange), "the downgrade never reached the client on the other web host");
            var downgrade = Stopwatch.GetElapsedTime(downgradeStart, roleChange.At);
            cluster.Report($"permission change: PUT member viewer via web host 1 -> RoleChanged({roleChange.Role}) on web host 2 after {downgrade.TotalMilliseconds:F0} ms");
            Assert.True(downgrade < TimeSpan.FromSeconds(1), $"downgrade took {downgrade.TotalMilliseconds:F0} ms");
            Assert.True(roleChange.Role is "viewer" or "view", $"RoleChanged carried {roleChange.Role}");
            await watcher.EditAsync("<viewer-write>", random);
            var rejectDeadline = Stopwatch.StartNew();
            while (watcher.Rejections.IsEmpty && rejectDeadline.Elapsed < TimeSpan.FromSeconds(5)) await Task.Delay(5);
            Assert.Equal("read-only", Assert.Single(watcher.Rejections));
            Assert.DoesNotContain("<viewer-write>", await ClusterApi.StoredTextAsync(cluster.ConnectionString, docId));

            // Removed: Revoked within a second too.
            var removeStart = Stopwatch.GetTimestamp();
            await ClusterApi.SendAsync(hosts[0], aliceToken, HttpMethod.Delete, $"/api/docs/{docId}/members/bob", null);
            var removeAnswered = Stopwatch.GetElapsedTime(removeStart);
            var revokeDeadline = Stopwatch.StartNew();
            while (watcher.Revocations.IsEmpty && revokeDeadline.Elapsed < TimeSpan.FromSeconds(5)) await Task.Delay(5);
            Assert.True(watcher.Revocations.TryPeek(out var revocation), "the removal never reached the client on the other web host");
            var propagation = Stopwatch.GetElapsedTime(removeStart, revocation.At);
            cluster.Report($"permission change: DELETE member via web host 1 -> Revoked on web host 2 after {propagation.TotalMilliseconds:F0} ms (the DELETE itself answered after {removeAnswered.TotalMilliseconds:F0} ms)");
            Assert.True(propagation < TimeSpan.FromSeconds(1), $"revocation took {propagation.TotalMilliseconds:F0} ms");
            Assert.Equal("removed", revocation.Reason);
        }
        catch
        {
            cluster.DumpOutput();
            throw;
        }
    }

    [Fact]
    public async Task Deactivating_a_user_through_one_web_host_closes_their_hub_connection_on_another_within_a_second()
    {
        await using var cluster = new ProcessCluster(postgres, output);
        try
        {
            await cluster.StartAsync(silos: 1, webHosts: 2);
            var hosts = cluster.HostAddresses;
            var (adminToken, aliceToken, bobToken, docId) = await ClusterApi.ShareDocumentAsync(hosts);
            var carolToken = await ClusterApi.CreateUserAsync(hosts[1], adminToken, "carol");
            await ClusterApi.SendAsync(hosts[0], aliceToken, HttpMethod.Put, $"/api/docs/{docId}/members/carol", new { role = "editor" });
            await using var bob = new EditorClient("bob", hosts, 1, bobToken, docId, 2002) { AutoReconnect = false };
            await using var carol = new EditorClient("carol", hosts, 1, carolToken, docId, 3003) { AutoReconnect = false };
            await bob.ConnectAsync();
            await carol.ConnectAsync();
            var random = new Random(3);
            Assert.True(await bob.EditAsync("<bob>", random));

            // Carol goes first, the same way, so the figure for bob is the propagation, not a cold request path.
            await DeactivateAndMeasureAsync(cluster, hosts[0], adminToken, "carol", carol);
            var (revoked, closed) = await DeactivateAndMeasureAsync(cluster, hosts[0], adminToken, "bob", bob);
            Assert.True(revoked < TimeSpan.FromSeconds(1), $"Revoked reached bob on web host 2 after {revoked.TotalMilliseconds:F0} ms");
            Assert.True(closed < TimeSpan.FromSeconds(1), $"bob's connection on web host 2 was closed after {closed.TotalMilliseconds:F0} ms");

            // Web host 2 also refuses bob's token from now on, for HTTP and for a new hub connection.
            using var http = new HttpClient { BaseAddress = hosts[1] };
            using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/docs/{docId}");
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bobToken);
            Assert.Equal(HttpStatusCode.Unauthorized, (await http.SendAsync(request)).StatusCode);
            await using var again = new EditorClient("bob-again", hosts, 1, bobToken, docId, 4004) { AutoReconnect = false };
            await Assert.ThrowsAnyAsync<Exception>(again.ConnectAsync);
        }
        catch
        {
            cluster.DumpOutput();
            throw;
        }
    }

    /// <summary>POST deactivate through <paramref name="host"/>; times until <c>Revoked</c> and the close reach the client.</summary>
    private static async Task<(TimeSpan Revoked, TimeSpan Closed)> DeactivateAndMeasureAsync(ProcessCluster cluster, Uri host, string adminToken, string username, EditorClient client)
    {
        var start = Stopwatch.GetTimestamp();
        await ClusterApi.SendAsync(host, adminToken, HttpMethod.Post, $"/api/admin/users/{username}/deactivate", null);
        var answered = Stopwatch.GetElapsedTime(start);
        var deadline = Stopwatch.StartNew();
        while ((client.Revocations.IsEmpty || client.Closures.IsEmpty) && deadline.Elapsed < TimeSpan.FromSeconds(10)) await Task.Delay(5);
        Assert.True(client.Revocations.TryPeek(out var revocation), $"{username}'s client on the other web host never got Revoked");
        Assert.True(client.Closures.TryPeek(out var closedAt), $"{username}'s connection on the other web host was never closed");
        // Two pushes race: the organisation watcher's "deactivated" (which also closes the connection) and the
        // document's own revocation of a principal that lost access ("removed"); either may arrive first.
        Assert.True(revocation.Reason is "deactivated" or "removed", $"Revoked carried {revocation.Reason}");
        var revoked = Stopwatch.GetElapsedTime(start, revocation.At);
        var closed = Stopwatch.GetElapsedTime(start, closedAt);
        cluster.Report($"deactivation of {username} via web host 1 -> Revoked ({revocation.Reason}) on web host 2 after {revoked.TotalMilliseconds:F0} ms, connection closed after {closed.TotalMilliseconds:F0} ms (the POST itself answered after {answered.TotalMilliseconds:F0} ms)");
        return (revoked, closed);
    }
}
