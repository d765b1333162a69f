using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Spotter.Collab.Grains.Audit;
using Spotter.Collab.WebHost.Auth;

namespace Spotter.Collab.WebHost.Api;

public sealed record AuditEntryResponse(long Sequence, DateTimeOffset Time, string Actor, string Action, string? Target, string? Detail, string? SourceAddress);

/// <summary>Read-only access to the audit log for administrators. There is deliberately no write, edit or delete endpoint.</summary>
public static class AuditApi
{
    public static IEndpointRouteBuilder MapAuditApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/admin/audit", QueryAsync).RequireAuthorization(AuthExtensions.AdminPolicy).WithTags("Audit")
            .ProducesProblems(StatusCodes.Status400BadRequest, StatusCodes.Status401Unauthorized, StatusCodes.Status403Forbidden);
        app.MapGet("/api/admin/audit/export", ExportAsync).RequireAuthorization(AuthExtensions.AdminPolicy).WithTags("Audit")
            .Produces<string>(StatusCodes.Status200OK, "text/csv", "application/json")
            .ProducesProblems(StatusCodes.Status400BadRequest, StatusCodes.Status401Unauthorized, StatusCodes.Status403Forbidden);
        return app;
    }

    private const int ExportPage = 500;

    /// <summary>
    /// The whole audit log (or the part the filters select), newest first, as CSV or a JSON array: streamed page by
    /// page (<see cref="ExportPage"/> entries per query, following the sequence), so a long log never sits in memory.
    /// </summary>
    private static async Task<Results<EmptyHttpResult, ProblemHttpResult>> ExportAsync(
        HttpContext http, IAuditLog audit, string? format, string? actor, string? action, string? target, DateTimeOffset? from, DateTimeOffset? to,
        CancellationToken cancellationToken)
    {
        var csv = format is null or "csv";
        if (!csv && format != "json") return Problems.Invalid("format: csv or json");
        http.Response.ContentType = csv ? "text/csv; charset=utf-8" : "application/json; charset=utf-8";
        http.Response.Headers.ContentDisposition = $"attachment; filename=\"audit-log.{(csv ? "csv" : "json")}\"";
        var body = http.Response.Body;
        await body.WriteAsync(Encoding.UTF8.GetBytes(csv ? "sequence,time,actor,action,target,detail,source_address\r\n" : "["), cancellationToken);
        long? before = null;
        var first = true;
        while (true)
        {
            var page = await audit.QueryAsync(new AuditQuery(actor, action, target, from, to, before, ExportPage), cancellationToken);
            var text = new StringBuilder();
            foreach (var e in page)
            {
                if (csv)
                {
                    text.Append(e.Sequence.ToString(CultureInfo.InvariantCulture)).Append(',')
                        .Append(e.Time.ToString("O", CultureInfo.InvariantCulture)).Append(',')
                        .Append(CsvField(e.Actor)).Append(',').Append(CsvField(e.Action)).Append(',').Append(CsvField(e.Target)).Append(',')
                        .Append(CsvField(e.Detail)).Append(',').Append(CsvField(e.SourceAddress)).Append("\r\n");
                }
                else
                {
                    if (!first) text.Append(',');
                    text.Append(JsonSerializer.Serialize(new AuditEntryResponse(e.Sequence, e.Time, e.Actor, e.Action, e.Target, e.Detail, e.SourceAddress), JsonSerializerOptions.Web));
                }
                first = false;
            }
            await body.WriteAsync(Encoding.UTF8.GetBytes(text.ToString()), cancellationToken);
            if (page.Count < ExportPage) break;
            before = page[^1].Sequence;
        }
        if (!csv) await body.WriteAsync("]"u8.ToArray(), cancellationToken);
        return TypedResults.Empty;
    }

    /// <summary>RFC 4180 quoting; a cell a spreadsheet would run as a formula (=, +, -, @, tab, CR) gets a leading
    /// apostrophe, since details and targets carry user-chosen text.</summary>
    private static string CsvField(string? value)
    {
        if (string.IsNullOrEmpty(value)) return "";
        if (value[0] is '=' or '+' or '-' or '@' or '\t' or '\r') value = "'" + value;
        return value.IndexOfAny([',', '"', '\r', '\n']) >= 0 ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : value;
    }

    private static async Task<Results<Ok<List<AuditEntryResponse>>, ProblemHttpResult>> QueryAsync(
        IAuditLog audit, string? actor, string? action, string? target, DateTimeOffset? from, DateTimeOffset? to, long? before, int? limit,
        CancellationToken cancellationToken)
    {
        if (limit is < 1 or > 1000) return Problems.Invalid("limit: 1-1000");
        var entries = await audit.QueryAsync(new AuditQuery(actor, action, target, from, to, before, limit ?? 100), cancellationToken);
        return TypedResults.Ok(entries.Select(e => new AuditEntryResponse(e.Sequence, e.Time, e.Actor, e.Action, e.Target, e.Detail, e.SourceAddress)).ToList());
    }
}
