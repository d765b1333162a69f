using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using Spotter.Collab.Server.Tests.Infrastructure;

namespace Spotter.Collab.Server.Tests.Host;

public sealed class DurabilityTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    [Fact]
    public async Task Content_members_and_tokens_survive_a_restart_on_the_same_data_directory()
    {
        string token, docId;
        await using (var server = await CollabTestServer.StartAsync(_directory.Path, new Dictionary<string, string>
        {
            // Compact early so the restart loads a snapshot plus a tail.
            ["Documents:CompactAfterUpdates"] = "5",
        }))
        {
            token = await server.CreateUserAsync("writer", "Writer");
            docId = await server.CreateDocumentAsync(token, "Durable");
            await using var client = await server.ConnectAsync(token, messagePack: true);
            var doc = new SyncedDoc();
            client.Attach(docId, doc);
            await client.JoinAsync(docId);
            for (var i = 0; i < 12; i++)
            {
                await client.SendAsync(docId, doc.Edit(d => d.GetText("t").Insert(d.GetText("t").ToString().Length, $"{i},"))!);
            }
        }

        await using (var restarted = await CollabTestServer.StartAsync(_directory.Path))
        {
            // The signing key is persisted too, so the old token still works.
            Assert.Equal("0,1,2,3,4,5,6,7,8,9,10,11,", (await restarted.ReadRootAsync(token, docId, "t")).GetString());
            using var http = restarted.Client(token);
            using var described = JsonDocument.Parse(await http.GetStringAsync($"/api/docs/{docId}"));
            Assert.Equal("owner", described.RootElement.GetProperty("role").GetString());

            // A fresh client syncing from scratch gets the same content.
            await using var client = await restarted.ConnectAsync(token, messagePack: false);
            var doc = new SyncedDoc();
            client.Attach(docId, doc);
            await client.JoinAsync(docId);
            await client.SendAsync(docId, doc.Step1());
            await Eventually.HoldsAsync(() => doc.Text() == "0,1,2,3,4,5,6,7,8,9,10,11,", "a new client synced the content");
        }
    }

    [Fact]
    public async Task Every_acknowledged_update_survives_SIGKILL_mid_burst()
    {
        var dll = WebHostBinary();
        int httpPort = TestPorts.Free(), siloPort = TestPorts.Free(), gatewayPort = TestPorts.Free();
        using var process = StartWebHost(dll, httpPort, siloPort, gatewayPort);
        var baseAddress = new Uri($"http://127.0.0.1:{httpPort}");
        using var server = new ExternalServer(baseAddress);
        await server.WaitHealthyAsync(process);

        var token = await server.LoginAsync("admin", CollabTestServer.AdminPassword);
        var docId = await server.CreateDocumentAsync(token);
        var acknowledged = new ConcurrentBag<string>();
        using var stop = new CancellationTokenSource();
        var writers = Enumerable.Range(0, 3).Select(async writer =>
        {
            var client = await TestClient.ConnectAsync(new Uri(baseAddress, "/hubs/collab"), token, messagePack: writer % 2 == 0);
            var doc = new SyncedDoc();
            client.Attach(docId, doc);
            await client.JoinAsync(docId);
            for (var n = 0; !stop.IsCancellationRequested; n++)
            {
                var mark = $"<{writer}:{n}>";
                var frame = doc.Edit(d => d.GetText("t").Insert(d.GetText("t").ToString().Length, mark))!;
                try
                {
                    await client.SendAsync(docId, frame);
                }
                catch (Exception)
                {
                    break; // the server died: this one was not acknowledged
                }
                acknowledged.Add(mark);
            }
            try { await client.DisposeAsync(); } catch (Exception) { /* connection already gone */ }
        }).ToList();

        await Eventually.HoldsAsync(() => acknowledged.Count >= 150, "the burst is under way", TimeSpan.FromSeconds(60));
        process.Kill(entireProcessTree: true); // SIGKILL: no shutdown hooks, no flush
        await process.WaitForExitAsync();
        await stop.CancelAsync();
        await Task.WhenAll(writers);
        Assert.True(acknowledged.Count >= 150);

        using var restarted = StartWebHost(dll, httpPort, TestPorts.Free(), TestPorts.Free());
        try
        {
            await server.WaitHealthyAsync(restarted);
            var text = (await server.ReadTextAsync(token, docId, "t"));
            var missing = acknowledged.Where(mark => !text.Contains(mark, StringComparison.Ordinal)).ToList();
            Assert.True(missing.Count == 0, $"{missing.Count} of {acknowledged.Count} acknowledged updates lost, e.g. {string.Join(' ', missing.Take(5))}");
        }
        finally
        {
            restarted.Kill(entireProcessTree: true);
            await restarted.WaitForExitAsync();
        }
    }

    private Process StartWebHost(string dll, int httpPort, int siloPort, int gatewayPort)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            ArgumentList =
            {
                dll,
                $"--urls=http://127.0.0.1:{httpPort}",
                $"--Storage:DataDirectory={_directory.Path}",
                $"--Orleans:SiloPort={siloPort}",
                $"--Orleans:GatewayPort={gatewayPort}",
                "--Logging:LogLevel:Default=Warning",
            },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment["SPOTTER_ADMIN_PASSWORD"] = CollabTestServer.AdminPassword;
        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    /// <summary>The WebHost build next to this test build (same configuration), run as its own process.</summary>
    private static string WebHostBinary()
    {
        var testDir = new DirectoryInfo(Path.TrimEndingDirectorySeparator(AppContext.BaseDirectory));
        var configuration = testDir.Parent!.Name; // bin/<Configuration>/net10.0
        var root = testDir;
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "Spotter.Collab.sln"))) root = root.Parent;
        Assert.NotNull(root);
        var dll = Path.Combine(root.FullName, "src", "WebHost", "bin", configuration, "net10.0", "Spotter.Collab.WebHost.dll");
        Assert.True(File.Exists(dll), $"build the WebHost first: {dll} is missing");
        return dll;
    }

    public void Dispose() => _directory.Dispose();

    private sealed class ExternalServer(Uri baseAddress) : CollabApiClient(baseAddress), IDisposable
    {
        public void Dispose() => Http.Dispose();

        public async Task WaitHealthyAsync(Process process)
        {
            var deadline = DateTime.UtcNow.AddSeconds(60);
            while (DateTime.UtcNow < deadline)
            {
                Assert.False(process.HasExited, "the WebHost process exited during start-up");
                try
                {
                    if ((await Http.GetAsync("/healthz")).IsSuccessStatusCode)
                    {
                        // The admin account appears right after start; wait for a login to work.
                        var login = await Http.PostAsJsonAsync("/api/auth/login", new { username = "admin", password = CollabTestServer.AdminPassword });
                        if (login.IsSuccessStatusCode) return;
                    }
                }
                catch (HttpRequestException)
                {
                    // not listening yet
                }
                await Task.Delay(200);
            }
            Assert.Fail("the WebHost did not become healthy");
        }

        public async Task<string> ReadTextAsync(string token, string docId, string name) =>
            (await ReadRootAsync(token, docId, name)).GetString()!;
    }
}
