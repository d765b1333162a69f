using Microsoft.Extensions.FileProviders;

namespace Spotter.Collab.WebHost.Hosting;

public static class WebClientExtensions
{
    /// <summary>Every path that is not a file and not under <c>/api</c>.</summary>
    public const string WebClientFallbackPattern = "{*path:nonfile:regex(^(?!api(/|$)))}";

    /// <summary>
    /// Serves the browser client's built files: <c>Web:DistPath</c> if set, else the copy the build placed next to
    /// the binaries (wwwroot), else web/dist under the working directory. Absent files just mean no client.
    /// </summary>
    public static WebApplication MapWebClient(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var candidates = new[]
        {
            app.Configuration["Web:DistPath"],
            Path.Combine(AppContext.BaseDirectory, "wwwroot"),
            Path.Combine(Directory.GetCurrentDirectory(), "web", "dist"),
        };
        var root = candidates.FirstOrDefault(p => !string.IsNullOrEmpty(p) && File.Exists(Path.Combine(p, "index.html")));
        if (root is null) return app;
        var files = new PhysicalFileProvider(Path.GetFullPath(root));
        app.UseDefaultFiles(new DefaultFilesOptions { FileProvider = files });
        app.UseStaticFiles(new StaticFileOptions { FileProvider = files });
        // Not for /api/…: an unknown API route answers 404 problem+json (SecurityHeaders.UseUnknownApiRoutes).
        app.MapFallbackToFile(WebClientFallbackPattern, "index.html", new StaticFileOptions { FileProvider = files });
        return app;
    }
}
