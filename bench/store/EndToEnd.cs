using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using Spotter.Collab.Bench;
using Spotter.Collab.Crdt.Protocols;
using Spotter.Collab.Grains.Protocol;

namespace Spotter.Collab.StoreBench;

/// <summary>
/// Level (b): the real server processes (Release builds) and SignalR clients connected the way the browser client
/// connects (WebSockets, no negotiate, MessagePack). Every client types automerge-paper keystrokes from its own
/// Y.Doc, one <c>Send</c> per keystroke, and sends the next one only when the server acknowledged the previous one
/// (the hub's <c>Send</c> completes after the update is durable).
/// </summary>
internal sealed class EndToEnd(BenchSettings settings, SequentialTrace trace, string repositoryRoot, Action<Figure> report)
{
    private const string AdminPassword = "store-bench-admin-password";

    public async Task SqliteAsync()
    {
        var dataDirectory = Directory.CreateTempSubdirectory("spotter-bench-web-").FullName;
        try
        {
            await using var web = ServerProcess.Start("web", ServerProcess.ReleaseDll(repositoryRoot, "WebHost", "Spotter.Collab.WebHost"), new Dictionary<string, string>
            {
                ["Storage:DataDirectory"] = dataDirectory,
                ["Orleans:SiloPort"] = ThrowawayPostgres.FreePort().ToString(CultureInfo.InvariantCulture),
                ["Orleans:GatewayPort"] = ThrowawayPostgres.FreePort().ToString(CultureInfo.InvariantCulture),
                ["SPOTTER_ADMIN_PASSWORD"] = AdminPassword,
                ["Logging:LogLevel:Default"] = "Warning",
            });
            await web.WaitReadyAsync(TimeSpan.FromSeconds(90));
            await RunScenariosAsync("sqlite", "one process: web host with embedded silo, SQLite", web, [web]);
        }
        finally
        {
            Directory.Delete(dataDirectory, recursive: true);
        }
    }

