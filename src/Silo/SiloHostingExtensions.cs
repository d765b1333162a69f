using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Orleans.Configuration;
using Spotter.Collab.Grains.Documents;
using Spotter.Collab.Grains.Storage;
using Spotter.Collab.Grains.Users;
using Spotter.Collab.ServiceDefaults;
using Spotter.Collab.Storage.Postgres;

namespace Spotter.Collab.Silo;

public static partial class SiloHostingExtensions
{
    public const string Invariant = "Npgsql";

    /// <summary>
    /// An Orleans silo of the production cluster: ADO.NET clustering and default grain storage on PostgreSQL plus the
    /// PostgreSQL document store (or, with <c>Storage:Kind=sqlite</c>, a single silo on the local SQLite file).
    /// </summary>
    public static WebApplicationBuilder AddClusterSilo(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var configuration = builder.Configuration;
        var settings = configuration.GetSection(SiloSettings.SectionName).Get<SiloSettings>() ?? new SiloSettings();
        var kind = configuration.GetValue("Storage:Kind", StorageKind.Postgres);
        var connectionString = configuration.GetConnectionString("Postgres");
        if (kind == StorageKind.Postgres && string.IsNullOrEmpty(connectionString))
        {
            throw new InvalidOperationException("Storage:Kind is postgres but ConnectionStrings:Postgres is not set.");
        }

        // Stopped after the silo (hosted services stop in reverse order), so grains deactivating during shutdown can
        // still append, and every queued append is committed before the process exits.
        builder.AddServiceDefaults("spotter-collab-silo");
        builder.Services.AddHealthChecks().AddCheck<SiloMembershipCheck>("membership", tags: [ServiceDefaultsExtensions.ReadyTag]);
        builder.Services.AddHostedService<DocumentStoreFlushService>();
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.Configure<HostOptions>(options => options.ShutdownTimeout = configuration.GetValue("ShutdownTimeout", TimeSpan.FromSeconds(30)));
        builder.UseOrleans(silo =>
        {
            silo.Configure<ClusterOptions>(options =>
            {
                options.ClusterId = settings.ClusterId;
                options.ServiceId = settings.ServiceId;
            });
            if (ServiceDefaultsExtensions.IsTracingEnabled(configuration)) silo.AddActivityPropagation();
            silo.ConfigureEndpoints(AdvertisedAddress(settings), settings.SiloPort, settings.GatewayPort, listenOnAnyHostAddress: true);
            // Failure detection (probe period, missed probes, votes, IAmAlive period) is tunable per deployment.
            silo.Services.Configure<ClusterMembershipOptions>(configuration.GetSection("Orleans:Membership"));
            silo.Services.Configure<SiloMessagingOptions>(configuration.GetSection("Orleans:Messaging"));
            if (kind == StorageKind.Postgres)
            {
                silo.UseAdoNetClustering(options =>
                {
                    options.Invariant = Invariant;
                    options.ConnectionString = connectionString;
                });
                silo.AddAdoNetGrainStorageAsDefault(options =>
                {
                    options.Invariant = Invariant;
                    options.ConnectionString = connectionString;
                });
            }
            else
            {
                silo.UseLocalhostClustering(settings.SiloPort, settings.GatewayPort, null, settings.ServiceId, settings.ClusterId);
            }
        });
        if (kind == StorageKind.Postgres)
        {
            builder.Services.AddPostgresStorage(configuration, connectionString!);
        }
        else
        {
            builder.Services.AddSqliteStorage(configuration);
        }
        builder.Services.AddOptions<DocumentGrainOptions>().Bind(configuration.GetSection(DocumentGrainOptions.SectionName));
        builder.Services.AddUserAccounts(configuration);
        return builder;
    }

    /// <summary>Brings the PostgreSQL schema up to date before the silo joins (retrying while the database starts).</summary>
    public static async Task MigrateDatabaseAsync(this WebApplicationBuilder builder, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(builder);
        if (builder.Configuration.GetValue("Storage:Kind", StorageKind.Postgres) != StorageKind.Postgres) return;
        var connectionString = builder.Configuration.GetConnectionString("Postgres")!;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var applied = await PostgresMigrator.MigrateAsync(connectionString);
                LogMigrated(logger, applied.Count);
                return;
            }
            catch (Npgsql.NpgsqlException ex) when (attempt < 30)
            {
                LogDatabaseUnavailable(logger, ex, attempt);
                await Task.Delay(TimeSpan.FromSeconds(2));
            }
        }
    }

    /// <summary>/healthz: the process runs. /readyz: this silo is an active cluster member. /metrics: the scrape
    /// endpoint (with <c>Telemetry:ScrapeToken</c>; a silo has no user sessions).</summary>
    public static WebApplication MapSiloHealth(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapHealthEndpoints();
        app.MapMetricsEndpoint();
        return app;
    }

    private static IPAddress AdvertisedAddress(SiloSettings settings)
    {
        if (!string.IsNullOrEmpty(settings.AdvertisedIP)) return IPAddress.Parse(settings.AdvertisedIP);
        var addresses = Dns.GetHostAddresses(Dns.GetHostName());
        return addresses.FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork && !IPAddress.IsLoopback(a)) ?? IPAddress.Loopback;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "PostgreSQL schema up to date ({Applied} migrations applied)")]
    private static partial void LogMigrated(ILogger logger, int applied);

    [LoggerMessage(Level = LogLevel.Warning, Message = "PostgreSQL not reachable (attempt {Attempt}); retrying")]
    private static partial void LogDatabaseUnavailable(ILogger logger, Exception exception, int attempt);
}

/// <summary>Drains the document store's group-commit queue on shutdown, after the silo has stopped.</summary>
internal sealed class DocumentStoreFlushService(IDocumentStore store) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (store is IAsyncDisposable disposable) await disposable.DisposeAsync();
    }
}

/// <summary>Ready: this silo is <see cref="SiloStatus.Active"/> in the cluster membership (a stopping or joining
/// silo is not).</summary>
internal sealed class SiloMembershipCheck(IClusterMembershipService membership, ILocalSiloDetails local) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var status = membership.CurrentSnapshot.GetSiloStatus(local.SiloAddress);
        return Task.FromResult(status == SiloStatus.Active
            ? HealthCheckResult.Healthy($"ready {local.Name}")
            : HealthCheckResult.Unhealthy($"silo is {status}"));
    }
}
