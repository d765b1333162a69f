using Microsoft.AspNetCore.Http.HttpResults;
using Spotter.Collab.Grains;
using Spotter.Collab.Grains.Access;
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
        app.MapGet("/api/search", SearchAsync).RequireAuthorization().WithTags("Search")
            .ProducesProblems(StatusCodes.Status400BadRequest, StatusCodes.Status401Unauthorized, StatusCodes.Status403Forbidden);
        return app;
    }

    private static async Task<Results<Ok<List<SearchResult>>, ProblemHttpResult>> SearchAsync(string? q, int? limit, string? @as, HttpContext http, IGrainFactory grains, DirectoryAdmins admins)
    {
        if (string.IsNullOrWhiteSpace(q) || q.Length > 500) return Problems.Invalid("q: 1-500 characters");
        var take = Math.Clamp(limit ?? 20, 1, MaxLimit);
        var principal = http.User.Username();
        if (!string.IsNullOrEmpty(@as))
        {
            if (!await admins.IsAdminAsync(http.User)) return Problems.Forbidden("only administrators may search as another user");
            principal = ApiExtensions.NormalizeUsername(@as) ?? @as;
        }
        // Fetch more candidates than asked for: some will be filtered out as unreadable.
        var candidates = await grains.GetGrain<ISearchIndexGrain>("default").Search(q, take * 4 + 20);
        var access = grains.AccessReader();
        // One call decides readability for every candidate, from the live tree and grants.
        var readable = (await access.FilterReadable(principal, candidates.Select(h => h.DocumentId).ToList())).ToHashSet(StringComparer.Ordinal);
        var results = new List<SearchResult>(take);
        foreach (var hit in candidates)
        {
            if (results.Count == take) break;
            if (!readable.Contains(hit.DocumentId)) continue;
            // Title and space as they are now (the indexed title may predate a rename).
            var resource = await access.GetResource(hit.DocumentId, principal);
            // A trashed page is only in its space's trash (for managers), never in search results — restoring it
            // brings it back, since the index keeps it.
            if (resource is null || resource.Trashed) continue;
            results.Add(new SearchResult(hit.DocumentId, resource.Title, resource.SpaceId, hit.Snippet));
        }
        return TypedResults.Ok(results);
    }
}
