using Microsoft.AspNetCore.Http.HttpResults;
using Spotter.Collab.Grains;
using Spotter.Collab.Grains.Audit;
using Spotter.Collab.Grains.KnowledgeBase;
using Spotter.Collab.Grains.KnowledgeBase.Content;
using Spotter.Collab.Grains.KnowledgeBase.Storage;
using Spotter.Collab.WebHost.Auth;

namespace Spotter.Collab.WebHost.Api;

public sealed record VersionAuthor(string Username, string DisplayName);
public sealed record VersionResponse(long Id, DateTimeOffset CreatedAt, IReadOnlyList<VersionAuthor> Authors, string Reason);
public sealed record VersionContentResponse(long Id, DateTimeOffset CreatedAt, IReadOnlyList<VersionAuthor> Authors, string Reason, string Html, string? Markdown);
public sealed record CompareBlock(string Op, string Html);
public sealed record CompareResponse(IReadOnlyList<CompareBlock> Blocks);

/// <summary>Version history of a page: list, view, compare, restore (as a new change).</summary>
public static class VersionsApi
{
    public static IEndpointRouteBuilder MapVersionsApi(this IEndpointRouteBuilder app)
    {
        var versions = app.MapGroup("/api/docs/{id}/versions").RequireAuthorization().WithTags("Versions");
        versions.MapGet("/", ListAsync);
        versions.MapGet("/compare", CompareAsync);
        versions.MapGet("/{versionId:long}", GetAsync);
        versions.MapPost("/{versionId:long}/restore", RestoreAsync);
        return app;
    }

    private static async Task<Results<Ok<List<VersionResponse>>, ProblemHttpResult>> ListAsync(string id, HttpContext http, IGrainFactory grains)
    {
        if (await grains.GetGrain<IDocumentGrain>(id).Describe(http.User.Username()) is null) return Problems.NotFound();
        var versions = await grains.GetGrain<IKnowledgeBaseStoreGrain>(0).ListVersions(id);
        var names = new DisplayNames(grains);
        var response = new List<VersionResponse>(versions.Count);
        foreach (var v in versions) response.Add(new VersionResponse(v.Id, v.CreatedAt, await names.AuthorsAsync(v.Authors), v.Reason));
        return TypedResults.Ok(response);
    }

    private static async Task<Results<Ok<VersionContentResponse>, ProblemHttpResult>> GetAsync(string id, long versionId, HttpContext http, IGrainFactory grains)
    {
        if (await grains.GetGrain<IDocumentGrain>(id).Describe(http.User.Username()) is not { } info) return Problems.NotFound();
        var version = await grains.GetGrain<IKnowledgeBaseStoreGrain>(0).GetVersion(id, versionId);
        if (version is null) return Problems.Of(StatusCodes.Status404NotFound, "not-found", "no such version");
        var blocks = RichContent.Read(version.State);
        var summary = version.Summary;
        // The HTML is what the history view shows (reading, like the page itself); the Markdown source is a copy,
        // so the no-copy/no-export flag withholds it as it refuses export.
        return TypedResults.Ok(new VersionContentResponse(summary.Id, summary.CreatedAt, await new DisplayNames(grains).AuthorsAsync(summary.Authors), summary.Reason,
            RichHtml.Render(blocks), info.NoExport ? null : RichMarkdown.Render(blocks)));
    }

    private static async Task<Results<Ok<CompareResponse>, ProblemHttpResult>> CompareAsync(string id, string? from, string? to, HttpContext http, IGrainFactory grains)
    {
        if (await grains.GetGrain<IDocumentGrain>(id).Describe(http.User.Username()) is null) return Problems.NotFound();
        var fromState = await StateAsync(grains, id, from);
        var toState = await StateAsync(grains, id, to ?? "current");
        if (fromState is null || toState is null) return Problems.Invalid("from/to: a version id of this document or 'current'");
        var diff = BlockDiff.Compare(RichHtml.RenderBlocks(RichContent.Read(fromState)), RichHtml.RenderBlocks(RichContent.Read(toState)));
        return TypedResults.Ok(new CompareResponse(diff.Select(d => new CompareBlock(d.Change switch
        {
            BlockChange.Same => "same",
            BlockChange.Added => "added",
            _ => "removed",
        }, d.Html)).ToList()));
    }

    private static async Task<byte[]?> StateAsync(IGrainFactory grains, string id, string? which)
    {
        if (which == "current") return await grains.GetGrain<IDocumentGrain>(id).EncodeState();
        if (!long.TryParse(which, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var versionId)) return null;
        return (await grains.GetGrain<IKnowledgeBaseStoreGrain>(0).GetVersion(id, versionId))?.State;
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> RestoreAsync(
        string id, long versionId, HttpContext http, IGrainFactory grains, IAuditLog audit)
    {
        var username = http.User.Username();
        var info = await grains.GetGrain<IDocumentGrain>(id).Describe(username);
        if (info is null) return Problems.NotFound();
        if (!info.Role.CanEdit()) return Problems.Of(StatusCodes.Status403Forbidden, RejectCodes.ReadOnly, "restoring needs edit access");
        var version = await grains.GetGrain<IKnowledgeBaseStoreGrain>(0).GetVersion(id, versionId);
        if (version is null) return Problems.Of(StatusCodes.Status404NotFound, "not-found", "no such version");
        var result = await grains.GetGrain<IDocumentKnowledgeBase>(id).ApplyContent(username, version.State, append: false, reason: "restore");
        if (result.IsRejected) return KnowledgeBaseAccess.Rejection(result);
        await audit.RecordAsync(http, AuditActions.VersionRestored, id, $"version {versionId}");
        return TypedResults.NoContent();
    }
}

/// <summary>Shared pieces of the knowledge-base endpoints.</summary>
internal static class KnowledgeBaseAccess
{
    public static ProblemHttpResult Rejection(FrameResult result) => result.RejectCode switch
    {
        RejectCodes.Forbidden => Problems.NotFound(),
        RejectCodes.ReadOnly => Problems.Of(StatusCodes.Status403Forbidden, RejectCodes.ReadOnly, result.RejectDetail ?? "read-only"),
        _ => Problems.Of(StatusCodes.Status400BadRequest, result.RejectCode!, result.RejectDetail ?? result.RejectCode!),
    };
}

/// <summary>Display names for usernames, looked up once per request.</summary>
internal sealed class DisplayNames(IGrainFactory grains)
{
    private readonly Dictionary<string, string> _names = new(StringComparer.Ordinal);

    public async Task<string> OfAsync(string username)
    {
        if (_names.TryGetValue(username, out var known)) return known;
        var name = username.Contains(':', StringComparison.Ordinal) ? username : (await grains.GetGrain<IUserGrain>(username).GetProfile())?.DisplayName ?? username;
        _names[username] = name;
        return name;
    }

    public async Task<IReadOnlyList<VersionAuthor>> AuthorsAsync(IReadOnlyList<string> usernames)
    {
        var authors = new List<VersionAuthor>(usernames.Count);
        foreach (var username in usernames) authors.Add(new VersionAuthor(username, await OfAsync(username)));
        return authors;
    }
}
