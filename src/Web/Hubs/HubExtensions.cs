using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.Http.Connections;
using Spotter.Collab.Grains.Documents;
using Spotter.Collab.WebHost.Api;

namespace Spotter.Collab.WebHost.Hubs;

public static class HubExtensions
{
    /// <summary>Room on top of the frame bound for the SignalR envelope, so an oversized frame still gets a
    /// <c>too-large</c> rejection rather than a dropped connection.</summary>
    private const int EnvelopeAllowance = 64 * 1024;

    /// <summary>How often the server pings an otherwise idle connection; clients should time out after 3× this.</summary>
    public static readonly TimeSpan ServerKeepAlive = TimeSpan.FromSeconds(5);

    public static WebApplicationBuilder AddCollabHub(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var limits = builder.Configuration.GetSection(CollabLimits.SectionName).Get<CollabLimits>() ?? new CollabLimits();
        builder.Services.AddSignalR(hub =>
            {
                // JSON carries bytes as base64 (4/3 larger); allow for it on top of the frame bound.
                hub.MaximumReceiveMessageSize = (long)limits.MaxFrameBytes * 4 / 3 + EnvelopeAllowance;
                // A ping every 5 s (SignalR's default is 15 s) lets the browser client notice a link that went
                // silent without closing within its 15 s server timeout, instead of showing "saving" for 30 s.
                hub.KeepAliveInterval = ServerKeepAlive;
                // Outermost: a connection whose session ended is refused before anything else looks at the call.
                hub.AddFilter<HubSessionFilter>();
                // Then rate limits and refusal logging, then the audit of refusals.
                hub.AddFilter<HubFloodGuard>();
                hub.AddFilter<HubDenialAuditFilter>();
            })
            .AddMessagePackProtocol();
        builder.Services.AddOptions<HubLimitOptions>().Bind(builder.Configuration.GetSection(HubLimitOptions.SectionName));
        builder.Services.AddSingleton<HubFloodGuard>();
        builder.Services.AddSingleton<HubDenialAuditFilter>();
        // HubFloodGuard logs refusals (information) and failures (error, with the exception) itself; the dispatcher
        // would log every refusal, a HubException, as an error with a stack trace.
        builder.Logging.AddFilter("Microsoft.AspNetCore.SignalR.Internal.DefaultHubDispatcher", LogLevel.None);
        builder.Services.AddSingleton<DocumentConnections>();
        builder.AddOrganizationWatcher();
        builder.Services.AddHostedService<ObserverRefreshService>();
        builder.Services.AddSingleton<NotificationPushes>();
        builder.Services.AddHostedService<NotificationPushRefresh>();
        builder.Services.AddSingleton<HubTokenRenewal>();
        builder.Services.AddHostedService<HubTokenExpiryService>();
        return builder;
    }

    public static WebApplication MapCollabHub(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapHub<CollabHub>(CollabHub.Path, options =>
        {
            options.Transports = HttpTransportType.WebSockets | HttpTransportType.ServerSentEvents | HttpTransportType.LongPolling;
        });
        return app;
    }
}

/// <summary>Refreshes every host observer well before the grain's observer expiry, re-subscribing after reactivation.</summary>
public sealed class ObserverRefreshService(DocumentConnections connections, Microsoft.Extensions.Options.IOptions<DocumentGrainOptions> options) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.ObserverExpiry / 3);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            await connections.RefreshAllAsync();
        }
    }
}
