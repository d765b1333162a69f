using Microsoft.Extensions.Options;
using Spotter.Collab.WebHost.Hubs;

namespace Spotter.Collab.WebHost.Hosting;

/// <summary>Graceful stop of a web host.</summary>
public sealed class DrainOptions
{
    /// <summary>
    /// After the stop begins, how long the host keeps serving HTTP with <c>/readyz</c> answering 503 and new hub
    /// connections refused (503), so the load balancer takes it out of rotation before it stops listening. Set it to
    /// the balancer's health-check interval × unhealthy threshold. Default: 5 s in cluster client mode, 0 with an
    /// embedded silo (one process, nothing to drain to).
    /// </summary>
    public TimeSpan DrainDelay { get; set; }
}

/// <summary>
/// Drains the host when it stops, before the server and the cluster client stop: readiness fails and every hub
/// connection is closed at once, so clients reconnect (through the load balancer) to another host while this one
/// can still tell the grains they left; HTTP keeps being served for <see cref="DrainOptions.DrainDelay"/>. Bounded
/// by <c>ShutdownTimeout</c>.
/// </summary>
public sealed partial class HostDrain(
    IHostApplicationLifetime lifetime,
    DocumentConnections connections,
    IOptions<DrainOptions> options,
    TimeProvider time,
    ILogger<HostDrain> logger) : IHostedLifecycleService
{
    private volatile bool _draining;

    /// <summary>The host is stopping: not ready, and no new hub connections.</summary>
    public bool IsDraining => _draining || lifetime.ApplicationStopping.IsCancellationRequested;

    public async Task StoppingAsync(CancellationToken cancellationToken)
    {
        _draining = true;
        var started = time.GetTimestamp();
        try
        {
            // SignalR closes its connections itself when the stop begins; this catches any it has not, and waits for
            // their disconnect handlers, which leave the documents while the cluster client is still up.
            var closing = connections.AbortAll();
            if (closing > 0) LogClosingConnections(closing);
            while (connections.ConnectionCount > 0) await Task.Delay(TimeSpan.FromMilliseconds(50), time, cancellationToken);
            // Keep serving HTTP (readiness failing, hub refused) until the balancer has noticed, rather than refusing
            // connections it still sends here.
            var remaining = options.Value.DrainDelay - time.GetElapsedTime(started);
            if (remaining > TimeSpan.Zero) await Task.Delay(remaining, time, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            LogDrainCutShort(connections.ConnectionCount);
        }
    }

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Information, Message = "Stopping: closing {Count} hub connections so their clients reconnect to another web host")]
    private partial void LogClosingConnections(int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Shutdown timeout reached while draining; {Count} hub connections still open")]
    private partial void LogDrainCutShort(int count);
}

public static class HostDrainExtensions
{
    public static WebApplicationBuilder AddHostDrain(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var configuration = builder.Configuration;
        var clusterClient = SiloHostingExtensions.IsClusterClient(configuration);
        builder.Services.Configure<HostOptions>(options => options.ShutdownTimeout = configuration.GetValue("ShutdownTimeout", TimeSpan.FromSeconds(30)));
        builder.Services.AddOptions<DrainOptions>()
            .Configure(options => options.DrainDelay = configuration.GetValue<TimeSpan?>("DrainDelay") ?? (clusterClient ? TimeSpan.FromSeconds(5) : TimeSpan.Zero));
        builder.Services.AddSingleton<HostDrain>();
        builder.Services.AddHostedService(services => services.GetRequiredService<HostDrain>());
        return builder;
    }

    /// <summary>While draining, new hub connections get 503 so the client retries (through the balancer) elsewhere.</summary>
    public static WebApplication UseHostDrain(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var drain = app.Services.GetRequiredService<HostDrain>();
        app.Use(async (context, next) =>
        {
            if (drain.IsDraining && context.Request.Path.StartsWithSegments(CollabHub.Path))
            {
                context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
                return;
            }
            await next(context);
        });
        return app;
    }
}
