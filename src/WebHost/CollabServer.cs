using Spotter.Collab.WebHost.Api;
using Spotter.Collab.WebHost.Auth;
using Spotter.Collab.WebHost.Hosting;
using Spotter.Collab.WebHost.Hubs;

namespace Spotter.Collab.WebHost;

/// <summary>Builds the whole server: embedded silo + SQLite store, auth, HTTP API, collaboration hub, web client.</summary>
public static class CollabServer
{
    public static WebApplication Build(string[] args)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = args,
            ApplicationName = typeof(CollabServer).Assembly.GetName().Name,
        });
        builder.AddEmbeddedSilo();
        builder.AddCollabAuthentication();
        builder.AddCollabApi();
        builder.AddCollabHub();

        var app = builder.Build();
        app.UseStatusCodePages();
        app.UseExceptionHandler();
        app.UseAuthentication();
        app.UseAuthorization();
        app.MapGet("/healthz", () => "ok").ExcludeFromDescription();
        app.MapOpenApi();
        app.MapAuthApi();
        app.MapUsersApi();
        app.MapDocumentsApi();
        app.MapCollabHub();
        app.MapWebClient();
        return app;
    }
}
