using System.Diagnostics;
using Xunit.Abstractions;

namespace Spotter.Collab.Cluster.Tests;

/// <summary>
/// Rolling restarts as an orchestrator does them (SIGTERM, wait for the exit): a stopping silo hands its documents
/// to the others without a gap in the live edits.
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
            var adminToken = await ClusterApi.LoginAsync(hosts[0], "admin", ProcessCluster.AdminPassword);
            var aliceToken = await ClusterApi.CreateUserAsync(hosts[0], adminToken, "alice");
            var bobToken = await ClusterApi.CreateUserAsync(hosts[1], adminToken, "bob");
            var docId = await ClusterApi.CreateDocumentAsync(hosts[0], aliceToken);
            await ClusterApi.SendAsync(hosts[0], aliceToken, HttpMethod.Put, $"/api/docs/{docId}/members/bob", new { role = "editor" });
            await using var alice = new EditorClient("alice", hosts, 0, aliceToken, docId, 1001);
            await using var bob = new EditorClient("bob", hosts, 1, bobToken, docId, 2002);
            await alice.ConnectAsync();
            await bob.ConnectAsync();

            var victim = await cluster.SiloHostingAsync(docId);
            var survivor = cluster.Silos.Single(s => s != victim);
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
            Assert.Same(survivor, await cluster.SiloHostingAsync(docId));
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
}
