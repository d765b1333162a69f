using Microsoft.AspNetCore.Http.HttpResults;
using Spotter.Collab.Grains;
using Spotter.Collab.Grains.KnowledgeBase;
using Spotter.Collab.WebHost.Auth;

namespace Spotter.Collab.WebHost.Api;

public sealed record SearchResult(string Id, string Title, string? SpaceId, string Snippet);

/// <summary>Full-text search over every page, filtered to what the caller (or, for admins, <c>as</c>) may read.</summary>
public static class SearchApi
{
    private const int MaxLimit = 50;

    public static IEndpointRouteBuilder MapSearchApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/search", SearchAsync).RequireAuthorization().WithTags("Search");
        return app;
    }

    private static async Task<Results<Ok<List<SearchResult>>, ProblemHttpResult>> SearchAsync(string? q, int? limit, string? @as, HttpContext http, IGrainFactory grains)
    {
        if (string.IsNullOrWhiteSpace(q) || q.Length > 500) return Problems.Invalid("q: 1-500 characters");
        var take = Math.Clamp(limit ?? 20, 1, MaxLimit);
        var principal = http.User.Username();
        if (!string.IsNullOrEmpty(@as))
        {
            if (!http.User.IsInRole(CollabClaims.AdminRole)) return Problems.Forbidden("only administrators may search as another user");
            principal = ApiExtensions.NormalizeUsername(@as) ?? @as;
        }
        // Fetch more candidates than asked for: some will be filtered out as unreadable.
        var candidates = await grains.GetGrain<ISearchIndexGrain>("default").Search(q, take * 4 + 20);
        var results = new List<SearchResult>(take);
        foreach (var hit in candidates)
        {
            if (results.Count == take) break;
            var info = await grains.GetGrain<IDocumentGrain>(hit.DocumentId).Describe(principal);
            if (info is null) continue;
            results.Add(new SearchResult(hit.DocumentId, info.Title, hit.SpaceId, hit.Snippet));
        }
        return TypedResults.Ok(results);
    }
}
