using Microsoft.AspNetCore.Routing.Template;
using Microsoft.Extensions.Options;
using Spotter.Collab.Grains.KnowledgeBase;
using Spotter.Collab.WebHost.Api;

namespace Spotter.Collab.WebHost.Hosting;

/// <summary>
/// Defences in depth on every response. Tokens live in the browser's localStorage, so script injection is the threat
/// that matters: the Content-Security-Policy allows only the app's own scripts (the built client has no inline
/// script), connections only to this origin (HTTP and the hub's WebSocket), no framing, and images only from this
/// origin, data: and blob: (attachments are shown as blob URLs); external images only when the deployment allows
/// them. Styles may be inline because the editor (ProseMirror, Tiptap) sets style attributes.
/// </summary>
public static class SecurityHeaders
{
    public static string ContentSecurityPolicy(bool allowExternalImages) =>
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
        + $"img-src 'self' data: blob:{(allowExternalImages ? " https:" : "")}; font-src 'self' data:; connect-src 'self'; "
        + "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

    public static IApplicationBuilder UseSecurityHeaders(this IApplicationBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var allowExternalImages = app.ApplicationServices.GetRequiredService<IOptions<KnowledgeBaseOptions>>().Value.AllowExternalImages;
        var policy = ContentSecurityPolicy(allowExternalImages);
        return app.Use((http, next) =>
        {
            http.Response.OnStarting(() =>
            {
                var headers = http.Response.Headers;
                // An endpoint's own, stricter policy (attachments are sandboxed) stays.
                if (!headers.ContainsKey("Content-Security-Policy")) headers.ContentSecurityPolicy = policy;
                headers.XContentTypeOptions = "nosniff";
                headers.XFrameOptions = "DENY";
                headers["Referrer-Policy"] = "no-referrer";
                if (CarriesTokens(http.Request.Path)) headers.CacheControl = "no-store";
                return Task.CompletedTask;
            });
            return next(http);
        });
    }

    /// <summary>Responses that may hold access or refresh tokens: sign-in, refresh, logout and link redemption.</summary>
    private static bool CarriesTokens(PathString path) =>
        path.StartsWithSegments("/api/auth", StringComparison.OrdinalIgnoreCase)
        || path.StartsWithSegments("/api/links/redeem", StringComparison.OrdinalIgnoreCase);

    /// <summary>Unknown <c>/api</c> routes, whatever the method, answer 404 problem+json rather than the web client's
    /// page or a 405 (which routing gives any non-GET path, since the client's fallback takes GET). A known route
    /// called with another method keeps its 405. Must come after routing (implicit at the start of the pipeline) and
    /// before the endpoints run.</summary>
    public static IApplicationBuilder UseUnknownApiRoutes(this IApplicationBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var routes = new Lazy<TemplateMatcher[]>(() => app.ApplicationServices.GetRequiredService<EndpointDataSource>().Endpoints
            .OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText?.TrimStart('/').StartsWith("api", StringComparison.OrdinalIgnoreCase) == true)
            .Select(e => new TemplateMatcher(new RouteTemplate(e.RoutePattern), new RouteValueDictionary()))
            .ToArray());
        return app.Use((http, next) =>
        {
            var path = http.Request.Path;
            if (!path.StartsWithSegments("/api", StringComparison.OrdinalIgnoreCase)) return next(http);
            var endpoint = http.GetEndpoint();
            var known = endpoint is RouteEndpoint
                || (endpoint is not null && Array.Exists(routes.Value, route => route.TryMatch(path, new RouteValueDictionary())));
            if (known) return next(http);
            return Problems.Of(StatusCodes.Status404NotFound, "not-found", "no such API endpoint").ExecuteAsync(http);
        });
    }
}
