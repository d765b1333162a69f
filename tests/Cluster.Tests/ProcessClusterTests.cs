using System.Diagnostics;
using Xunit.Abstractions;

namespace Spotter.Collab.Cluster.Tests;

/// <summary>
/// The production topology as separate processes on one throwaway PostgreSQL: two silos (Spotter.Collab.Silo) and
/// two web hosts (Spotter.Collab.WebHost as Orleans clients), driven by .NET SignalR clients.
/// </summary>
[Collection(PostgresGroup.Name)]
public sealed class ProcessClusterTests(PostgresFixture postgres, ITestOutputHelper output)
{
    /// <summary>Silos and two web hosts; a host that makes no call to a new activation finds it on its refresh timer,
    /// every 2 s here.</summary>
    private async Task<ProcessCluster> StartClusterAsync(int silos)
    {
        var cluster = new ProcessCluster(postgres, output);
        cluster.SiloSettings["Documents:ObserverExpiry"] = "00:00:06";
        cluster.WebHostSettings["Documents:ObserverExpiry"] = "00:00:06";
        try
        {
            await cluster.StartAsync(silos, webHosts: 2);
            return cluster;
        }
        catch
        {
            cluster.DumpOutput();
            await cluster.DisposeAsync();
            throw;
        }
    }

    [Fact]
    public async Task Clients_on_two_web_hosts_converge_and_survive_a_SIGKILL_of_the_silo_holding_their_document()
    {
        var total = Stopwatch.StartNew();
        await using var cluster = await StartClusterAsync(silos: 2);
        try
        {
            var hosts = cluster.HostAddresses;
            var (adminToken, aliceToken, bobToken, docId) = await ClusterApi.ShareDocumentAsync(hosts);

            await using var alice = new EditorClient("alice", hosts, 0, aliceToken, docId, 1001);
            await using var bob = new EditorClient("bob", hosts, 1, bobToken, docId, 2002);
            await alice.ConnectAsync();
            await bob.ConnectAsync();
            var acknowledged = new List<string>();
            var random = new Random(7);

            // 1. Co-editing through two web hosts converges.
            for (var i = 0; i < 20; i++)
            {
                if (await alice.EditAsync($"<a{i}>", random)) acknowledged.Add($"<a{i}>");
                if (await bob.EditAsync($"<b{i}>", random)) acknowledged.Add($"<b{i}>");
            }
            Assert.Equal(40, acknowledged.Count);
            await cluster.ConvergedAsync(docId, acknowledged, TimeSpan.FromSeconds(10), alice, bob);

            // 2. SIGKILL the silo holding the document in the middle of a burst.
            var victim = await cluster.SiloHostingAsync(docId);
            var aliceConnection = alice.ConnectionId;
            var bobConnection = bob.ConnectionId;
            using var burstStop = new CancellationTokenSource();
            var killedAt = 0L;
            var firstAckAfterKill = new long[2];
            var failedSends = new int[2];
            async Task BurstAsync(EditorClient client, string prefix, int slot)
            {
                var burstRandom = new Random(slot);
                for (var n = 0; !burstStop.IsCancellationRequested; n++)
                {
                    // Bob only listens after the kill: web host 2 then sends the new activation nothing, so only its
                    // re-subscribe timer can reconnect its observer (and bob must still receive alice's edits).
                    if (slot == 1 && Interlocked.Read(ref killedAt) != 0) return;
                    var token = $"<{prefix}{n}>";
                    // Only an edit issued after the kill proves the document is served again.
                    var issuedAfterKill = Interlocked.Read(ref killedAt) != 0;
                    if (await client.EditAsync(token, burstRandom))
                    {
                        lock (acknowledged) acknowledged.Add(token);
                        if (issuedAfterKill && firstAckAfterKill[slot] == 0) firstAckAfterKill[slot] = Stopwatch.GetTimestamp();
                    }
                    else
                    {
                        Interlocked.Increment(ref failedSends[slot]);
                        await Task.Delay(50);
                    }
                    await Task.Delay(10);
                }
            }
            var bursts = new[] { BurstAsync(alice, "x", 0), BurstAsync(bob, "y", 1) };
            await Task.Delay(1000);
            Interlocked.Exchange(ref killedAt, Stopwatch.GetTimestamp());
            victim.Kill();
            output.WriteLine($"killed {victim.Name}, which hosted document {docId}");
            // Keep editing until both clients are acknowledged again by the surviving silo (or give up).
            var failoverDeadline = Stopwatch.StartNew();
            while (firstAckAfterKill[0] == 0 && failoverDeadline.Elapsed < TimeSpan.FromSeconds(60)) await Task.Delay(100);
            await Task.Delay(1000);
            await burstStop.CancelAsync();
            await Task.WhenAll(bursts);
            Assert.True(firstAckAfterKill[0] != 0, "editing did not resume within 60 s after the silo was killed");
            var failover = Stopwatch.GetElapsedTime(killedAt, firstAckAfterKill[0]);
            cluster.Report($"silo failover: alice's first edit issued after the SIGKILL acknowledged {failover.TotalSeconds:F2} s after it; {acknowledged.Count} acknowledged edits so far, {failedSends.Sum()} sends failed during the failover");
            // Throws unless the document is active again (necessarily on the survivor).
            var rehomed = await cluster.SiloHostingAsync(docId);
            cluster.Report($"document now on {rehomed.Name}");
            // The survivor also declared the killed silo dead in the membership table (status 6 = Dead).
            var deathDeadline = Stopwatch.StartNew();
            while (await cluster.MembershipStatusAsync(victim) != 6 && deathDeadline.Elapsed < TimeSpan.FromSeconds(20)) await Task.Delay(200);
            cluster.Report($"killed silo declared dead in the membership table {Stopwatch.GetElapsedTime(killedAt).TotalSeconds:F1} s after SIGKILL");
            Assert.Equal(6, await cluster.MembershipStatusAsync(victim));
            // Same SignalR connections throughout: the server resubscribed and caught the clients up.
            Assert.Equal(aliceConnection, alice.ConnectionId);
            Assert.Equal(bobConnection, bob.ConnectionId);
            Assert.Equal(0, alice.Reconnects + bob.Reconnects);
            var catchUp = Stopwatch.StartNew();
            await cluster.ConvergedAsync(docId, acknowledged, TimeSpan.FromSeconds(20), alice, bob);
            cluster.Report($"listening client on the other web host caught up {catchUp.Elapsed.TotalSeconds:F1} s after the burst stopped");

            // 3. A graceful stop (SIGTERM) of the last silo, with nowhere to hand off to: clean exit, and it marks
            // itself dead on the way out.
            var lastSilo = cluster.Silos.Single(s => !s.HasExited);
            var exitCode = await lastSilo.StopAsync(TimeSpan.FromSeconds(45));
            Assert.Equal(0, exitCode);
            Assert.Equal(6, await cluster.MembershipStatusAsync(lastSilo));
            cluster.Report($"whole scenario {total.Elapsed.TotalSeconds:F1} s");
        }
        catch
        {
            cluster.DumpOutput();
            throw;
        }
    }

