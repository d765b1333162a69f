using System.Buffers;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Spotter.Collab.Grains;
using Spotter.Collab.Grains.Audit;
using Spotter.Collab.Grains.Access;
using Spotter.Collab.Grains.KnowledgeBase;
using Spotter.Collab.WebHost.Auth;

namespace Spotter.Collab.WebHost.Api;

public sealed record CreateDocumentRequest(string Title);
public sealed record CreateDocumentResponse(string Id);
public sealed record MemberResponse(string Username, string Role);
/// <summary><see cref="MaxAttachmentBytes"/> is the upload limit of <c>POST /api/docs/{id}/attachments</c>
/// (KnowledgeBase:MaxAttachmentBytes), so the editor can refuse a too-large image before sending it;
/// <see cref="AllowExternalImages"/> is the deployment's policy on images from other sites (KnowledgeBase:AllowExternalImages).
/// <see cref="History"/>: the caller may see version history and resolved threads; <see cref="NoCopy"/>: the caller
/// may not copy, cut, drag out or print the content (no-export on a page they cannot edit); <see cref="PublicId"/>:
/// the caller's own opaque id, as others see it in awareness, versions and comments.</summary>
public sealed record DocumentResponse(string Id, string Title, string Role, IReadOnlyList<MemberResponse> Members, AccessLevel Level, bool NoExport, ResourceKind Kind, string? SpaceId, long MaxAttachmentBytes,
    bool AllowExternalImages, bool History, bool NoCopy, string PublicId);
public sealed record SetMemberRequest(string Role);
public sealed record RootValueResponse(JsonElement Value);

public static class DocumentsApi
{
    public static IEndpointRouteBuilder MapDocumentsApi(this IEndpointRouteBuilder app)
    {
        var docs = app.MapGroup("/api/docs").RequireAuthorization().WithTags("Documents").ProducesProblems(StatusCodes.Status401Unauthorized);
        docs.MapPost("/", CreateAsync).ProducesProblems(StatusCodes.Status400BadRequest, StatusCodes.Status403Forbidden, StatusCodes.Status409Conflict);
        docs.MapGet("/{id}", DescribeAsync).ProducesProblems(StatusCodes.Status404NotFound);
        docs.MapPut("/{id}/members/{username}", SetMemberAsync).ProducesMembershipProblems();
        docs.MapDelete("/{id}/members/{username}", RemoveMemberAsync).ProducesMembershipProblems();
        docs.MapGet("/{id}/roots/{name}", ReadRootAsync)
            .ProducesProblems(StatusCodes.Status400BadRequest, StatusCodes.Status403Forbidden, StatusCodes.Status404NotFound, StatusCodes.Status409Conflict, StatusCodes.Status422UnprocessableEntity);
        docs.MapPost("/{id}/updates", ApplyUpdateAsync).Accepts<byte[]>("application/octet-stream")
            .ProducesProblems(StatusCodes.Status400BadRequest, StatusCodes.Status403Forbidden, StatusCodes.Status404NotFound, StatusCodes.Status413PayloadTooLarge);
        return app;
    }

    private static RouteHandlerBuilder ProducesMembershipProblems(this RouteHandlerBuilder builder) =>
        builder.ProducesProblems(StatusCodes.Status400BadRequest, StatusCodes.Status403Forbidden, StatusCodes.Status404NotFound, StatusCodes.Status409Conflict);

    private static async Task<Results<Created<CreateDocumentResponse>, ProblemHttpResult>> CreateAsync(
        CreateDocumentRequest request, HttpContext http, IGrainFactory grains)
    {
        // A link session acts only on its link's resource; it owns nothing.
        if (http.IsLinkSession()) return Problems.Forbidden("share-link sessions cannot create documents");
        // Standalone documents belong to the company, as spaces do: a partner would own something capped below manage
        // (and invisible to them whenever the policy shuts their organisation out), so only employees create them.
        if (await grains.Organization().GetUser(http.User.Username()) is not { Kind: UserKind.Employee })
        {
            return Problems.Forbidden("only employees create documents");
        }
        var title = request.Title?.Trim();
        if (string.IsNullOrEmpty(title) || title.Length > 200) return Problems.Invalid("title: 1-200 characters");
        var id = Guid.NewGuid().ToString("N");
        if (!await grains.GetGrain<IDocumentGrain>(id).Create(http.User.Username(), title))
        {
            return Problems.Conflict("exists", "document id collision, retry");
        }
        return TypedResults.Created($"/api/docs/{id}", new CreateDocumentResponse(id));
    }

