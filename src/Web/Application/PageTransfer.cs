using System.Text;
using Microsoft.Extensions.Options;
using Spotter.Collab.Grains;
using Spotter.Collab.WebHost.Api;
using Spotter.Collab.Grains.Access;
using Spotter.Collab.Grains.KnowledgeBase;

namespace Spotter.Collab.WebHost.Application;

/// <summary>What an export made: the file's text, the title it downloads under and how many pages it holds; or the
/// refusal, with the page whose no-export flag caused it.</summary>
public sealed record ExportResult(string? Content, string Title, int Pages, Refusal? Refused = null, string? RefusedBy = null);

/// <summary>
/// Markdown import into a page and Markdown/HTML export of a page or a page subtree, as the principal may do them.
/// The endpoints (<c>Api/TransferApi.cs</c>) read and write HTTP and record the audit entries.
/// </summary>
public sealed partial class PageTransfer(IGrainFactory grains, IOptions<KnowledgeBaseOptions> options)
{
    /// <summary>Null when <paramref name="principal"/> may import into the page; checked before the body is read.</summary>
    public async Task<Refusal?> ImportRefusalAsync(string principal, string id)
    {
        var info = await grains.DescribeResourceAsync(id, principal);
        if (info is null) return Refusal.NotFound;
        return info.Role.CanEdit() ? null : Refusal.ReadOnly("importing needs edit access");
    }

    /// <summary>Replaces the page's content with the Markdown (or adds it at the end): an ordinary, versioned edit.</summary>
    public async Task<Refusal?> ImportAsync(string principal, string id, string markdown, bool append)
    {
        var imported = await grains.GetGrain<IContentConversionGrain>(0).ImportMarkdown(markdown, options.Value.AllowExternalImages);
        if (imported.Update is not { } source)
        {
            return new Refusal(StatusCodes.Status400BadRequest, RejectCodes.Malformed, imported.Refusal ?? "content refused");
        }
        var result = await grains.GetGrain<IDocumentKnowledgeBase>(id).ApplyContent(principal, source, append, reason: "import");
        return result.IsRejected ? Refusal.Of(result) : null;
    }

    /// <summary>
    /// The page as Markdown (<paramref name="markdownFormat"/>) or HTML; with <paramref name="subtree"/> also every
    /// sub-page the principal can see, depth first in tree order, each under a heading with its title. Refused
    /// (403 no-export) when any exported page has noExport set on itself or an ancestor.
    /// </summary>
    public async Task<ExportResult> ExportAsync(string principal, string id, bool markdownFormat, bool subtree)
    {
        var info = await grains.DescribeResourceAsync(id, principal);
        if (info is null) return new ExportResult(null, "", 0, Refusal.NotFound);

        var pages = new List<(DocumentInfo Info, int Depth)> { (info, 0) };
        if (subtree && info.Kind == ResourceKind.Page && info.SpaceId is { } spaceId
            && await grains.GetGrain<IOrganizationGrain>(IOrganizationGrain.Key).GetTree(principal, spaceId) is { } tree)
        {
            var children = tree.Pages.Where(p => p.ParentId is not null).ToLookup(p => p.ParentId!, StringComparer.Ordinal);
            // Depth-first in tree order with an explicit stack: a deep page tree cannot overflow the stack, and a
            // page the caller cannot see hides its whole subtree.
            var pending = new Stack<(string Id, int Depth)>();
            void PushChildren(string parentId, int depth)
            {
                foreach (var child in children[parentId].OrderBy(c => c.Order).Reverse()) pending.Push((child.Id, depth));
            }
            PushChildren(id, 1);
            var seen = new HashSet<string>(StringComparer.Ordinal) { id };
            while (pending.TryPop(out var next))
            {
                if (!seen.Add(next.Id)) continue;
                if (await grains.DescribeResourceAsync(next.Id, principal) is not { } childInfo) continue;
                pages.Add((childInfo, next.Depth));
                PushChildren(next.Id, next.Depth + 1);
            }
        }
        if (pages.FirstOrDefault(p => p.Info.NoExport) is { Info: not null } refused)
        {
            return new ExportResult(null, info.Title, pages.Count,
                new Refusal(StatusCodes.Status403Forbidden, "no-export", "exporting this page is not allowed"), refused.Info.Id);
        }

        var rendered = await grains.GetGrain<IContentConversionGrain>(0).Export(
            info.Title, pages.Select(p => new ExportedPage(p.Info.Id, p.Info.Title, p.Depth)).ToList(), markdownFormat, options.Value.AllowExternalImages);
        var content = markdownFormat ? rendered : await EmbedAttachmentsAsync(rendered, principal);
        return new ExportResult(content, info.Title, pages.Count);
    }

    /// <summary>The longest run of attachment bytes one HTML export embeds; images past it stay links.</summary>
    private const long MaxEmbeddedBytes = 64 * 1024 * 1024;

    /// <summary>
    /// An exported HTML file is read outside the app, where <c>/api/attachments/…</c> cannot load (it needs the
    /// bearer token): each image attachment the caller may read is embedded as a data URI, so the file is whole.
    /// The renderer escapes every quote in text, so <c>src="/api/attachments/…"</c> only occurs as an image's own
    /// attribute. The Markdown export keeps the links: it is meant to be imported back into the app.
    /// </summary>
    private async Task<string> EmbedAttachmentsAsync(string html, string principal)
    {
        var store = grains.GetGrain<IKnowledgeBaseStoreGrain>(0);
        var readable = new Dictionary<string, bool>(StringComparer.Ordinal);
        var embedded = new Dictionary<string, string>(StringComparer.Ordinal);
        long budget = MaxEmbeddedBytes;
        foreach (var id in AttachmentSource().Matches(html).Select(m => m.Groups[1].Value).Distinct(StringComparer.Ordinal))
        {
            if (await store.GetAttachment(id) is not { } attachment || attachment.Data.Length > budget) continue;
            if (!readable.TryGetValue(attachment.DocumentId, out var canRead))
            {
                canRead = await grains.DescribeResourceAsync(attachment.DocumentId, principal) is not null;
                readable[attachment.DocumentId] = canRead;
            }
            if (!canRead) continue;
            budget -= attachment.Data.Length;
            embedded[id] = $"data:{attachment.ContentType};base64,{Convert.ToBase64String(attachment.Data)}";
        }
        return embedded.Count == 0 ? html : AttachmentSource().Replace(html, m =>
            embedded.TryGetValue(m.Groups[1].Value, out var data) ? $"src=\"{data}\"" : m.Value);
    }

    [System.Text.RegularExpressions.GeneratedRegex("src=\"/api/attachments/([0-9a-f]{32})\"")]
    private static partial System.Text.RegularExpressions.Regex AttachmentSource();
}
