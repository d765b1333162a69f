using Microsoft.Extensions.DependencyInjection.Extensions;
using Spotter.Collab.WebHost.Api;
using Spotter.Collab.WebHost.Auth;
using Spotter.Collab.WebHost.Backup;
using Spotter.Collab.WebHost.Hosting;
using Spotter.Collab.WebHost.Hubs;
using Spotter.Collab.ServiceDefaults;

namespace Spotter.Collab.WebHost;

/// <summary>Builds the whole server: embedded silo + SQLite store (or an Orleans client of a silo cluster), auth, HTTP API, collaboration hub, web client.</summary>
public static class CollabServer
{
    public const string DefaultUrl = "http://127.0.0.1:5000";

    /// <param name="configure">Adds to the services after the cluster is set up (e.g. a further resource kind for the
    /// embedded silo).</param>
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = args,
            ApplicationName = typeof(CollabServer).Assembly.GetName().Name,
            // Settings and the built client sit next to the binaries; relative data paths resolve against the
            // working directory.
            ContentRootPath = AppContext.BaseDirectory,
        });
        if (string.IsNullOrEmpty(builder.Configuration["urls"]) && string.IsNullOrEmpty(builder.Configuration["Kestrel:Endpoints:Http:Url"]))
        {
            builder.WebHost.UseUrls(DefaultUrl);
        }
        // The one clock of the process; tests replace it with a fake.
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.AddCollabServiceDefaults();
        builder.AddCollabCluster();
        configure?.Invoke(builder);
        builder.AddCollabAuthentication();
        builder.AddCollabApi();
        builder.AddCollabHub();
        builder.Services.AddHostedService<SearchIndexWarmup>();
        builder.AddHostDrain();

        var app = builder.Build();
        app.UseSecurityHeaders();
        app.UseHostDrain();
        app.UseStatusCodePages();
        app.UseExceptionHandler();
        app.UseAuthentication();
        app.UsePasswordChangeGate();
        app.UseDenialAudit();
        app.UseAuthorization();
        app.UseRateLimiter();
        app.UseUnknownApiRoutes();
        app.MapHealthEndpoints();
        app.MapMetricsEndpoint(context => context.RequestServices.GetRequiredService<DirectoryAdmins>().IsAdminAsync(context.User));
        app.MapOpenApi();
        app.MapAuthApi();
        app.MapUsersApi();
        app.MapAuditApi();
        app.MapDocumentsApi();
        app.MapAccessApis();
        app.MapVersionsApi();
        app.MapAttachmentsApi();
        app.MapCommentsApi();
        app.MapNotificationsApi();
        app.MapSearchApi();
        app.MapAssistantApi();
        app.MapTransferApi();
        app.MapProjectsApi();
        app.MapOkrApi();
        app.MapProjectAutomationApi();
        app.MapBackupApi();
        app.MapCollabHub();
        app.MapWebClient();
        return app;
    }
}
