using System.Text;
using Microsoft.AspNetCore.Http.HttpResults;
using Spotter.Collab.Grains;
using Spotter.Collab.Grains.Access;
using Spotter.Collab.Grains.Audit;
using Spotter.Collab.Grains.KnowledgeBase;
using Spotter.Collab.Grains.KnowledgeBase.Content;
using Spotter.Collab.WebHost.Auth;

namespace Spotter.Collab.WebHost.Api;

/// <summary>Markdown import into a page and Markdown/HTML export of a page or a page subtree.</summary>
public static partial class TransferApi
{
    private const int MaxImportBytes = 4 * 1024 * 1024;

    public static IEndpointRouteBuilder MapTransferApi(this IEndpointRouteBuilder app)
    {
        var docs = app.MapGroup("/api/docs/{id}").RequireAuthorization().WithTags("Import/export")
            .ProducesProblems(StatusCodes.Status400BadRequest, StatusCodes.Status401Unauthorized, StatusCodes.Status403Forbidden, StatusCodes.Status404NotFound);
        docs.MapPost("/import", ImportAsync).Accepts<string>("text/markdown", "text/plain").ProducesProblems(StatusCodes.Status413PayloadTooLarge);
        docs.MapGet("/export", ExportAsync).Produces<string>(StatusCodes.Status200OK, "text/markdown", "text/html");
        return app;
    }

    /// <summary>Replaces the page's content with the Markdown body (<c>?mode=append</c> adds it at the end instead).</summary>
    private static async Task<Results<NoContent, ProblemHttpResult>> ImportAsync(string id, string? mode, HttpRequest request, IGrainFactory grains, AuditRecorder audit,
        Microsoft.Extensions.Options.IOptions<KnowledgeBaseOptions> options)
    {
        var username = request.HttpContext.User.Username();
        var info = await grains.GetGrain<IDocumentGrain>(id).Describe(username);
        if (info is null) return Problems.NotFound();
        if (!info.Role.CanEdit()) return Problems.Of(StatusCodes.Status403Forbidden, RejectCodes.ReadOnly, "importing needs edit access");
        if (mode is not (null or "replace" or "append")) return Problems.Invalid("mode: replace or append");
        if (request.ContentLength > MaxImportBytes) return Problems.Of(StatusCodes.Status413PayloadTooLarge, RejectCodes.TooLarge, $"imports are limited to {MaxImportBytes} bytes");
        var read = await request.BodyReader.ReadAtLeastAsync(MaxImportBytes + 1, request.HttpContext.RequestAborted);
        if (read.Buffer.Length > MaxImportBytes) return Problems.Of(StatusCodes.Status413PayloadTooLarge, RejectCodes.TooLarge, $"imports are limited to {MaxImportBytes} bytes");
        var markdown = Encoding.UTF8.GetString(read.Buffer);
        request.BodyReader.AdvanceTo(read.Buffer.End);

        byte[] source;
        try
        {
            var imported = MarkdownImporter.Parse(markdown);
            if (!options.Value.AllowExternalImages) ExternalImages.Remove(imported, out _);
            source = RichContent.ReplaceUpdate([], imported);
        }
        catch (ContentTooDeepException ex)
        {
            return Problems.Of(StatusCodes.Status400BadRequest, RejectCodes.Malformed, ex.Message);
        }
        var result = await grains.GetGrain<IDocumentKnowledgeBase>(id).ApplyContent(username, source, append: mode == "append", reason: "import");
        if (result.IsRejected) return KnowledgeBaseAccess.Rejection(result);
        await audit.RecordAsync(request.HttpContext, AuditActions.Import, id, $"{markdown.Length} characters, {mode ?? "replace"}");
        return TypedResults.NoContent();
    }

