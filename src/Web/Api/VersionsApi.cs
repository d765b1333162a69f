using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.HttpResults;
using Spotter.Collab.Grains;
using Spotter.Collab.Grains.Access;
using Spotter.Collab.Grains.Audit;
using Spotter.Collab.Grains.KnowledgeBase;
using Spotter.Collab.Grains.KnowledgeBase.Content;
using Spotter.Collab.Grains.KnowledgeBase.Storage;
using Spotter.Collab.WebHost.Application;
using Spotter.Collab.WebHost.Auth;

namespace Spotter.Collab.WebHost.Api;

/// <summary>An author as the caller may see them: the opaque id and display name, the username only for employees.</summary>
public sealed record VersionAuthor(string Id, string DisplayName, [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Username);
public sealed record VersionResponse(long Id, DateTimeOffset CreatedAt, IReadOnlyList<VersionAuthor> Authors, string Reason);
public sealed record VersionContentResponse(long Id, DateTimeOffset CreatedAt, IReadOnlyList<VersionAuthor> Authors, string Reason, string Html, string? Markdown);
public sealed record CompareBlock(string Op, string Html);
public sealed record CompareResponse(IReadOnlyList<CompareBlock> Blocks);

/// <summary>Version history of a page: list, view, compare, restore (as a new change). Only for callers who may see
/// history (<see cref="DocumentInfo.History"/>: editors, or whom the space widens it to; never partners and link
/// sessions unless the space says so); under no-copy, viewers and commenters never (it is a copy of old content).</summary>
public static class VersionsApi
{
    public static IEndpointRouteBuilder MapVersionsApi(this IEndpointRouteBuilder app)
    {
        var versions = app.MapGroup("/api/docs/{id}/versions").RequireAuthorization().WithTags("Versions")
            .ProducesProblems(StatusCodes.Status401Unauthorized, StatusCodes.Status403Forbidden, StatusCodes.Status404NotFound);
        versions.MapGet("/", ListAsync);
        versions.MapGet("/compare", CompareAsync).ProducesProblems(StatusCodes.Status400BadRequest);
        versions.MapGet("/{versionId:long}", GetAsync);
        versions.MapPost("/{versionId:long}/restore", RestoreAsync).ProducesProblems(StatusCodes.Status400BadRequest);
        return app;
    }

    private static ProblemHttpResult? HistoryRefusal(DocumentInfo? info) => PageHistory.HistoryRefusal(info)?.ToProblem();

    private static async Task<Results<Ok<List<VersionResponse>>, ProblemHttpResult>> ListAsync(string id, HttpContext http, IGrainFactory grains)
    {
        if (HistoryRefusal(await grains.DescribeResourceAsync(id, http.User.Username())) is { } refused) return refused;
        var versions = await grains.GetGrain<IKnowledgeBaseStoreGrain>(0).ListVersions(id);
        var people = await People.DescribeAsync(grains, http, versions.SelectMany(v => v.Authors));
        return TypedResults.Ok(versions.Select(v => new VersionResponse(v.Id, v.CreatedAt, people.Authors(v.Authors), v.Reason)).ToList());
    }

    private static async Task<Results<Ok<VersionContentResponse>, ProblemHttpResult>> GetAsync(string id, long versionId, HttpContext http, IGrainFactory grains)
    {
        var info = await grains.DescribeResourceAsync(id, http.User.Username());
        if (HistoryRefusal(info) is { } refused) return refused;
        var version = await grains.GetGrain<IKnowledgeBaseStoreGrain>(0).GetVersion(id, versionId);
        if (version is null) return PageHistory.NoSuchVersion.ToProblem();
        var content = await grains.GetGrain<IContentConversionGrain>(0).Render(version.State);
        var summary = version.Summary;
        // The HTML is what the history view shows (reading, like the page itself); the Markdown source is a copy,
        // so the no-copy/no-export flag withholds it as it refuses export.
        var people = await People.DescribeAsync(grains, http, summary.Authors);
        return TypedResults.Ok(new VersionContentResponse(summary.Id, summary.CreatedAt, people.Authors(summary.Authors), summary.Reason,
            content.Html, info!.NoExport ? null : content.Markdown));
    }

    private static async Task<Results<Ok<CompareResponse>, ProblemHttpResult>> CompareAsync(string id, string? from, string? to, HttpContext http, IGrainFactory grains)
    {
        if (HistoryRefusal(await grains.DescribeResourceAsync(id, http.User.Username())) is { } refused) return refused;
        var fromState = await StateAsync(grains, id, from);
        var toState = await StateAsync(grains, id, to ?? "current");
        if (fromState is null || toState is null) return Problems.Invalid("from/to: a version id of this document or 'current'");
        var diff = await grains.GetGrain<IContentConversionGrain>(0).Compare(fromState, toState);
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
        string id, long versionId, HttpContext http, PageHistory history, AuditRecorder audit)
    {
        if (await history.RestoreAsync(http.User.Username(), id, versionId) is { } refused) return refused.ToProblem();
        await audit.RecordAsync(http, AuditActions.VersionRestored, id, $"version {versionId}");
        return TypedResults.NoContent();
    }
}

/// <summary>People named in a response (authors, commenters) as the caller may see them, looked up in one call:
/// opaque id and display name for everyone, the username only for active employees.</summary>
internal sealed class People
{
    private readonly Dictionary<string, PersonView> _people;

    private People(Dictionary<string, PersonView> people) => _people = people;

    public static async Task<People> DescribeAsync(IGrainFactory grains, HttpContext http, IEnumerable<string> principals)
    {
        var distinct = principals.Distinct(StringComparer.Ordinal).ToList();
        var views = distinct.Count == 0 ? [] : await grains.Organization().DescribePeople(http.User.Username(), distinct);
        var people = new Dictionary<string, PersonView>(StringComparer.Ordinal);
        for (var i = 0; i < distinct.Count; i++) people[distinct[i]] = views[i];
        return new People(people);
    }

    public PersonView Of(string principal) => _people[principal];

    public IReadOnlyList<VersionAuthor> Authors(IEnumerable<string> principals) =>
        principals.Select(p => Of(p)).Select(p => new VersionAuthor(p.Id, p.DisplayName, p.Username)).ToList();
}
