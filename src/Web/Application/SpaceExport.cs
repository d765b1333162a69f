using System.Formats.Tar;
using System.IO.Compression;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;
using Spotter.Collab.Grains;
using Spotter.Collab.Grains.Access;
using Spotter.Collab.Grains.KnowledgeBase;
using Spotter.Collab.WebHost.Api;

namespace Spotter.Collab.WebHost.Application;

/// <summary>One page in a space archive: where its Markdown file is.</summary>
public sealed record SpaceArchivePage(string Id, string? ParentId, string Title, string Path);

/// <summary>One attachment in a space archive, with the page that holds it.</summary>
public sealed record SpaceArchiveAttachment(string Id, string PageId, string ContentType, long Bytes, string Path);

/// <summary>A page left out of a space archive, and why.</summary>
public sealed record SpaceArchiveExclusion(string Id, string Title, string Reason);

/// <summary>The archive's <c>manifest.json</c>.</summary>
public sealed record SpaceArchiveManifest(
    string Format, int Version, string SpaceId, string SpaceName, DateTimeOffset ExportedAt, string ExportedBy,
    IReadOnlyList<SpaceArchivePage> Pages, IReadOnlyList<SpaceArchiveAttachment> Attachments, IReadOnlyList<SpaceArchiveExclusion> Excluded);

/// <summary>A space export that is allowed to start: the tree it walks and the name it downloads under.</summary>
public sealed record SpaceExportPlan(string SpaceId, string SpaceName, SpaceTree Tree);

/// <summary>
/// A whole space as one <c>tar.gz</c>: each page the exporter can read as Markdown under <c>pages/</c>, in folders
/// that follow the page tree (a page's sub-pages sit in a folder named like the page), the image attachments those
/// pages show under <c>attachments/</c> with the pages' links rewritten to them, and <c>manifest.json</c> last.
/// Only space managers (and administrators) may export a space; pages carrying no-export (on themselves or an
/// ancestor) are left out and named in the manifest. Written entry by entry to the output stream, so at most one
/// page or attachment is in memory at a time.
/// </summary>
public sealed partial class SpaceExport(IGrainFactory grains, IOptions<KnowledgeBaseOptions> options, TimeProvider time)
{
    public const string Format = "spotter-space-export";

    /// <summary>The plan, or why the principal may not export the space (404 when it cannot see it, 403 when it does not manage it).</summary>
    public async Task<(SpaceExportPlan? Plan, Refusal? Refused)> PlanAsync(string principal, string spaceId)
    {
        if (await grains.AccessReader().GetTree(principal, spaceId) is not { } tree) return (null, Refusal.NotFound);
        if (tree.Space.Level != AccessLevel.Manage)
        {
            return (null, new Refusal(StatusCodes.Status403Forbidden, RejectCodes.Forbidden, "exporting a space needs manage access to it"));
        }
        return (new SpaceExportPlan(spaceId, tree.Space.Title, tree), null);
    }