    public async Task PostgresAsync(ThrowawayPostgres server)
    {
        var connectionString = await server.CreateDatabaseAsync("cluster");
        var clusterId = "bench-" + Guid.NewGuid().ToString("N")[..8];
        await using var silo = ServerProcess.Start("silo", ServerProcess.ReleaseDll(repositoryRoot, "Silo", "Spotter.Collab.Silo"), new Dictionary<string, string>
        {
            ["ConnectionStrings:Postgres"] = connectionString,
            ["Storage:Kind"] = "postgres",
            ["Orleans:ClusterId"] = clusterId,
            ["Orleans:SiloPort"] = ThrowawayPostgres.FreePort().ToString(CultureInfo.InvariantCulture),
            ["Orleans:GatewayPort"] = ThrowawayPostgres.FreePort().ToString(CultureInfo.InvariantCulture),
            ["Orleans:AdvertisedIP"] = "127.0.0.1",
            ["Logging:LogLevel:Default"] = "Warning",
        });
        await silo.WaitReadyAsync(TimeSpan.FromSeconds(90));
        await using var web = ServerProcess.Start("web", ServerProcess.ReleaseDll(repositoryRoot, "WebHost", "Spotter.Collab.WebHost"), new Dictionary<string, string>
        {
            ["Cluster:Mode"] = "client",
            ["ConnectionStrings:Postgres"] = connectionString,
            ["Orleans:ClusterId"] = clusterId,
            ["SPOTTER_ADMIN_PASSWORD"] = AdminPassword,
            ["Auth:SigningKeys:0"] = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(64)),
            ["Logging:LogLevel:Default"] = "Warning",
        });
        await web.WaitReadyAsync(TimeSpan.FromSeconds(90));
        await RunScenariosAsync("postgres", "two processes: one silo (PostgreSQL store) + one web host (Orleans client)", web, [silo, web]);
    }

    private async Task RunScenariosAsync(string store, string topology, ServerProcess web, IReadOnlyList<ServerProcess> servers)
    {
        using var http = new HttpClient { BaseAddress = web.BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
        var login = await http.PostAsJsonAsync("/api/auth/login", new { username = "admin", password = AdminPassword });
        login.EnsureSuccessStatusCode();
        using (var json = JsonDocument.Parse(await login.Content.ReadAsStringAsync()))
        {
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", json.RootElement.GetProperty("token").GetString());
        }
        var token = http.DefaultRequestHeaders.Authorization!.Parameter!;

        var hot = await CreateDocumentAsync(http, "hot");
        await MeasureAsync(store, topology, StoreThroughput.HotDoc, web, servers, token, Enumerable.Repeat(hot, settings.HotDocClients).ToArray());

        var documents = new string[settings.Documents];
        await Parallel.ForAsync(0, documents.Length, new ParallelOptions { MaxDegreeOfParallelism = 16 },
            async (i, _) => documents[i] = await CreateDocumentAsync(http, "doc " + i.ToString(CultureInfo.InvariantCulture)));
        await MeasureAsync(store, topology, StoreThroughput.ThousandDocs, web, servers, token, documents);
    }

    private async Task MeasureAsync(string store, string topology, string scenario, ServerProcess web, IReadOnlyList<ServerProcess> servers, string token, string[] documentPerClient)
    {
        var clients = new BenchClient[documentPerClient.Length];
        try
        {
            var offset = scenario == StoreThroughput.HotDoc ? 1000UL : 100_000UL;
            await Parallel.ForAsync(0, clients.Length, new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (i, _) =>
            {
                var client = new BenchClient(web.BaseAddress, token, documentPerClient[i], new Typist(trace, offset + (ulong)i));
                await client.ConnectAsync();
                clients[i] = client;
            });
            var cpu = new List<double>();
            var rounds = await Harness.RoundsAsync(settings.Warmup, settings.Rounds, async _ =>
            {
                var before = servers.Sum(s => s.CpuSeconds);
                var started = System.Diagnostics.Stopwatch.StartNew();
                var round = await Harness.ClosedLoopAsync(clients.Length, settings.RoundDuration, (worker, _) => clients[worker].TypeAsync());
                cpu.Add((servers.Sum(s => s.CpuSeconds) - before) / started.Elapsed.TotalSeconds * 100);
                return round;
            });
            var rejected = clients.Sum(c => c.Rejections);
            if (rejected > 0) throw new InvalidOperationException($"{rejected} updates were rejected by the server: the figure would count unacknowledged updates");
            report(new Figure("end-to-end", store, scenario, "updates/s", Harness.Median(rounds.Select(r => r.PerSecond)), [.. rounds.Select(r => r.PerSecond)], new JsonObject
            {
                ["clients"] = clients.Length,
                ["documents"] = documentPerClient.Distinct().Count(),
                ["ackP50Ms"] = Math.Round(Harness.Median(rounds.Select(r => r.P50Ms)), 2),
                ["ackP99Ms"] = Math.Round(Harness.Median(rounds.Select(r => r.P99Ms)), 2),
                ["serverCpuPercent"] = Math.Round(Harness.Median(cpu.Skip(settings.Warmup)), 0),
                ["method"] = $"{topology}; {clients.Length} SignalR connections (WebSockets, MessagePack), one Send per automerge-paper keystroke, next Send after the ack",
            }));
        }
        finally
        {
            foreach (var client in clients) if (client is not null) await client.DisposeAsync();
        }
    }

    private static async Task<string> CreateDocumentAsync(HttpClient http, string title)
    {
        var response = await http.PostAsJsonAsync("/api/docs", new { title });
        response.EnsureSuccessStatusCode();
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return json.RootElement.GetProperty("id").GetString()!;
    }

    /// <summary>One browser-like connection with one document open.</summary>
    private sealed class BenchClient(Uri server, string token, string documentId, Typist typist) : IAsyncDisposable
    {
        private HubConnection? _connection;
        private int _rejections;

        public int Rejections => Volatile.Read(ref _rejections);

        public async Task ConnectAsync()
        {
            var connection = new HubConnectionBuilder()
                .WithUrl(new Uri(server, "/hubs/collab"), HttpTransportType.WebSockets, options =>
                {
                    options.SkipNegotiation = true;
                    options.AccessTokenProvider = () => Task.FromResult<string?>(token);
                })
                .AddMessagePackProtocol()
                .Build();
            // Broadcasts of the other typists arrive and are dropped: a light client keeps no replica.
            connection.On<string, byte[]>("Receive", (_, _) => { });
            connection.On<string, string, string>("Rejected", (_, _, _) => Interlocked.Increment(ref _rejections));
            await connection.StartAsync();
            await connection.InvokeAsync<Dictionary<string, string>>("JoinDocument", documentId);
            _connection = connection;
        }

        public Task TypeAsync() => _connection!.InvokeAsync("Send", documentId, Frames.Sync(SyncMessageType.Update, typist.Next()));

        public async ValueTask DisposeAsync()
        {
            if (_connection is not null) await _connection.DisposeAsync();
        }
    }
}
