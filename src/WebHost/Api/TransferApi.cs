using System.Text;
using Microsoft.AspNetCore.Http.HttpResults;
using Spotter.Collab.Grains;
using Spotter.Collab.Grains.Audit;
using Spotter.Collab.Grains.KnowledgeBase;
using Spotter.Collab.Grains.KnowledgeBase.Content;
using Spotter.Collab.WebHost.Auth;

namespace Spotter.Collab.WebHost.Api;

/// <summary>Markdown import into a page and Markdown/HTML export of a page.</summary>
public static class TransferApi
{
    private const int MaxImportBytes = 4 * 1024 * 1024;

    public static IEndpointRouteBuilder MapTransferApi(this IEndpointRouteBuilder app)
    {
        var docs = app.MapGroup("/api/docs/{id}").RequireAuthorization().WithTags("Import/export");
        docs.MapPost("/import", ImportAsync).Accepts<string>("text/markdown", "text/plain");
        docs.MapGet("/export", ExportAsync);
        return app;
    }

    /// <summary>Replaces the page's content with the Markdown body (<c>?mode=append</c> adds it at the end instead).</summary>
    private static async Task<Results<NoContent, ProblemHttpResult>> ImportAsync(string id, string? mode, HttpRequest request, IGrainFactory grains, IServiceProvider services)
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

        var source = RichContent.ReplaceUpdate([], MarkdownImporter.Parse(markdown));
        var result = await grains.GetGrain<IDocumentKnowledgeBase>(id).ApplyContent(username, source, append: mode == "append", reason: "import");
        if (result.IsRejected) return KnowledgeBaseAccess.Rejection(result);
        await KnowledgeBaseAccess.AuditAsync(services, request.HttpContext, AuditActions.Import, id, $"{markdown.Length} characters, {mode ?? "replace"}");
        return TypedResults.NoContent();
    }

    private static async Task<IResult> ExportAsync(string id, string? format, HttpContext http, IGrainFactory grains, IServiceProvider services)
    {
        var info = await grains.GetGrain<IDocumentGrain>(id).Describe(http.User.Username());
        if (info is null) return Problems.NotFound();
        if (format is not ("md" or "html")) return Problems.Invalid("format: md or html");
        var blocks = RichContent.Read(await grains.GetGrain<IDocumentGrain>(id).EncodeState());
        await KnowledgeBaseAccess.AuditAsync(services, http, AuditActions.Export, id, format);
        var fileName = SafeFileName(info.Title) + (format == "md" ? ".md" : ".html");
        http.Response.Headers.ContentDisposition = $"attachment; filename=\"{fileName}\"";
        http.Response.Headers.XContentTypeOptions = "nosniff";
        if (format == "md") return TypedResults.Text("# " + info.Title + "\n\n" + RichMarkdown.Render(blocks), "text/markdown", Encoding.UTF8);
        var html = new StringBuilder("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>");
        RichHtml.Escape(info.Title, html);
        html.Append("</title></head><body><h1>");
        RichHtml.Escape(info.Title, html);
        html.Append("</h1>").Append(RichHtml.Render(blocks)).Append("</body></html>");
        return TypedResults.Text(html.ToString(), "text/html", Encoding.UTF8);
    }

    private static string SafeFileName(string title)
    {
        var name = new string(title.Select(c => char.IsLetterOrDigit(c) || c is '-' or '_' or ' ' ? c : '_').ToArray()).Trim();
        // Header values must be ASCII: non-ASCII titles fall back to a generic name.
        return name.Length == 0 || name.Any(c => c > 127) ? "page" : name;
    }
}
