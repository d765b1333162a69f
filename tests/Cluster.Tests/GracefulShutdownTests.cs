using System.Diagnostics;
using Xunit.Abstractions;

namespace Spotter.Collab.Cluster.Tests;

/// <summary>
/// Rolling restarts as an orchestrator does them (SIGTERM, wait for the exit): a stopping silo hands its documents
/// to the others without a gap in the live edits, and a stopping web host leaves the rotation and sends its clients
/// elsewhere before it goes.
/// </summary>
[Collection(PostgresGroup.Name)]
public sealed class GracefulShutdownTests(PostgresFixture postgres, ITestOutputHelper output)
{
    [Fact]
    public async Task A_silo_stopped_with_SIGTERM_hands_its_documents_off_and_a_listening_host_keeps_receiving_live_edits()
    {
        // Default ObserverExpiry (90 s): a web host re-subscribes on its own only every 30 s, so only the hand-off can
        // re-attach a host that merely listens within the bound below.
        await using var cluster = new ProcessCluster(postgres, output);
        try
        {
            await cluster.StartAsync(silos: 2, webHosts: 2);
            var hosts = cluster.HostAddresses;
            foreach (var silo in cluster.Silos)
            {
                var health = await silo.ProbeAsync("/healthz");
                Assert.Equal((200, "ok"), (health.Status, health.Body));
                var ready = await silo.ProbeAsync("/readyz");
                Assert.Equal(200, ready.Status);
                Assert.StartsWith("ready", ready.Body, StringComparison.Ordinal);
            }
            var (adminToken, aliceToken, bobToken, docId) = await ClusterApi.ShareDocumentAsync(hosts);
            await using var alice = new EditorClient("alice", hosts, 0, aliceToken, docId, 1001);
            await using var bob = new EditorClient("bob", hosts, 1, bobToken, docId, 2002);
            await alice.ConnectAsync();
            await bob.ConnectAsync();

            var victim = await cluster.SiloHostingAsync(docId);
            var acknowledged = new List<string>();
            // Alice's tokens by the time they were typed.
            var typedAt = new List<(string Token, long At)>();
            var stoppedAt = 0L;
            using var burstStop = new CancellationTokenSource();
            async Task BurstAsync(EditorClient client, string prefix, int seed)
            {
                var random = new Random(seed);
                for (var n = 0; !burstStop.IsCancellationRequested; n++)
                {
                    // Bob only listens from the SIGTERM on: web host 2 then makes no call that could show it the
                    // new activation; only the hand-off (or its 30 s refresh timer) re-attaches it.
                    if (client == bob && Interlocked.Read(ref stoppedAt) != 0) return;
                    var token = $"<{prefix}{n}>";
                    if (client == alice)
                    {
                        lock (typedAt) typedAt.Add((token, Stopwatch.GetTimestamp()));
                    }
                    if (await client.EditAsync(token, random))
                    {
                        lock (acknowledged) acknowledged.Add(token);
                    }
                    else
                    {
                        await Task.Delay(50);
                    }
                    await Task.Delay(20);
                }
            }

            // Bob's view, sampled: when did he first see an edit alice typed after the SIGTERM, and what was the
            // longest time his text stood still while alice kept typing.
            var firstAfterStop = 0L;
            var firstAfterExit = 0L;
            var exitedAt = 0L;
            var longestSilence = TimeSpan.Zero;
            async Task WatchBobAsync()
            {
                var lastText = bob.Text;
                var lastChange = Stopwatch.GetTimestamp();
                while (!burstStop.IsCancellationRequested)
                {
                    await Task.Delay(10);
                    var text = bob.Text;
                    var now = Stopwatch.GetTimestamp();
                    if (text != lastText)
                    {
                        lastText = text;
                        lastChange = now;
                    }
                    var stopped = Interlocked.Read(ref stoppedAt);
                    if (stopped == 0) continue;
                    var silence = Stopwatch.GetElapsedTime(Math.Max(lastChange, stopped), now);
                    if (silence > longestSilence) longestSilence = silence;
                    if (firstAfterStop == 0 && TypedAfter(stopped).Any(token => text.Contains(token, StringComparison.Ordinal))) firstAfterStop = now;
                    // Typed once the old silo was gone: it can only have come from the new activation.
                    var exited = Interlocked.Read(ref exitedAt);
                    if (exited != 0 && firstAfterExit == 0 && TypedAfter(exited).Any(token => text.Contains(token, StringComparison.Ordinal))) firstAfterExit = now;
                }
            }

            List<string> TypedAfter(long timestamp)
            {
                lock (typedAt) return typedAt.Where(t => t.At > timestamp).Select(t => t.Token).ToList();
            }

            var bursts = new[] { BurstAsync(alice, "x", 1), BurstAsync(bob, "y", 2), WatchBobAsync() };
            await Task.Delay(1000);
            Interlocked.Exchange(ref stoppedAt, Stopwatch.GetTimestamp());
            await victim.TerminateAsync();
            var exit = victim.WaitForExitAsync(TimeSpan.FromSeconds(45));
            // The stopping silo leaves the load balancer's rotation at once, until it is gone.
            var readiness = new List<int?>();
            while (!exit.IsCompleted)
            {
                readiness.Add((await victim.ProbeAsync("/readyz")).Status);
                await Task.Delay(20);
            }
            var exitCode = await exit;
            Interlocked.Exchange(ref exitedAt, Stopwatch.GetTimestamp());
            // Alice keeps typing until bob has seen her edits live from the new activation for a while.
            var deadline = Stopwatch.StartNew();
            while ((firstAfterExit == 0 || Stopwatch.GetElapsedTime(firstAfterExit) < TimeSpan.FromSeconds(2)) && deadline.Elapsed < TimeSpan.FromSeconds(45)) await Task.Delay(100);
            await burstStop.CancelAsync();
            await Task.WhenAll(bursts);

            var exitTime = Stopwatch.GetElapsedTime(stoppedAt, exitedAt);
            cluster.Report($"silo SIGTERM: {victim.Name} exited with {exitCode} after {exitTime.TotalSeconds:F2} s; /readyz while stopping: {string.Join(' ', readiness.Distinct().Select(s => s?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "refused"))}");
            Assert.Equal(0, exitCode);
            // (The first probes may still beat the signal handler.)
            Assert.DoesNotContain(200, readiness.SkipWhile(status => status == 200));
            Assert.True(firstAfterExit != 0, "the listening client on the other web host received none of the edits typed after the silo exited within 45 s");
            var afterExit = Stopwatch.GetElapsedTime(exitedAt, firstAfterExit);
            cluster.Report($"silo hand-off: bob (listening on web host 2) saw the first edit typed after the SIGTERM {Stopwatch.GetElapsedTime(stoppedAt, firstAfterStop).TotalSeconds:F2} s after it, the first typed after the exit {afterExit.TotalSeconds:F2} s after that; longest stretch without a live edit at bob {longestSilence.TotalSeconds:F2} s; {acknowledged.Count} edits acknowledged");
            // Well under the 30 s re-subscribe timer that was the only way back before.
            Assert.True(longestSilence < TimeSpan.FromSeconds(5), $"bob saw no live edit for {longestSilence.TotalSeconds:F2} s");
            Assert.True(afterExit < TimeSpan.FromSeconds(5), $"bob saw edits typed after the silo exited only {afterExit.TotalSeconds:F2} s later");
            // Throws unless the document is active again (necessarily on the survivor).
            await cluster.SiloHostingAsync(docId);
            Assert.Equal(6, await cluster.MembershipStatusAsync(victim));
            // Same connections throughout: the hosts re-subscribed and caught their clients up themselves.
            Assert.Equal(0, alice.Reconnects + bob.Reconnects);
            await cluster.ConvergedAsync(docId, acknowledged, TimeSpan.FromSeconds(20), alice, bob);
            // A fresh join reads the same document from the new activation.
            await using var fresh = new EditorClient("bob-fresh", hosts, 1, bobToken, docId, 3003);
            await fresh.ConnectAsync();
            await cluster.ConvergedAsync(docId, acknowledged, TimeSpan.FromSeconds(10), alice, bob, fresh);
        }
        catch
        {
            cluster.DumpOutput();
            throw;
        }
    }