    /// <summary>
    /// The page as Markdown or HTML; with <c>subtree=true</c> also every sub-page the caller can see, depth first in
    /// tree order, each under a heading with its title. Refused (403 no-export) when any exported page has noExport
    /// set on itself or an ancestor.
    /// </summary>
    private static async Task<Results<ContentHttpResult, ProblemHttpResult>> ExportAsync(string id, string? format, bool? subtree, HttpContext http, IGrainFactory grains, AuditRecorder audit,
        Microsoft.Extensions.Options.IOptions<KnowledgeBaseOptions> options)
    {
        var principal = http.User.Username();
        var info = await grains.GetGrain<IDocumentGrain>(id).Describe(principal);
        if (info is null) return Problems.NotFound();
        if (format is not ("md" or "html")) return Problems.Invalid("format: md or html");

        var pages = new List<(DocumentInfo Info, int Depth)> { (info, 0) };
        if (subtree == true && info.Kind == ResourceKind.Page && info.SpaceId is { } spaceId
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
                if (await grains.GetGrain<IDocumentGrain>(next.Id).Describe(principal) is not { } childInfo) continue;
                pages.Add((childInfo, next.Depth));
                PushChildren(next.Id, next.Depth + 1);
            }
        }
        if (pages.FirstOrDefault(p => p.Info.NoExport) is { Info: not null } refused)
        {
            await audit.RecordAsync(http, AuditActions.ExportRefused, id, $"no-export on {refused.Info.Id}");
            return Problems.Of(StatusCodes.Status403Forbidden, "no-export", "exporting this page is not allowed");
        }

        var markdown = new StringBuilder();
        var html = new StringBuilder("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>");
        RichHtml.Escape(info.Title, html);
        html.Append("</title></head><body>");
        foreach (var (page, depth) in pages)
        {
            var blocks = RichContent.Read(await grains.GetGrain<IDocumentGrain>(page.Id).EncodeState());
            if (!options.Value.AllowExternalImages) ExternalImages.Remove(blocks, out _);
            var level = Math.Min(depth + 1, 6);
            if (format == "md")
            {
                if (markdown.Length > 0) markdown.Append('\n');
                markdown.Append('#', level).Append(' ').Append(page.Title).Append("\n\n").Append(RichMarkdown.Render(blocks));
            }
            else
            {
                html.Append("<section><h").Append(level).Append('>');
                RichHtml.Escape(page.Title, html);
                html.Append("</h").Append(level).Append('>').Append(RichHtml.Render(blocks)).Append("</section>");
            }
        }
        html.Append("</body></html>");
        await audit.RecordAsync(http, AuditActions.Export, id, $"{format}, {pages.Count} page(s)");
        http.Response.Headers.ContentDisposition = DownloadDisposition(info.Title, format == "md" ? ".md" : ".html");
        http.Response.Headers.XContentTypeOptions = "nosniff";
        return format == "md"
            ? TypedResults.Text(markdown.ToString(), "text/markdown", Encoding.UTF8)
            : TypedResults.Text(await EmbedAttachmentsAsync(html.ToString(), principal, grains), "text/html", Encoding.UTF8);
    }

    /// <summary>The longest run of attachment bytes one HTML export embeds; images past it stay links.</summary>
    private const long MaxEmbeddedBytes = 64 * 1024 * 1024;

    /// <summary>
    /// An exported HTML file is read outside the app, where <c>/api/attachments/…</c> cannot load (it needs the
    /// bearer token): each image attachment the caller may read is embedded as a data URI, so the file is whole.
    /// The renderer escapes every quote in text, so <c>src="/api/attachments/…"</c> only occurs as an image's own
    /// attribute. The Markdown export keeps the links: it is meant to be imported back into the app.
    /// </summary>
    private static async Task<string> EmbedAttachmentsAsync(string html, string principal, IGrainFactory grains)
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
                canRead = await grains.GetGrain<IDocumentGrain>(attachment.DocumentId).Describe(principal) is not null;
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

    /// <summary>
    /// <c>attachment</c> with the page title as the file name: in full (RFC 5987 <c>filename*</c>, UTF-8) for
    /// browsers, which use it, and as an ASCII fallback in <c>filename</c> (header values must be ASCII), so a page
    /// titled in Chinese downloads under its title rather than a generic name.
    /// </summary>
    private static string DownloadDisposition(string title, string extension)
    {
        var name = new string(title.Select(c => char.IsLetterOrDigit(c) || c is '-' or '_' or ' ' ? c : '_').ToArray()).Trim();
        if (name.Length == 0) name = "page";
        var ascii = new string(name.Select(c => c > 127 ? '_' : c).ToArray());
        if (ascii.All(c => c is '_' or ' ')) ascii = "page";
        var disposition = new Microsoft.Net.Http.Headers.ContentDispositionHeaderValue("attachment")
        {
            FileName = ascii + extension,
            FileNameStar = name + extension,
        };
        return disposition.ToString();
    }
}