    [Fact]
    public async Task Clients_of_a_killed_web_host_reconnect_to_the_other_and_resync_and_the_restarted_host_serves_again()
    {
        await using var cluster = await StartClusterAsync(silos: 1);
        try
        {
            var hosts = cluster.HostAddresses;
            var (adminToken, aliceToken, bobToken, docId) = await ClusterApi.ShareDocumentAsync(hosts);
            await using var alice = new EditorClient("alice", hosts, 0, aliceToken, docId, 1001);
            await using var bob = new EditorClient("bob", hosts, 1, bobToken, docId, 2002);
            await alice.ConnectAsync();
            await bob.ConnectAsync();
            var acknowledged = new List<string>();
            var random = new Random(7);
            for (var i = 0; i < 10; i++)
            {
                if (await alice.EditAsync($"<a{i}>", random)) acknowledged.Add($"<a{i}>");
                if (await bob.EditAsync($"<b{i}>", random)) acknowledged.Add($"<b{i}>");
            }

            // SIGKILL web host 1: alice's connection drops and her client (standing in for the balancer) tries the
            // next host.
            var restarted = cluster.WebHosts[0]!;
            var restartPort = restarted.HttpPort;
            var lostAt = Stopwatch.GetTimestamp();
            restarted.Kill();
            await alice.Reconnected.Task.WaitAsync(TimeSpan.FromSeconds(30));
            cluster.Report($"web host loss: alice reconnected {Stopwatch.GetElapsedTime(lostAt).TotalSeconds:F2} s after the kill");
            // Acknowledged while web host 1 is down: served by web host 2.
            Assert.True(restarted.HasExited);
            var whileDown = 0;
            for (var i = 0; i < 10; i++)
            {
                if (await alice.EditAsync($"<r{i}>", random))
                {
                    acknowledged.Add($"<r{i}>");
                    whileDown++;
                }
                if (await bob.EditAsync($"<s{i}>", random)) acknowledged.Add($"<s{i}>");
            }
            Assert.Equal(10, whileDown);
            Assert.Equal(1, alice.Reconnects);
            await cluster.ConvergedAsync(docId, acknowledged, TimeSpan.FromSeconds(20), alice, bob);

            // The restarted host serves the document again: a new client there gets everything.
            await restarted.DisposeAsync();
            cluster.WebHosts[0] = cluster.StartWebHost(1, restartPort);
            await cluster.WebHosts[0]!.WaitReadyAsync(TimeSpan.FromSeconds(60));
            await using var carol = new EditorClient("alice-again", hosts, 0, aliceToken, docId, 3003);
            await carol.ConnectAsync();
            Assert.True(await carol.EditAsync("<after-restart>", random));
            acknowledged.Add("<after-restart>");
            await cluster.ConvergedAsync(docId, acknowledged, TimeSpan.FromSeconds(20), alice, bob, carol);
        }
        catch
        {
            cluster.DumpOutput();
            throw;
        }
    }
}
