using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using Orleans.Configuration;
using Xunit.Abstractions;

namespace Spotter.Collab.Cluster.Tests;

/// <summary>
/// Silos (Spotter.Collab.Silo) and web hosts (Spotter.Collab.WebHost as Orleans clients) as separate processes on
/// one fresh database of the throwaway PostgreSQL, plus the lookups the process-level tests share.
/// </summary>
internal sealed class ProcessCluster(PostgresFixture postgres, ITestOutputHelper output) : IAsyncDisposable
{
    public const string AdminPassword = "cluster-admin-password";
    private const string ServiceId = "spotter-proc-tests";
    private readonly string _clusterId = "proc-" + Guid.NewGuid().ToString("N")[..8];
    private readonly Dictionary<ServerProcess, int> _siloPorts = [];
    // Every web host of the cluster signs and validates tokens with the same operator-supplied key.
    private readonly string _signingKey = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(64));

    public List<ServerProcess> Silos { get; } = [];
    public List<ServerProcess?> WebHosts { get; } = [];
    public string ConnectionString { get; private set; } = "";

    /// <summary>Settings added to (or overriding) every silo's.</summary>
    public Dictionary<string, string> SiloSettings { get; } = new()
    {
        // Fast failure detection for the tests: a silo that misses 2 one-second probes is voted dead by one peer.
        ["Orleans:Membership:ProbeTimeout"] = "00:00:01",
        ["Orleans:Membership:NumMissedProbesLimit"] = "2",
        ["Orleans:Membership:NumVotesForDeathDeclaration"] = "1",
        ["Orleans:Membership:TableRefreshTimeout"] = "00:00:02",
        ["Orleans:Messaging:ResponseTimeout"] = "00:00:05",
        ["Logging:LogLevel:Default"] = "Warning",
    };

    /// <summary>Settings added to (or overriding) every web host's.</summary>
    public Dictionary<string, string> WebHostSettings { get; } = new()
    {
        ["Orleans:Gateway:GatewayListRefreshPeriod"] = "00:00:02",
        ["Orleans:Messaging:ResponseTimeout"] = "00:00:05",
        ["Logging:LogLevel:Default"] = "Warning",
    };

    public Uri[] HostAddresses => WebHosts.Select(h => h!.BaseAddress).ToArray();

    public async Task StartAsync(int silos, int webHosts)
    {
        ConnectionString = await postgres.CreateDatabaseAsync("proc");
        // The silos migrate the empty database at once; the advisory lock serialises them.
        for (var i = 1; i <= silos; i++) Silos.Add(StartSilo(i));
        await Task.WhenAll(Silos.Select(s => s.WaitReadyAsync(TimeSpan.FromSeconds(90))));
        for (var i = 1; i <= webHosts; i++) WebHosts.Add(StartWebHost(i, ServerProcess.FreePort()));
        await Task.WhenAll(WebHosts.Select(h => h!.WaitReadyAsync(TimeSpan.FromSeconds(90))));
    }

    public ServerProcess StartSilo(int index)
    {
        var siloPort = ServerProcess.FreePort();
        var settings = new Dictionary<string, string>
        {
            ["ConnectionStrings:Postgres"] = ConnectionString,
            ["Storage:Kind"] = "postgres",
            ["Orleans:ClusterId"] = _clusterId,
            ["Orleans:ServiceId"] = ServiceId,
            ["Orleans:SiloPort"] = siloPort.ToString(CultureInfo.InvariantCulture),
            ["Orleans:GatewayPort"] = ServerProcess.FreePort().ToString(CultureInfo.InvariantCulture),
            ["Orleans:AdvertisedIP"] = "127.0.0.1",
        };
        foreach (var (key, value) in SiloSettings) settings[key] = value;
        var silo = ServerProcess.Start($"silo{index}", ServerProcess.ReleaseDll("Silo", "Spotter.Collab.Silo"), ServerProcess.FreePort(), settings);
        _siloPorts[silo] = siloPort;
        return silo;
    }

    public ServerProcess StartWebHost(int index, int httpPort)
    {
        var settings = new Dictionary<string, string>
        {
            ["Cluster:Mode"] = "client",
            ["ConnectionStrings:Postgres"] = ConnectionString,
            ["Orleans:ClusterId"] = _clusterId,
            ["Orleans:ServiceId"] = ServiceId,
            ["SPOTTER_ADMIN_PASSWORD"] = AdminPassword,
            ["Auth:SigningKeys:0"] = _signingKey,
        };
        foreach (var (key, value) in WebHostSettings) settings[key] = value;
        return ServerProcess.Start($"web{index}", ServerProcess.ReleaseDll("WebHost", "Spotter.Collab.WebHost"), httpPort, settings);
    }

    public void Report(string line)
    {
        output.WriteLine(line);
        Console.WriteLine("[cluster] " + line);
    }

    /// <summary>Writes what every process printed last (for a failing test).</summary>
    public void DumpOutput()
    {
        foreach (var process in Silos.Concat(WebHosts.OfType<ServerProcess>())) output.WriteLine(process.RecentOutput);
    }

    /// <summary>The silo process whose address the document grain's activation has (via the management grain).</summary>
    public async Task<ServerProcess> SiloHostingAsync(string docId)
    {
        // Statistics are collected from every silo; right after a failover a silo may not report yet.
        for (var attempt = 0; attempt < 20; attempt++)
        {
            if (await FindActivationAsync(docId) is { } silo) return silo;
            await Task.Delay(500);
        }
        throw new InvalidOperationException($"document {docId} has no activation in the cluster");
    }

    private async Task<ServerProcess?> FindActivationAsync(string docId)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.UseOrleansClient(client =>
        {
            client.Configure<ClusterOptions>(o => { o.ClusterId = _clusterId; o.ServiceId = ServiceId; });
            client.UseAdoNetClustering(o => { o.Invariant = "Npgsql"; o.ConnectionString = ConnectionString; });
        });
        using var host = builder.Build();
        await host.StartAsync();
        try
        {
            var management = host.Services.GetRequiredService<IClusterClient>().GetGrain<IManagementGrain>(0);
            var statistics = await management.GetDetailedGrainStatistics();
            var activation = statistics.SingleOrDefault(s => s.GrainId.Type.ToString()!.Contains("document", StringComparison.OrdinalIgnoreCase) && s.GrainId.Key.ToString() == docId);
            return activation is null ? null : _siloPorts.Single(p => p.Value == activation.SiloAddress.Endpoint.Port).Key;
        }
        finally
        {
            await host.StopAsync();
        }
    }

    /// <summary>
    /// Every client shows the same text, which equals the document as stored in PostgreSQL (snapshot + log), and
    /// every acknowledged edit is in it.
    /// </summary>
    public async Task ConvergedAsync(string docId, List<string> acknowledged, TimeSpan timeout, params EditorClient[] clients)
    {
        var deadline = Stopwatch.StartNew();
        string stored;
        while (true)
        {
            stored = await ClusterApi.StoredTextAsync(ConnectionString, docId);
            if (clients.All(c => c.Text == stored)) break;
            if (deadline.Elapsed > timeout)
            {
                Assert.Fail($"no convergence after {timeout}: stored {stored.Length} chars, clients {string.Join(", ", clients.Select(c => $"{c.Name} {c.Text.Length}"))}");
            }
            // No client-side resync here: catching up after a failover is the server's job (re-subscribe, full state,
            // sync step 1 to the clients).
            await Task.Delay(300);
        }
        string[] missing;
        lock (acknowledged) missing = acknowledged.Where(token => !stored.Contains(token, StringComparison.Ordinal)).ToArray();
        Assert.True(missing.Length == 0, $"acknowledged edits lost: {string.Join(' ', missing)}");
    }

    /// <summary>The silo's latest row in the membership table (6 = Dead).</summary>
    public async Task<int?> MembershipStatusAsync(ServerProcess silo)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var select = new NpgsqlCommand("SELECT status FROM orleans_membership WHERE deployment_id = $1 AND port = $2 ORDER BY generation DESC LIMIT 1", connection);
        select.Parameters.AddWithValue(_clusterId);
        select.Parameters.AddWithValue(_siloPorts[silo]);
        return (int?)await select.ExecuteScalarAsync();
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var process in Silos.Concat(WebHosts.OfType<ServerProcess>())) await process.DisposeAsync();
    }
}
