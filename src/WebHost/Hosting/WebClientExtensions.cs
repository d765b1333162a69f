using Microsoft.AspNetCore.StaticFiles;
using Microsoft.Extensions.FileProviders;
using Microsoft.Net.Http.Headers;

namespace Spotter.Collab.WebHost.Hosting;

public static class WebClientExtensions
{
    /// <summary>Every path that is not a file and not under <c>/api</c>.</summary>
    public const string WebClientFallbackPattern = "{*path:nonfile:regex(^(?!api(/|$)))}";

    /// <summary>The build's content-hashed files: a name never changes content, so browsers keep them for a year.</summary>
    private const string HashedAssets = "/assets";

    private const string ImmutableCache = "public, max-age=31536000, immutable";

    /// <summary>
    /// Serves the browser client's built files: <c>Web:DistPath</c> if set, else the copy the build placed next to
    /// the binaries (wwwroot), else web/dist under the working directory. Absent files just mean no client.
    /// Hashed assets are cached for good and sent as the build's Brotli or gzip copy (<c>.br</c>, <c>.gz</c>, see
    /// web/vite.config.ts) when the browser accepts it; index.html is revalidated on every load, so a deployment
    /// reaches browsers at their next visit.
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
        var contentTypes = new FileExtensionContentTypeProvider();
        var options = new StaticFileOptions
        {
            FileProvider = files,
            ContentTypeProvider = new PrecompressedContentTypes(contentTypes),
            OnPrepareResponse = context => SetCaching(context.Context),
        };
        app.UseDefaultFiles(new DefaultFilesOptions { FileProvider = files });
        app.Use((http, next) =>
        {
            ServePrecompressed(http, files);
            return next(http);
        });
        app.UseStaticFiles(options);
        // Not for /api/…: an unknown API route answers 404 problem+json (SecurityHeaders.UseUnknownApiRoutes).
        app.MapFallbackToFile(WebClientFallbackPattern, "index.html", options);
        return app;
    }

    /// <summary>Points a request for a hashed asset at its compressed copy, the best one the browser accepts.</summary>
    private static void ServePrecompressed(HttpContext http, PhysicalFileProvider files)
    {
        var request = http.Request;
        if (!HttpMethods.IsGet(request.Method) && !HttpMethods.IsHead(request.Method)) return;
        if (!request.Path.StartsWithSegments(HashedAssets, StringComparison.Ordinal)) return;
        var path = request.Path.Value!;
        if (path.EndsWith(".br", StringComparison.Ordinal) || path.EndsWith(".gz", StringComparison.Ordinal)) return;
        http.Response.Headers.Append(HeaderNames.Vary, HeaderNames.AcceptEncoding);
        var accepted = request.GetTypedHeaders().AcceptEncoding;
        foreach (var (encoding, extension) in new[] { ("br", ".br"), ("gzip", ".gz") })
        {
            // "br;q=0" refuses it.
            if (!accepted.Any(a => a.Value.Equals(encoding, StringComparison.OrdinalIgnoreCase) && (a.Quality ?? 1) > 0)) continue;
            if (!files.GetFileInfo(path + extension).Exists) continue;
            request.Path = path + extension;
            http.Response.Headers.ContentEncoding = encoding;
            return;
        }
    }

    private static void SetCaching(HttpContext http)
    {
        var headers = http.Response.Headers;
        headers.CacheControl = http.Request.Path.StartsWithSegments(HashedAssets, StringComparison.Ordinal) ? ImmutableCache : "no-cache";
    }

    /// <summary>A compressed copy has the type of the file it is a copy of (<c>app.js.br</c> is JavaScript).</summary>
    private sealed class PrecompressedContentTypes(IContentTypeProvider inner) : IContentTypeProvider
    {
        public bool TryGetContentType(string subpath, out string contentType)
        {
            if (subpath.EndsWith(".br", StringComparison.Ordinal) || subpath.EndsWith(".gz", StringComparison.Ordinal))
                subpath = subpath[..^3];
            return inner.TryGetContentType(subpath, out contentType!);
        }
    }
}