    [Fact]
    public async Task A_web_host_stopped_with_SIGTERM_fails_readiness_then_sends_its_clients_to_another_host()
    {
        await using var cluster = new ProcessCluster(postgres, output);
        cluster.WebHostSettings["DrainDelay"] = "00:00:02";
        cluster.WebHostSettings["ShutdownTimeout"] = "00:00:15";
        try
        {
            await cluster.StartAsync(silos: 1, webHosts: 2);
            var hosts = cluster.HostAddresses;
            var draining = cluster.WebHosts[0]!;
            var (adminToken, aliceToken, bobToken, docId) = await ClusterApi.ShareDocumentAsync(hosts);
            await using var alice = new EditorClient("alice", hosts, 0, aliceToken, docId, 1001);
            await using var bob = new EditorClient("bob", hosts, 1, bobToken, docId, 2002);
            await alice.ConnectAsync();
            await bob.ConnectAsync();
            var random = new Random(5);
            var acknowledged = new List<string>();
            for (var i = 0; i < 5; i++)
            {
                if (await alice.EditAsync($"<a{i}>", random)) acknowledged.Add($"<a{i}>");
            }
            Assert.Equal(200, (await draining.ProbeAsync("/readyz")).Status);

            var stoppedAt = Stopwatch.GetTimestamp();
            await draining.TerminateAsync();
            var exit = draining.WaitForExitAsync(TimeSpan.FromSeconds(30));
            var exitedAt = exit.ContinueWith(_ => Stopwatch.GetTimestamp(), TaskScheduler.Default);
            var readiness = new List<(int? Status, string Body)>();
            var notReadyAt = 0L;
            var hubWhileDraining = (int?)null;
            var apiWhileDraining = "";
            while (!exit.IsCompleted)
            {
                var probe = await draining.ProbeAsync("/readyz");
                readiness.Add(probe);
                await Task.Delay(20);
                if (probe.Status != 503 || hubWhileDraining is not null) continue;
                notReadyAt = Stopwatch.GetTimestamp();
                // Draining: no new hub connection, while plain HTTP is still served.
                hubWhileDraining = (await draining.ProbeAsync("/hubs/collab")).Status;
                apiWhileDraining = await ClusterApi.SendAsync(hosts[0], aliceToken, HttpMethod.Get, $"/api/docs/{docId}", null);
            }
            var exitCode = await exit;
            var exitTime = Stopwatch.GetElapsedTime(stoppedAt, await exitedAt);
            await alice.Reconnected.Task.WaitAsync(TimeSpan.FromSeconds(10));
            var reconnectedAt = alice.ReconnectedAt;
            Assert.True(alice.Closures.TryPeek(out var closedAt), "alice's connection was never closed");
            cluster.Report($"web host SIGTERM: /readyz 503 after {Stopwatch.GetElapsedTime(stoppedAt, notReadyAt).TotalMilliseconds:F0} ms, hub request while draining answered {hubWhileDraining}, alice's connection closed after {Stopwatch.GetElapsedTime(stoppedAt, closedAt).TotalSeconds:F2} s and she was back on web host 2 after {Stopwatch.GetElapsedTime(stoppedAt, reconnectedAt).TotalSeconds:F2} s, process exited with {exitCode} after {exitTime.TotalSeconds:F2} s");

            Assert.Equal(0, exitCode);
            Assert.Contains(readiness, r => r.Status == 503 && r.Body == "stopping");
            // Once out of rotation it never comes back before it exits.
            Assert.DoesNotContain(200, readiness.SkipWhile(r => r.Status == 200).Select(r => r.Status));
            Assert.Equal(503, hubWhileDraining);
            Assert.Contains(docId, apiWhileDraining, StringComparison.Ordinal);
            // The host sent alice away itself and she was editing through the other host before it exited: not a
            // crash, and the drain delay (2 s) was spent with nobody connected.
            Assert.True(closedAt < await exitedAt, "alice's connection closed only when the process died");
            Assert.True(reconnectedAt < await exitedAt, "alice reconnected only after the host had exited");
            Assert.True(exitTime >= TimeSpan.FromSeconds(1.9), $"the host exited after {exitTime.TotalSeconds:F2} s, before its drain delay was over");
            Assert.Equal(1, alice.Reconnects);

            for (var i = 0; i < 5; i++)
            {
                if (await alice.EditAsync($"<r{i}>", random)) acknowledged.Add($"<r{i}>");
                if (await bob.EditAsync($"<b{i}>", random)) acknowledged.Add($"<b{i}>");
            }
            Assert.Equal(10, acknowledged.Count(t => t.StartsWith("<r", StringComparison.Ordinal) || t.StartsWith("<b", StringComparison.Ordinal)));
            await cluster.ConvergedAsync(docId, acknowledged, TimeSpan.FromSeconds(10), alice, bob);
        }
        catch
        {
            cluster.DumpOutput();
            throw;
        }
    }
}
