using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Spotter.Collab.Server.Tests.Access;

/// <summary>Discovers what the authorization table must cover: every routed endpoint of the server.</summary>
public static class EndpointInventory
{
    /// <summary>"METHOD /route/{pattern}" for every route endpoint ("*" when the endpoint accepts any method).</summary>
    public static IReadOnlyList<string> Keys(IServiceProvider services)
    {
        var keys = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var endpoint in services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>())
        {
            var methods = endpoint.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods;
            var route = "/" + (endpoint.RoutePattern.RawText ?? "").Trim('/');
            foreach (var method in methods is { Count: > 0 } ? methods : ["*"]) keys.Add($"{method} {route}");
        }
        return [.. keys];
    }
}
