using System.Text;
using Microsoft.AspNetCore.Http.HttpResults;
using Spotter.Collab.Grains;
using Spotter.Collab.Grains.Audit;
using Spotter.Collab.WebHost.Application;
using Spotter.Collab.WebHost.Auth;

namespace Spotter.Collab.WebHost.Api;

/// <summary>Markdown import into a page, Markdown/HTML export of a page or a page subtree, and a whole space as an archive.</summary>
public static class TransferApi
{
    private const int MaxImportBytes = 4 * 1024 * 1024;

    public static IEndpointRouteBuilder MapTransferApi(this IEndpointRouteBuilder app)
    {
        var docs = app.MapGroup("/api/docs/{id}").RequireAuthorization().WithTags("Import/export")
            .ProducesProblems(StatusCodes.Status400BadRequest, StatusCodes.Status401Unauthorized, StatusCodes.Status403Forbidden, StatusCodes.Status404NotFound);
        docs.MapPost("/import", ImportAsync).Accepts<string>("text/markdown", "text/plain").ProducesProblems(StatusCodes.Status413PayloadTooLarge);
        docs.MapGet("/export", ExportAsync).Produces<string>(StatusCodes.Status200OK, "text/markdown", "text/html");
        app.MapGet("/api/spaces/{id}/export", ExportSpaceAsync).RequireAuthorization().WithTags("Import/export")
            .Produces<byte[]>(StatusCodes.Status200OK, "application/gzip")
            .ProducesProblems(StatusCodes.Status401Unauthorized, StatusCodes.Status403Forbidden, StatusCodes.Status404NotFound);
        return app;
    }

    /// <summary>Replaces the page's content with the Markdown body (<c>?mode=append</c> adds it at the end instead).</summary>
    private static async Task<Results<NoContent, ProblemHttpResult>> ImportAsync(string id, string? mode, HttpRequest request, PageTransfer transfer, AuditRecorder audit)
    {
        var principal = request.HttpContext.User.Username();
        if (await transfer.ImportRefusalAsync(principal, id) is { } refused) return refused.ToProblem();
        if (mode is not (null or "replace" or "append")) return Problems.Invalid("mode: replace or append");
        if (request.ContentLength > MaxImportBytes) return TooLarge();
        var read = await request.BodyReader.ReadAtLeastAsync(MaxImportBytes + 1, request.HttpContext.RequestAborted);
        if (read.Buffer.Length > MaxImportBytes) return TooLarge();
        var markdown = Encoding.UTF8.GetString(read.Buffer);
        request.BodyReader.AdvanceTo(read.Buffer.End);

        if (await transfer.ImportAsync(principal, id, markdown, append: mode == "append") is { } rejected) return rejected.ToProblem();
        await audit.RecordAsync(request.HttpContext, AuditActions.Import, id, $"{markdown.Length} characters, {mode ?? "replace"}");
        return TypedResults.NoContent();
    }

    private static ProblemHttpResult TooLarge() =>
        Problems.Of(StatusCodes.Status413PayloadTooLarge, RejectCodes.TooLarge, $"imports are limited to {MaxImportBytes} bytes");

    /// <summary>The page (<c>?subtree=true</c>: and its visible sub-pages) as a Markdown or HTML download.</summary>
    private static async Task<Results<ContentHttpResult, ProblemHttpResult>> ExportAsync(
        string id, string? format, bool? subtree, HttpContext http, IGrainFactory grains, PageTransfer transfer, AuditRecorder audit)
    {
        // Invisible pages are 404 whatever the format.
        if (format is not ("md" or "html"))
        {
            return await grains.DescribeResourceAsync(id, http.User.Username()) is null ? Problems.NotFound() : Problems.Invalid("format: md or html");
        }
        var export = await transfer.ExportAsync(http.User.Username(), id, markdownFormat: format == "md", subtree == true);
        if (export.Refused is { } refused)
        {
            if (export.RefusedBy is { } page) await audit.RecordAsync(http, AuditActions.ExportRefused, id, $"no-export on {page}");
            return refused.ToProblem();
        }
        await audit.RecordAsync(http, AuditActions.Export, id, $"{format}, {export.Pages} page(s)");
        http.Response.Headers.ContentDisposition = DownloadDisposition(export.Title, format == "md" ? ".md" : ".html");
        http.Response.Headers.XContentTypeOptions = "nosniff";
        return TypedResults.Text(export.Content!, format == "md" ? "text/markdown" : "text/html", Encoding.UTF8);
    }

    /// <summary>
    /// The whole space as a <c>tar.gz</c> of Markdown files in the page tree's folders, their image attachments and
    /// <c>manifest.json</c> (space managers and administrators; pages under no-export are left out and listed).
    /// Streamed: refusals are decided before the first byte, the archive is written page by page.
    /// </summary>
    private static async Task<Results<EmptyHttpResult, ProblemHttpResult>> ExportSpaceAsync(
        string id, HttpContext http, SpaceExport export, AuditRecorder audit, CancellationToken cancellationToken)
    {
        var principal = http.User.Username();
        var (plan, refused) = await export.PlanAsync(principal, id);
        if (plan is null) return refused!.ToProblem();
        http.Response.ContentType = "application/gzip";
        http.Response.Headers.ContentDisposition = DownloadDisposition(plan.SpaceName, ".tar.gz");
        http.Response.Headers.XContentTypeOptions = "nosniff";
        var manifest = await export.WriteAsync(principal, plan, http.Response.Body, cancellationToken);
        await audit.RecordAsync(http, AuditActions.Export, id,
            $"space archive, {manifest.Pages.Count} page(s), {manifest.Attachments.Count} attachment(s), {manifest.Excluded.Count} left out (no-export)");
        return TypedResults.Empty;
    }

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
