using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Spotter.Collab.Grains;
using Spotter.Collab.Grains.KnowledgeBase;
using Spotter.Collab.Grains.KnowledgeBase.Storage;
using Spotter.Collab.WebHost.Auth;

namespace Spotter.Collab.WebHost.Api;

public sealed record AttachmentResponse(string Id, string Url);

/// <summary>Images in pages: uploaded by editors, served to whoever can view the owning document.</summary>
public static class AttachmentsApi
{
    public static IEndpointRouteBuilder MapAttachmentsApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/docs/{id}/attachments", UploadAsync).RequireAuthorization().WithTags("Attachments").Accepts<byte[]>("image/png", "image/jpeg", "image/gif", "image/webp")
            .ProducesProblems(StatusCodes.Status401Unauthorized, StatusCodes.Status403Forbidden, StatusCodes.Status404NotFound, StatusCodes.Status413PayloadTooLarge, StatusCodes.Status415UnsupportedMediaType);
        app.MapGet("/api/attachments/{attachmentId}", DownloadAsync).RequireAuthorization().WithTags("Attachments")
            .Produces<byte[]>(StatusCodes.Status200OK, "image/png", "image/jpeg", "image/gif", "image/webp")
            .Produces(StatusCodes.Status304NotModified)
            .ProducesProblems(StatusCodes.Status401Unauthorized, StatusCodes.Status404NotFound);
        return app;
    }

    private static async Task<Results<Created<AttachmentResponse>, ProblemHttpResult>> UploadAsync(
        string id, HttpRequest request, IGrainFactory grains, IOptions<KnowledgeBaseOptions> options, TimeProvider time)
    {
        var username = request.HttpContext.User.Username();
        var info = await grains.DescribeResourceAsync(id, username);
        if (info is null) return Problems.NotFound();
        if (!info.Role.CanEdit()) return Problems.Of(StatusCodes.Status403Forbidden, RejectCodes.ReadOnly, "uploading needs edit access");
        var max = options.Value.MaxAttachmentBytes;
        if (request.ContentLength > max) return TooLarge(max);
        var read = await request.BodyReader.ReadAtLeastAsync((int)Math.Min(max + 1, int.MaxValue), request.HttpContext.RequestAborted);
        if (read.Buffer.Length > max) return TooLarge(max);
        var data = System.Buffers.BuffersExtensions.ToArray(read.Buffer);
        request.BodyReader.AdvanceTo(read.Buffer.End);

        var detected = ImageTypes.Detect(data);
        var declared = request.ContentType?.Split(';')[0].Trim().ToLowerInvariant();
        if (detected is null || (declared is not null && declared != detected))
        {
            return Problems.Of(StatusCodes.Status415UnsupportedMediaType, "unsupported-type", "only PNG, JPEG, GIF and WebP images whose bytes match their declared type");
        }
        var attachmentId = Guid.NewGuid().ToString("N");
        await grains.GetGrain<IKnowledgeBaseStoreGrain>(0).AddAttachment(new StoredAttachment(attachmentId, id, detected, data, username, time.GetUtcNow()));
        var url = $"/api/attachments/{attachmentId}";
        return TypedResults.Created(url, new AttachmentResponse(attachmentId, url));
    }

    private static async Task<Results<FileContentHttpResult, StatusCodeHttpResult, ProblemHttpResult>> DownloadAsync(string attachmentId, HttpContext http, IGrainFactory grains)
    {
        var attachment = await grains.GetGrain<IKnowledgeBaseStoreGrain>(0).GetAttachment(attachmentId);
        // Missing and not readable look the same.
        if (attachment is null || await grains.DescribeResourceAsync(attachment.DocumentId, http.User.Username()) is null)
        {
            return Problems.Of(StatusCodes.Status404NotFound, "not-found", "no such attachment, or it is not shared with you");
        }
        var headers = http.Response.Headers;
        headers.XContentTypeOptions = "nosniff";
        // Content never changes under an id; private because access is per user.
        headers.CacheControl = "private, max-age=86400";
        headers.ContentSecurityPolicy = "default-src 'none'; sandbox";
        var etag = $"\"{attachment.Id}\"";
        headers.ETag = etag;
        if (http.Request.Headers.IfNoneMatch.Contains(etag)) return TypedResults.StatusCode(StatusCodes.Status304NotModified);
        return TypedResults.Bytes(attachment.Data, attachment.ContentType);
    }

    private static ProblemHttpResult TooLarge(long max) =>
        Problems.Of(StatusCodes.Status413PayloadTooLarge, RejectCodes.TooLarge, $"attachments are limited to {max} bytes");
}

/// <summary>Image types recognised by their leading bytes (what the browser will sniff), not by the client's claim.</summary>
public static class ImageTypes
{
    public static string? Detect(ReadOnlySpan<byte> data)
    {
        if (data.StartsWith((ReadOnlySpan<byte>)[0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])) return "image/png";
        if (data.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xD8, 0xFF])) return "image/jpeg";
        if (data.StartsWith("GIF87a"u8) || data.StartsWith("GIF89a"u8)) return "image/gif";
        if (data.Length >= 12 && data.StartsWith("RIFF"u8) && data[8..12].SequenceEqual("WEBP"u8)) return "image/webp";
        return null;
    }
}
