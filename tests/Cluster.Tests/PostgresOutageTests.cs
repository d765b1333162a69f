using System.Diagnostics;
using System.Globalization;
using System.Net;
using Npgsql;
using Xunit.Abstractions;

namespace Spotter.Collab.Cluster.Tests;

/// <summary>
/// PostgreSQL goes away while clients edit: one silo and one web host (separate processes) reach the database only
/// through a <see cref="TcpProxy"/>, which the test interrupts (every link reset, new ones refused) and restores.
/// </summary>
[Collection(PostgresGroup.Name)]
public sealed class PostgresOutageTests(PostgresFixture postgres, ITestOutputHelper output) : IAsyncLifetime
{
    private const string AdminPassword = "outage-admin-password";
    private static readonly TimeSpan Outage = TimeSpan.FromSeconds(4);
    private readonly string _clusterId = "outage-" + Guid.NewGuid().ToString("N")[..8];
    // A list, not a field of the disposable type: the proxy lives exactly as long as the test (created and disposed
    // in InitializeAsync/DisposeAsync).
    private readonly List<TcpProxy> _proxies = [];
    private string _connectionString = "";
    private ServerProcess? _silo;
    private ServerProcess? _web;

    private TcpProxy Database => _proxies[0];

    public async Task InitializeAsync()
    {
        _connectionString = await postgres.CreateDatabaseAsync("outage");
        _proxies.Add(new TcpProxy());
        Database.Retarget(new IPEndPoint(IPAddress.Loopback, postgres.Port));
        var proxied = new NpgsqlConnectionStringBuilder(_connectionString) { Port = Database.Port }.ConnectionString;
        _silo = ServerProcess.Start("silo", ServerProcess.ReleaseDll("Silo", "Spotter.Collab.Silo"), ServerProcess.FreePort(), new Dictionary<string, string>
        {
            ["ConnectionStrings:Postgres"] = proxied,
            ["Storage:Kind"] = "postgres",
            ["Orleans:ClusterId"] = _clusterId,
            ["Orleans:ServiceId"] = "spotter-outage-tests",
            ["Orleans:SiloPort"] = ServerProcess.FreePort().ToString(CultureInfo.InvariantCulture),
            ["Orleans:GatewayPort"] = ServerProcess.FreePort().ToString(CultureInfo.InvariantCulture),
            ["Orleans:AdvertisedIP"] = "127.0.0.1",
            ["Orleans:Messaging:ResponseTimeout"] = "00:00:05",
            ["Documents:ObserverExpiry"] = "00:00:06",
            ["Logging:LogLevel:Default"] = "Warning",
        });
        await _silo.WaitReadyAsync(TimeSpan.FromSeconds(90));
        _web = ServerProcess.Start("web", ServerProcess.ReleaseDll("WebHost", "Spotter.Collab.WebHost"), ServerProcess.FreePort(), new Dictionary<string, string>
        {
            ["Cluster:Mode"] = "client",
            ["ConnectionStrings:Postgres"] = proxied,
            ["Orleans:ClusterId"] = _clusterId,
            ["Orleans:ServiceId"] = "spotter-outage-tests",
            ["Orleans:Messaging:ResponseTimeout"] = "00:00:05",
            ["Documents:ObserverExpiry"] = "00:00:06",
            ["SPOTTER_ADMIN_PASSWORD"] = AdminPassword,
            ["Auth:SigningKeys:0"] = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(64)),
            ["Logging:LogLevel:Default"] = "Warning",
        });
        await _web.WaitReadyAsync(TimeSpan.FromSeconds(90));
    }

    [Fact]
    public async Task During_a_PostgreSQL_outage_nothing_is_acknowledged_and_afterwards_the_server_recovers_without_a_restart_and_nothing_typed_is_lost()
    {
        try
        {
            var host = _web!.BaseAddress;
            var adminToken = await ClusterApi.LoginAsync(host, "admin", AdminPassword);
            var aliceToken = await ClusterApi.CreateUserAsync(host, adminToken, "alice");
            var bobToken = await ClusterApi.CreateUserAsync(host, adminToken, "bob");
            var docId = await ClusterApi.CreateDocumentAsync(host, aliceToken);
            await ClusterApi.SendAsync(host, aliceToken, HttpMethod.Put, $"/api/docs/{docId}/members/bob", new { role = "editor" });
            await using var alice = new EditorClient("alice", [host], 0, aliceToken, docId, 1001);
            await using var bob = new EditorClient("bob", [host], 0, bobToken, docId, 2002);
            await alice.ConnectAsync();
            await bob.ConnectAsync();
            var connections = (alice.ConnectionId, bob.ConnectionId);
            var random = new Random(11);
            var acknowledged = new List<string>();
            var typed = new List<string>();
            for (var i = 0; i < 10; i++)
            {
                foreach (var (client, token) in new[] { (alice, $"<a{i}>"), (bob, $"<b{i}>") })
                {
                    typed.Add(token);
                    Assert.True(await client.EditAsync(token, random), $"{token} was not acknowledged before the outage");
                    acknowledged.Add(token);
                }
            }
            await ConvergedAsync(docId, typed, acknowledged, TimeSpan.FromSeconds(10), alice, bob);

            // The outage: both keep typing; nothing issued after the cut may be acknowledged before the database is back.
            Database.Interrupt();
            var cutAt = Stopwatch.GetTimestamp();
            var outageSends = new List<(string Token, bool Acked, TimeSpan Took)>();
            var n = 0;
            while (Stopwatch.GetElapsedTime(cutAt) < Outage)
            {
                foreach (var (client, prefix) in new[] { (alice, "x"), (bob, "y") })
                {
                    var token = $"<{prefix}{n}>";
                    typed.Add(token);
                    var sent = Stopwatch.GetTimestamp();
                    var acked = await client.EditAsync(token, random);
                    outageSends.Add((token, acked, Stopwatch.GetElapsedTime(sent)));
                }
                n++;
                await Task.Delay(100);
            }
            var restoredAt = Stopwatch.GetTimestamp();
            Database.Restore();
            Report($"outage of {Outage.TotalSeconds:F0} s: {outageSends.Count} edits sent, {outageSends.Count(s => s.Acked)} acknowledged; a refused send took {Median(outageSends.Where(s => !s.Acked).Select(s => s.Took.TotalMilliseconds)):F0} ms (median), {outageSends.Max(s => s.Took.TotalMilliseconds):F0} ms at most");
            Assert.NotEmpty(outageSends);
            Assert.DoesNotContain(outageSends, s => s.Acked);

            // Recovery: the same processes and connections serve edits again once PostgreSQL answers.
            TimeSpan? recovered = null;
            for (var i = 0; recovered is null && Stopwatch.GetElapsedTime(restoredAt) < TimeSpan.FromSeconds(45); i++)
            {
                var token = $"<r{i}>";
                typed.Add(token);
                if (await alice.EditAsync(token, random))
                {
                    acknowledged.Add(token);
                    recovered = Stopwatch.GetElapsedTime(restoredAt);
                }
                else
                {
                    await Task.Delay(200);
                }
            }
            Assert.True(recovered is not null, "no edit was acknowledged within 45 s after PostgreSQL came back");
            Report($"first acknowledged edit {recovered!.Value.TotalSeconds:F2} s after PostgreSQL came back");
            for (var i = 0; i < 5; i++)
            {
                foreach (var (client, token) in new[] { (alice, $"<c{i}>"), (bob, $"<d{i}>") })
                {
                    typed.Add(token);
                    Assert.True(await client.EditAsync(token, random), $"{token} was not acknowledged after the recovery");
                    acknowledged.Add(token);
                }
            }

            // Everything typed during the outage reaches the database through the resync (the server's sync step 1
            // after the document's new activation), without any client-side retry logic.
            var convergence = Stopwatch.StartNew();
            await ConvergedAsync(docId, typed, acknowledged, TimeSpan.FromSeconds(20), alice, bob);
            Report($"replicas and PostgreSQL converged {convergence.Elapsed.TotalSeconds:F1} s later, holding all {typed.Count} typed edits");
            Assert.Equal(connections, (alice.ConnectionId, bob.ConnectionId));
            Assert.Equal(0, alice.Reconnects + bob.Reconnects);
            Assert.False(_silo!.HasExited, "the silo exited");
            Assert.False(_web.HasExited, "the web host exited");
        }
        catch
        {
            foreach (var process in new[] { _silo, _web }.OfType<ServerProcess>()) output.WriteLine(process.RecentOutput);
            throw;
        }
    }

    public async Task DisposeAsync()
    {
        if (_web is not null) await _web.DisposeAsync();
        if (_silo is not null) await _silo.DisposeAsync();
        foreach (var proxy in _proxies) await proxy.DisposeAsync();
    }

    /// <summary>Both replicas equal the stored document, which holds every acknowledged and every typed edit.</summary>
    private async Task ConvergedAsync(string docId, List<string> typed, List<string> acknowledged, TimeSpan timeout, params EditorClient[] clients)
    {
        var deadline = Stopwatch.StartNew();
        string stored;
        while (true)
        {
            stored = await ClusterApi.StoredTextAsync(_connectionString, docId);
            if (clients.All(c => c.Text == stored) && typed.All(t => stored.Contains(t, StringComparison.Ordinal))) break;
            if (deadline.Elapsed > timeout)
            {
                var missing = typed.Where(t => !stored.Contains(t, StringComparison.Ordinal));
                Assert.Fail($"no convergence after {timeout}: stored {stored.Length} chars, clients {string.Join(", ", clients.Select(c => $"{c.Name} {c.Text.Length}"))}; typed but not stored: {string.Join(' ', missing)}");
            }
            await Task.Delay(300);
        }
        var lost = acknowledged.Where(t => !stored.Contains(t, StringComparison.Ordinal)).ToArray();
        Assert.True(lost.Length == 0, $"acknowledged edits lost: {string.Join(' ', lost)}");
    }

    private void Report(string line)
    {
        output.WriteLine(line);
        Console.WriteLine("[outage] " + line);
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length == 0 ? 0 : sorted[sorted.Length / 2];
    }
}
