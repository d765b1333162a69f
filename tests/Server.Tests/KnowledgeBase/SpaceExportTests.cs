using System.Formats.Tar;
using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Spotter.Collab.Server.Tests.Access;
using Spotter.Collab.Server.Tests.Infrastructure;

namespace Spotter.Collab.Server.Tests.KnowledgeBase;

/// <summary><c>GET /api/spaces/{id}/export</c>: the whole space as a tar.gz of Markdown files, attachments and a manifest.</summary>
public sealed class SpaceExportTests(KnowledgeBaseServerFixture fixture) : IClassFixture<KnowledgeBaseServerFixture>
{
    private static readonly byte[] Png = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52, 7, 7, 7];

    private CollabTestServer Server => fixture.Server;

    private static async Task<Dictionary<string, byte[]>> EntriesAsync(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/gzip", response.Content.Headers.ContentType?.MediaType);
        var entries = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        await using var gzip = new GZipStream(await response.Content.ReadAsStreamAsync(), CompressionMode.Decompress);
        await using var tar = new TarReader(gzip);
        while (await tar.GetNextEntryAsync(copyData: true) is { } entry)
        {
            using var data = new MemoryStream();
            if (entry.DataStream is { } stream) await stream.CopyToAsync(data);
            entries.Add(entry.Name, data.ToArray());
        }
        return entries;
    }

    private static string Text(byte[] bytes) => Encoding.UTF8.GetString(bytes);

    [Fact]
    public async Task A_space_manager_downloads_the_space_as_markdown_folders_with_attachments_and_a_manifest()
    {
        using var kit = new AccessKit(Server);
        var (ownerName, ownerToken) = await kit.UserAsync("own");
        using var owner = Server.Client(ownerToken);
        var (editorName, editorToken) = await kit.UserAsync("edt");
        using var editor = Server.Client(editorToken);
        var partnerOrg = await kit.CreatePartnerOrgAsync("Freight" + Guid.NewGuid().ToString("N")[..6]);
        var (_, partnerToken) = await kit.UserAsync("prt", partnerOrg);
        using var partner = Server.Client(partnerToken);
        var (_, strangerToken) = await kit.UserAsync("str");
        using var stranger = Server.Client(strangerToken);

        var space = await kit.SpaceAsync(ownerToken, "Handbook");
        var guide = await kit.PageAsync(ownerToken, space, title: "Guide");
        var chapter = await kit.PageAsync(ownerToken, space, guide, "Chapter: one");
        var twin = await kit.PageAsync(ownerToken, space, guide, "chapter: ONE");
        var secret = await kit.PageAsync(ownerToken, space, guide, "Secret");
        var deep = await kit.PageAsync(ownerToken, space, secret, "Deep");
        var upload = await owner.PostAsync($"/api/docs/{guide}/attachments", new ByteArrayContent(Png) { Headers = { ContentType = new MediaTypeHeaderValue("image/png") } });
        Assert.Equal(HttpStatusCode.Created, upload.StatusCode);
        using var created = JsonDocument.Parse(await upload.Content.ReadAsStringAsync());
        var url = created.RootElement.GetProperty("url").GetString()!;
        var attachmentId = url[(url.LastIndexOf('/') + 1)..];
        async Task Import(string page, string markdown) =>
            (await owner.PostAsync($"/api/docs/{page}/import", new StringContent(markdown, Encoding.UTF8, "text/markdown"))).EnsureSuccessStatusCode();
        await Import(guide, $"Intro\n\n![chart]({url})\n");
        await Import(chapter, "- point\n");
        await Import(twin, "same title\n");
        await Import(secret, "do not copy\n");
        await Import(deep, "nor this\n");
        (await owner.PatchAsJsonAsync($"/api/resources/{secret}/settings", new { noExport = true })).EnsureSuccessStatusCode();
        await kit.GrantAsync(ownerToken, space, "user:" + editorName, "edit");
        await kit.GrantAsync(ownerToken, guide, "partner:" + partnerOrg, "view");

        var response = await owner.GetAsync($"/api/spaces/{space}/export");
        Assert.Equal("Handbook.tar.gz", response.Content.Headers.ContentDisposition?.FileNameStar);
        var entries = await EntriesAsync(response);

        Assert.Equal(
            new[] { $"attachments/{attachmentId}.png", "manifest.json", "pages/Guide.md", "pages/Guide/Chapter_ one.md", "pages/Guide/chapter_ ONE (2).md" },
            entries.Keys.Order(StringComparer.Ordinal));
        Assert.Equal($"# Guide\n\nIntro\n\n![chart](../attachments/{attachmentId}.png)\n", Text(entries["pages/Guide.md"]));
        Assert.Equal("# Chapter: one\n\n- point\n", Text(entries["pages/Guide/Chapter_ one.md"]));
        Assert.Equal("# chapter: ONE\n\nsame title\n", Text(entries["pages/Guide/chapter_ ONE (2).md"]));
        Assert.Equal(Png, entries[$"attachments/{attachmentId}.png"]);
        Assert.DoesNotContain(entries.Values, e => Text(e).Contains("do not copy", StringComparison.Ordinal) || Text(e).Contains("nor this", StringComparison.Ordinal));

        using var manifest = JsonDocument.Parse(entries["manifest.json"]);
        var root = manifest.RootElement;
        Assert.Equal("spotter-space-export", root.GetProperty("format").GetString());
        Assert.Equal(space, root.GetProperty("spaceId").GetString());
        Assert.Equal(ownerName, root.GetProperty("exportedBy").GetString());
        var pages = root.GetProperty("pages").EnumerateArray().ToDictionary(p => p.GetProperty("id").GetString()!, p => p.GetProperty("path").GetString());
        Assert.Equal("pages/Guide.md", pages[guide]);
        Assert.Equal("pages/Guide/Chapter_ one.md", pages[chapter]);
        Assert.Equal(3, pages.Count);
        var attachment = root.GetProperty("attachments").EnumerateArray().Single();
        Assert.Equal(guide, attachment.GetProperty("pageId").GetString());
        Assert.Equal(Png.Length, attachment.GetProperty("bytes").GetInt64());
        Assert.Equal(new[] { secret, deep }.Order(StringComparer.Ordinal),
            root.GetProperty("excluded").EnumerateArray().Select(e => e.GetProperty("id").GetString()).Order(StringComparer.Ordinal));

        // Only managers: an editor of the whole space and a partner who sees a page are refused, a stranger sees nothing.
        Assert.Equal(HttpStatusCode.Forbidden, (await editor.GetAsync($"/api/spaces/{space}/export")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await partner.GetAsync($"/api/spaces/{space}/export")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await stranger.GetAsync($"/api/spaces/{space}/export")).StatusCode);

        // An administrator exports too, and each export is audited.
        var admin = await kit.AdminAsync();
        Assert.Equal(5, (await EntriesAsync(await admin.GetAsync($"/api/spaces/{space}/export"))).Count);
        var audit = await admin.GetFromJsonAsync<JsonElement>($"/api/admin/audit?action=content.export&target={space}");
        Assert.Equal(2, audit.GetArrayLength());
        Assert.Contains(audit.EnumerateArray(), e => e.GetProperty("actor").GetString() == ownerName
            && e.GetProperty("detail").GetString() == "space archive, 3 page(s), 1 attachment(s), 2 left out (no-export)");
    }
}
