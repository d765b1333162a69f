using Microsoft.Extensions.Diagnostics.HealthChecks;
using Orleans.Configuration;
using Spotter.Collab.Grains;
using Spotter.Collab.Grains.Documents;
using Spotter.Collab.Grains.Storage;
using Spotter.Collab.Grains.Users;
using Spotter.Collab.ServiceDefaults;

namespace Spotter.Collab.WebHost.Hosting;

public static class SiloHostingExtensions
{
    public const string Invariant = "Npgsql";

    /// <summary>
    /// Client mode (<c>Cluster:Mode=client</c> or <c>ConnectionStrings:Postgres</c> set) joins a separate silo cluster
    /// as an Orleans client; otherwise the host co-hosts an embedded silo on SQLite, exactly as in single-process mode.
    /// </summary>
    public static WebApplicationBuilder AddCollabCluster(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return IsClusterClient(builder.Configuration) ? builder.AddClusterClient() : builder.AddEmbeddedSilo();
    }

    public static bool IsClusterClient(IConfiguration configuration) => ClusterMode.IsClient(configuration);

    /// <summary>Single-process mode: a localhost-clustered silo in this host, storing everything in SQLite.</summary>
    public static WebApplicationBuilder AddEmbeddedSilo(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var silo = builder.Configuration.GetSection(SiloOptions.SectionName).Get<SiloOptions>() ?? new SiloOptions();
        builder.UseOrleans(orleans =>
        {
            orleans.UseLocalhostClustering(silo.SiloPort, silo.GatewayPort, null, silo.ServiceId, silo.ClusterId);
            if (ServiceDefaultsExtensions.IsTracingEnabled(builder.Configuration)) orleans.AddActivityPropagation();
        });
        builder.Services.AddSqliteStorage(builder.Configuration);
        builder.Services.AddSingleton<Backup.InstallationBackup>();
        builder.Services.AddUserAccounts(builder.Configuration);
        builder.Services.AddOptions<DocumentGrainOptions>().Bind(builder.Configuration.GetSection(DocumentGrainOptions.SectionName));
        return builder;
    }

    /// <summary>
    /// Cluster mode: an Orleans client that finds the silos' gateways in the PostgreSQL membership table. Grain observer
    /// callbacks reach this host through the gateways; token signing keys come from configuration or a shared key directory.
    /// </summary>
    public static WebApplicationBuilder AddClusterClient(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var configuration = builder.Configuration;
        var connectionString = configuration.GetConnectionString("Postgres");
        if (string.IsNullOrEmpty(connectionString))
        {
            throw new InvalidOperationException("Cluster:Mode is client but ConnectionStrings:Postgres is not set.");
        }
        var silo = configuration.GetSection(SiloOptions.SectionName).Get<SiloOptions>() ?? new SiloOptions();
        builder.UseOrleansClient(client =>
        {
            client.Configure<ClusterOptions>(options =>
            {
                options.ClusterId = silo.ClusterId;
                options.ServiceId = silo.ServiceId;
            });
            if (ServiceDefaultsExtensions.IsTracingEnabled(configuration)) client.AddActivityPropagation();
            client.UseAdoNetClustering(options =>
            {
                options.Invariant = Invariant;
                options.ConnectionString = connectionString;
            });
            client.Services.Configure<GatewayOptions>(configuration.GetSection("Orleans:Gateway"));
            client.Services.Configure<ClientMessagingOptions>(configuration.GetSection("Orleans:Messaging"));
            // Keep trying while no silo is up yet (hosts may start before the silos); the host starts once connected.
            client.UseConnectionRetryFilter(async (_, cancellationToken) =>
            {
                await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
                return true;
            });
        });
        builder.Services.AddPostgresAuditLog(connectionString);
        builder.Services.AddOptions<DocumentGrainOptions>().Bind(configuration.GetSection(DocumentGrainOptions.SectionName));
        return builder;
    }

    /// <summary>Adds telemetry and health checks; <c>/readyz</c> passes when an active silo answers through this
    /// host's cluster connection (embedded or client) and the host is not draining.</summary>
    public static WebApplicationBuilder AddCollabServiceDefaults(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.AddServiceDefaults("spotter-collab-web");
        builder.Services.AddHealthChecks().AddCheck<ClusterReadinessCheck>("cluster", tags: [ServiceDefaultsExtensions.ReadyTag]);
        return builder;
    }
}

/// <summary>Ready: not stopping (the balancer must send nobody new here, even though the silos still answer) and an
/// active silo answers within 2 s.</summary>
internal sealed class ClusterReadinessCheck(IGrainFactory grains, HostDrain drain) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (drain.IsDraining) return HealthCheckResult.Unhealthy("stopping");
        try
        {
            var silo = await grains.GetGrain<IHealthGrain>(0).Ping().WaitAsync(TimeSpan.FromSeconds(2), cancellationToken);
            return HealthCheckResult.Healthy($"ready via {silo}");
        }
        catch (Exception ex) when (ex is OrleansException or TimeoutException)
        {
            return HealthCheckResult.Unhealthy($"cluster unreachable: {ex.Message}");
        }
    }
}