    private static async Task<Results<Ok<DocumentResponse>, ProblemHttpResult>> DescribeAsync(
        string id, HttpContext http, IGrainFactory grains, IOptions<KnowledgeBaseOptions> knowledgeBase)
    {
        var info = await grains.DescribeResourceAsync(id, http.User.Username());
        if (info is null) return Problems.NotFound();
        var members = info.Members.OrderBy(m => m.Key, StringComparer.Ordinal).Select(m => new MemberResponse(m.Key, m.Value.ToWire())).ToList();
        return TypedResults.Ok(new DocumentResponse(info.Id, info.Title, info.Role.ToWire(), members, info.Level, info.NoExport, info.Kind, info.SpaceId,
            knowledgeBase.Value.MaxAttachmentBytes, knowledgeBase.Value.AllowExternalImages, info.History, info.NoExport && !info.Role.CanEdit(), info.PublicId));
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> SetMemberAsync(
        string id, string username, SetMemberRequest request, HttpContext http, IGrainFactory grains, AuditRecorder audit)
    {
        if (!DocumentRoles.TryParse(request.Role, out var role)) return Problems.Invalid("role: owner, editor, commenter or viewer");
        // The caller's right first: only an owner may learn whether a username exists.
        if (await OwnerRefusalAsync(id, http, grains) is { } refused) return refused;
        var member = ApiExtensions.NormalizeUsername(username);
        if (member is null || await grains.GetGrain<IUserGrain>(member).GetProfile() is null)
        {
            return Problems.Of(StatusCodes.Status400BadRequest, "unknown-user", $"no user '{username}'");
        }
        var result = await grains.GetGrain<IDocumentGrain>(id).SetMember(http.User.Username(), member, role);
        if (result == MembershipResult.Ok)
        {
            await audit.RecordGrantChangeAsync(http, id, Principals.User(member), role.ToLevel());
            await NotificationsApi.NotifyShareAsync(grains, http.User.Username(), id, member, role.ToLevel());
        }
        return MembershipOutcome(result);
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> RemoveMemberAsync(string id, string username, HttpContext http, IGrainFactory grains, AuditRecorder audit)
    {
        if (await OwnerRefusalAsync(id, http, grains) is { } refused) return refused;
        var member = ApiExtensions.NormalizeUsername(username) ?? username;
        var result = await grains.GetGrain<IDocumentGrain>(id).RemoveMember(http.User.Username(), member);
        if (result == MembershipResult.Ok) await audit.RecordGrantChangeAsync(http, id, Principals.User(member), null);
        return MembershipOutcome(result);
    }

    /// <summary>Null for an owner of the document; otherwise the answer every username gets alike (404 when the
    /// document is missing or invisible, 403 when the caller sees it but does not own it).</summary>
    private static async Task<ProblemHttpResult?> OwnerRefusalAsync(string id, HttpContext http, IGrainFactory grains)
    {
        var info = await grains.DescribeResourceAsync(id, http.User.Username());
        if (info is null) return Problems.NotFound();
        return info.Level >= AccessLevel.Manage ? null : Problems.Forbidden("only an owner may change members");
    }

    private static Results<NoContent, ProblemHttpResult> MembershipOutcome(MembershipResult result) => result switch
    {
        MembershipResult.Ok => TypedResults.NoContent(),
        MembershipResult.NotFound => Problems.NotFound(),
        MembershipResult.Forbidden => Problems.Forbidden("only an owner may change members"),
        MembershipResult.Invalid => Problems.Invalid("this user may not hold that role (partners never own; the sharing policy may refuse partners)"),
        _ => Problems.Conflict("last-owner", "a document must keep at least one owner"),
    };

    private static async Task<Results<Ok<RootValueResponse>, ProblemHttpResult>> ReadRootAsync(
        string id, string name, string? type, HttpContext http, IGrainFactory grains, AuditRecorder audit)
    {
        RootKind? kind = (type ?? "text") switch
        {
            "text" => RootKind.Text,
            "map" => RootKind.Map,
            "array" => RootKind.Array,
            "xml" => RootKind.Xml,
            _ => null,
        };
        if (kind is null) return Problems.Invalid("type: text, map, array or xml");
        // Raw content is a copy of the document: the no-copy/no-export flag applies here as it does to export.
        var info = await grains.DescribeResourceAsync(id, http.User.Username());
        if (info is null) return Problems.NotFound();
        if (info.NoExport)
        {
            await audit.RecordAsync(http, AuditActions.ExportRefused, id, $"no-export: root '{name}'");
            return Problems.Of(StatusCodes.Status403Forbidden, "no-export", "copying content out of this document is not allowed");
        }
        RootReadResult result;
        try
        {
            result = await grains.GetGrain<IDocumentGrain>(id).ReadRoot(http.User.Username(), name, kind.Value);
        }
        catch (InvalidOperationException ex)
        {
            // The root exists with a different type.
            return Problems.Conflict("type-mismatch", ex.Message);
        }
        if (!result.Found) return Problems.NotFound();
        if (result.Json is null)
        {
            return Problems.Of(StatusCodes.Status422UnprocessableEntity, "too-deep", "the value nests too deeply to be returned as JSON");
        }
        using var json = JsonDocument.Parse(result.Json);
        return TypedResults.Ok(new RootValueResponse(json.RootElement.Clone()));
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> ApplyUpdateAsync(
        string id, HttpRequest request, IGrainFactory grains, IOptions<CollabLimits> limits)
    {
        var max = limits.Value.MaxFrameBytes;
        if (request.ContentLength > max) return TooLarge(max);
        var read = await request.BodyReader.ReadAtLeastAsync(max + 1, request.HttpContext.RequestAborted);
        if (read.Buffer.Length > max) return TooLarge(max);
        var update = read.Buffer.ToArray();
        request.BodyReader.AdvanceTo(read.Buffer.End);

        var result = await grains.GetGrain<IDocumentGrain>(id).ApplyUpdate(request.HttpContext.User.Username(), update);
        return result.RejectCode switch
        {
            null => TypedResults.NoContent(),
            RejectCodes.Forbidden => Problems.NotFound(),
            RejectCodes.ReadOnly => Problems.Of(StatusCodes.Status403Forbidden, RejectCodes.ReadOnly, result.RejectDetail ?? "read-only"),
            _ => Problems.Of(StatusCodes.Status400BadRequest, result.RejectCode, result.RejectDetail ?? result.RejectCode),
        };
    }

    private static ProblemHttpResult TooLarge(int max) =>
        Problems.Of(StatusCodes.Status413PayloadTooLarge, RejectCodes.TooLarge, $"updates are limited to {max} bytes");
}