    /// <summary>Writes the archive to <paramref name="output"/> and returns its manifest.</summary>
    public async Task<SpaceArchiveManifest> WriteAsync(string principal, SpaceExportPlan plan, Stream output, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(plan);
        var conversion = grains.GetGrain<IContentConversionGrain>(0);
        var store = grains.GetGrain<IKnowledgeBaseStoreGrain>(0);
        var pages = new List<SpaceArchivePage>();
        var attachments = new List<SpaceArchiveAttachment>();
        var excluded = new List<SpaceArchiveExclusion>();
        // Folder of each exported page's sub-pages, and the names taken in each folder.
        var folders = new Dictionary<string, string>(StringComparer.Ordinal) { [plan.SpaceId] = "pages" };
        var taken = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        var writtenAttachments = new Dictionary<string, string?>(StringComparer.Ordinal);
        var readable = new Dictionary<string, bool>(StringComparer.Ordinal);

        await using var gzip = new GZipStream(output, CompressionLevel.Optimal, leaveOpen: true);
        await using (var tar = new TarWriter(gzip, TarEntryFormat.Pax, leaveOpen: true))
        {
            // The tree lists a parent before its children, so a page's folder is known when it is reached.
            foreach (var node in plan.Tree.Pages)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var parentKey = node.ParentId ?? plan.SpaceId;
                var info = await grains.DescribeResourceAsync(node.Id, principal);
                if (info is null) continue;
                // The flag covers a page's sub-pages too, so a page whose parent was left out carries it as well.
                if (info.NoExport)
                {
                    excluded.Add(new SpaceArchiveExclusion(node.Id, node.Title, "no-export"));
                    continue;
                }
                if (!folders.TryGetValue(parentKey, out var folder)) continue;
                var name = UniqueName(taken, folder, FileName(node.Title));
                folders[node.Id] = folder + "/" + name;
                var path = folder + "/" + name + ".md";
                var depth = path.Count(c => c == '/');

                var markdown = await conversion.Export(info.Title, [new ExportedPage(info.Id, info.Title, 0)], markdown: true, options.Value.AllowExternalImages);
                foreach (var attachmentId in AttachmentLink().Matches(markdown).Select(m => m.Groups[1].Value).Distinct(StringComparer.Ordinal))
                {
                    if (writtenAttachments.ContainsKey(attachmentId)) continue;
                    writtenAttachments[attachmentId] = null;
                    if (await store.GetAttachment(attachmentId) is not { } attachment) continue;
                    if (!readable.TryGetValue(attachment.DocumentId, out var canRead))
                    {
                        canRead = await grains.DescribeResourceAsync(attachment.DocumentId, principal) is { NoExport: false };
                        readable[attachment.DocumentId] = canRead;
                    }
                    if (!canRead) continue;
                    var attachmentPath = $"attachments/{attachment.Id}{Extension(attachment.ContentType)}";
                    await WriteEntryAsync(tar, attachmentPath, attachment.Data, cancellationToken);
                    writtenAttachments[attachmentId] = attachmentPath;
                    attachments.Add(new SpaceArchiveAttachment(attachment.Id, info.Id, attachment.ContentType, attachment.Data.LongLength, attachmentPath));
                }
                // Links to attachments in the archive point at their files, relative to the page; others stay as they were.
                var up = string.Concat(Enumerable.Repeat("../", depth));
                markdown = AttachmentLink().Replace(markdown, m =>
                    writtenAttachments.GetValueOrDefault(m.Groups[1].Value) is { } file ? up + file : m.Value);
                await WriteEntryAsync(tar, path, Encoding.UTF8.GetBytes(markdown), cancellationToken);
                pages.Add(new SpaceArchivePage(info.Id, parentKey == plan.SpaceId ? null : parentKey, info.Title, path));
            }

            var manifest = new SpaceArchiveManifest(Format, 1, plan.SpaceId, plan.SpaceName, time.GetUtcNow(), principal, pages, attachments, excluded);
            await WriteEntryAsync(tar, "manifest.json", JsonSerializer.SerializeToUtf8Bytes(manifest, ManifestJson), cancellationToken);
            return manifest;
        }
    }

    private static readonly JsonSerializerOptions ManifestJson = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    private async Task WriteEntryAsync(TarWriter tar, string path, byte[] data, CancellationToken cancellationToken)
    {
        var entry = new PaxTarEntry(TarEntryType.RegularFile, path)
        {
            DataStream = new MemoryStream(data, writable: false),
            ModificationTime = time.GetUtcNow(),
            Mode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead,
        };
        await tar.WriteEntryAsync(entry, cancellationToken);
    }

    /// <summary>A file name from a page title: characters that file systems refuse become <c>_</c>; at most 80 characters.</summary>
    private static string FileName(string title)
    {
        var name = new string(title.Select(c => char.IsControl(c) || c is '/' or '\\' or ':' or '*' or '?' or '"' or '<' or '>' or '|' ? '_' : c).ToArray())
            .Trim().TrimEnd('.').Trim();
        if (name.Length > 80) name = name[..80].Trim();
        return name.Length == 0 || name is "." or ".." ? "page" : name;
    }

    /// <summary>Two sibling pages with one title get "Title", "Title (2)", …; compared without case, as on Windows and macOS.</summary>
    private static string UniqueName(Dictionary<string, HashSet<string>> taken, string folder, string name)
    {
        if (!taken.TryGetValue(folder, out var names)) taken[folder] = names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var candidate = name;
        for (var n = 2; !names.Add(candidate); n++) candidate = $"{name} ({n})";
        return candidate;
    }

    private static string Extension(string contentType) => contentType switch
    {
        "image/png" => ".png",
        "image/jpeg" => ".jpg",
        "image/gif" => ".gif",
        "image/webp" => ".webp",
        _ => "",
    };

    [GeneratedRegex("/api/attachments/([0-9a-f]{32})")]
    private static partial Regex AttachmentLink();
}
