using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;

namespace Spotter.Collab.Cluster.Tests;

/// <summary>An in-process Orleans silo on the ADO.NET (Npgsql) clustering and grain storage providers.</summary>
internal sealed class TestSilo : IAsyncDisposable
{
    public const string StorageName = "pg";
    public const string Invariant = "Npgsql";

    private TestSilo(IHost host, int siloPort, int gatewayPort)
    {
        Host = host;
        SiloPort = siloPort;
        GatewayPort = gatewayPort;
    }

    public IHost Host { get; }
    public int SiloPort { get; }
    public int GatewayPort { get; }
    public IGrainFactory Grains => Host.Services.GetRequiredService<IGrainFactory>();
    public SiloAddress Address => Host.Services.GetRequiredService<ILocalSiloDetails>().SiloAddress;
    public IMembershipTable MembershipTable => Host.Services.GetRequiredService<IMembershipTable>();
    public RecordingFatalErrorHandler FatalErrors => (RecordingFatalErrorHandler)Host.Services.GetRequiredService<IFatalErrorHandler>();

    public static async Task<TestSilo> StartAsync(
        string connectionString, string clusterId, string serviceId = "spotter-tests",
        Action<ISiloBuilder>? configure = null, TcpProxy? siloProxy = null, CancellationToken cancellationToken = default)
    {
        var siloPort = FreePort();
        var gatewayPort = FreePort();
        siloProxy?.Retarget(new IPEndPoint(IPAddress.Loopback, siloPort));
        var host = new HostBuilder()
            .ConfigureLogging(logging => logging.SetMinimumLevel(LogLevel.Warning))
            .UseOrleans(silo =>
            {
                silo.Configure<ClusterOptions>(options =>
                {
                    options.ClusterId = clusterId;
                    options.ServiceId = serviceId;
                });
                silo.ConfigureEndpoints(IPAddress.Loopback, siloPort, gatewayPort);
                if (siloProxy is not null)
                {
                    // Other silos reach this one only through the proxy: it is the advertised silo endpoint.
                    silo.Configure<EndpointOptions>(options =>
                    {
                        options.SiloPort = siloProxy.Port;
                        options.SiloListeningEndpoint = new IPEndPoint(IPAddress.Loopback, siloPort);
                    });
                }
                silo.UseAdoNetClustering(options =>
                {
                    options.Invariant = Invariant;
                    options.ConnectionString = connectionString;
                });
                silo.AddAdoNetGrainStorage(StorageName, options =>
                {
                    options.Invariant = Invariant;
                    options.ConnectionString = connectionString;
                });
                silo.Services.AddSingleton<IFatalErrorHandler, RecordingFatalErrorHandler>();
                configure?.Invoke(silo);
            })
            .Build();
        try
        {
            await host.StartAsync(cancellationToken);
        }
        catch
        {
            host.Dispose();
            throw;
        }
        return new TestSilo(host, siloPort, gatewayPort);
    }

    /// <summary>Graceful shutdown: the silo marks itself dead in the membership table.</summary>
    public async Task StopAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await Host.StopAsync(timeout.Token);
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        Host.Dispose();
    }

    private static int FreePort() => Spotter.Collab.Server.Tests.Infrastructure.TestPorts.Free();
}
