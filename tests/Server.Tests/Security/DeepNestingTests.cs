using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using Spotter.Collab.Crdt;
using Spotter.Collab.Crdt.Protocols;
using Spotter.Collab.Grains.KnowledgeBase.Content;
using Spotter.Collab.Grains.Protocol;
using Spotter.Collab.Grains.Storage;
using Spotter.Collab.Server.Tests.Access;
using Spotter.Collab.Server.Tests.Infrastructure;

namespace Spotter.Collab.Server.Tests.Security;

public sealed class DeepNestingServerFixture : IAsyncLifetime, IDisposable
{
    private readonly TempDirectory _directory = new();

    public CollabTestServer Server { get; private set; } = null!;

    public async Task InitializeAsync() => Server = await CollabTestServer.StartAsync(_directory.Path, new Dictionary<string, string>
    {
        ["KnowledgeBase:VersionInterval"] = "00:00:01",
        ["KnowledgeBase:IndexDelay"] = "00:00:00.200",
    });

    public async Task DisposeAsync() => await Server.DisposeAsync();

    public void Dispose() => _directory.Dispose();
}

/// <summary>
/// A page nesting 60,000 blockquotes (a ~1.2 MB update) used to be acknowledged and then kill the process in search
/// indexing, HTML export or rendering. Now such an update is refused as malformed on every write path, and the same
/// content planted directly in the store (as if stored before the bound existed) is read, indexed, exported,
/// compared and restored with typed errors or bounded results, the server staying up throughout.
/// </summary>
public sealed class DeepNestingTests(DeepNestingServerFixture fixture) : IClassFixture<DeepNestingServerFixture>
{
    private const int Depth = 60_000;

    private CollabTestServer Server => fixture.Server;

    [Fact]
    public async Task A_60000_deep_update_through_the_hub_is_rejected_malformed_and_changes_nothing()
    {
        var (owner, _, editorToken, docId) = await SharedDocumentAsync();
        Assert.Equal(HttpStatusCode.NoContent, (await PostUpdateAsync(owner, docId, Paragraph("before"))).StatusCode);
        var before = await ReadXmlAsync(owner, docId);

        await using var editor = await Server.ConnectAsync(editorToken, messagePack: true);
        await editor.JoinAsync(docId);
        var deep = Blockquotes(Depth, "hub marker");
        Assert.True(deep.Length > 1_000_000, $"the update is {deep.Length} bytes");
        await editor.SendAsync(docId, Frames.Sync(SyncMessageType.Update, deep));
        await editor.SendAsync(docId, Frames.Sync(SyncMessageType.Update, BlockquotesWithOuterDeleted(Depth)));
        await Eventually.HoldsAsync(() => editor.Rejections.Count(r => r.DocId == docId && r.Code == "malformed") == 2, "both updates were rejected as malformed");
        Assert.Contains("nests deeper than 256", editor.Rejections.First().Detail, StringComparison.Ordinal);

        // A later edit reaches the search index, so the indexer has run past the refused frames: the process is
        // still there and nothing but that edit changed.
        var later = await IndexedEditAsync(owner, docId);
        var after = await ReadXmlAsync(owner, docId);
        Assert.Equal(before + "<paragraph>" + later + "</paragraph>", after);
        Assert.Equal(HttpStatusCode.OK, (await owner.GetAsync($"/api/docs/{docId}")).StatusCode);
        Assert.Equal(HubConnectionState.Connected, editor.State);
    }

    [Fact]
    public async Task A_60000_deep_update_through_POST_updates_is_rejected_malformed_and_changes_nothing()
    {
        var (owner, _, editorToken, docId) = await SharedDocumentAsync();
        Assert.Equal(HttpStatusCode.NoContent, (await PostUpdateAsync(owner, docId, Paragraph("before"))).StatusCode);
        var before = await ReadXmlAsync(owner, docId);
        using var editor = Server.Client(editorToken);

        foreach (var update in new[] { Blockquotes(Depth, "post marker"), BlockquotesWithOuterDeleted(Depth) })
        {
            var response = await PostUpdateAsync(editor, docId, update);
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Equal("urn:spotter-collab:problem:malformed", await CodeOfAsync(response));
        }
        // One level within the bound still goes through (the text of 254 blockquotes sits at depth 256).
        Assert.Equal(HttpStatusCode.NoContent, (await PostUpdateAsync(editor, docId, Blockquotes(254, "at the bound", clientId: 11))).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await PostUpdateAsync(editor, docId, Blockquotes(255, "beyond", clientId: 12))).StatusCode);

        var later = await IndexedEditAsync(owner, docId);
        var after = await ReadXmlAsync(owner, docId);
        Assert.StartsWith(before, after, StringComparison.Ordinal);
        Assert.EndsWith("<paragraph>" + later + "</paragraph>", after, StringComparison.Ordinal);
        Assert.Contains("at the bound", after, StringComparison.Ordinal);
        Assert.DoesNotContain("post marker", after, StringComparison.Ordinal);
        Assert.DoesNotContain("beyond", after, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Deep_content_planted_in_the_store_is_read_indexed_exported_compared_and_restored_without_taking_the_server_down()
    {
        var (owner, ownerToken, editorToken, docId) = await SharedDocumentAsync();
        var (viewerName, viewer) = await UserAsync("vie");
        await Server.ShareAsync(ownerToken, docId, viewerName, "viewer");
        using var editor = Server.Client(editorToken);

        // Written straight into the document's log, bypassing the grain: content stored before the bound. The grain
        // reads it on its next activation (a new page's first index pass may keep it active for a moment).
        var marker = "deepmarker" + Guid.NewGuid().ToString("N")[..8];
        var store = Server.Services.GetRequiredService<IDocumentStore>();
        await store.AppendAsync(docId, Blockquotes(Depth, marker));
        await store.AppendAsync(docId, Maps(Depth));
        var management = Server.Services.GetRequiredService<IGrainFactory>().GetGrain<IManagementGrain>(0);
        await Eventually.HoldsAsync(async () =>
        {
            await management.ForceActivationCollection(TimeSpan.Zero);
            return (await ReadXmlAsync(viewer, docId)).Length > 0;
        }, "the document grain loaded the planted content");

        // Rendering the XML root: the whole tree as a string (linear in the content, no recursion).
        var xml = await ReadXmlAsync(viewer, docId);
        Assert.StartsWith("<blockquote><blockquote>", xml, StringComparison.Ordinal);
        Assert.Contains("<paragraph>" + marker + "</paragraph>", xml, StringComparison.Ordinal);
        Assert.Equal(Depth, CountOf(xml, "<blockquote>"));
        // The map root nests too deeply for JSON: a typed refusal.
        var map = await viewer.GetAsync($"/api/docs/{docId}/roots/meta?type=map");
        Assert.Equal(HttpStatusCode.UnprocessableEntity, map.StatusCode);
        Assert.Equal("urn:spotter-collab:problem:too-deep", await CodeOfAsync(map));

        // Exports: bounded depth, the deep text kept (flattened below the depth cap).
        var html = await viewer.GetStringAsync($"/api/docs/{docId}/export?format=html");
        Assert.Contains(marker, html, StringComparison.Ordinal);
        Assert.Equal(RichNode.MaxDepth, CountOf(html, "<blockquote>"));
        var markdown = await viewer.GetStringAsync($"/api/docs/{docId}/export?format=md");
        Assert.Contains(marker, markdown, StringComparison.Ordinal);

        // An edit makes the page indexed and versioned: both walk the deep content.
        Assert.Equal(HttpStatusCode.NoContent, (await PostUpdateAsync(editor, docId, Paragraph("trigger", clientId: 21))).StatusCode);
        await Eventually.HoldsAsync(async () => (await JsonAsync(viewer, $"/api/search?q={marker}")).GetArrayLength() == 1, "the deep text was indexed");
        await Eventually.HoldsAsync(async () => (await JsonAsync(owner, $"/api/docs/{docId}/versions")).GetArrayLength() >= 1, "a version was taken");
        var versionId = (await JsonAsync(owner, $"/api/docs/{docId}/versions"))[0].GetProperty("id").GetInt64();
        // Version views are for editors (docs/permissions.md): the owner reads it.
        var version = await JsonAsync(owner, $"/api/docs/{docId}/versions/{versionId}");
        Assert.Contains(marker, version.GetProperty("html").GetString(), StringComparison.Ordinal);
        var compare = await JsonAsync(owner, $"/api/docs/{docId}/versions/compare?from={versionId}&to=current");
        Assert.True(compare.GetProperty("blocks").GetArrayLength() >= 1);

        // Restoring writes the bounded tree back, deleting (and collecting) the 60,000-deep chain.
        Assert.Equal(HttpStatusCode.NoContent, (await owner.PostAsync($"/api/docs/{docId}/versions/{versionId}/restore", null)).StatusCode);
        var restored = await ReadXmlAsync(viewer, docId);
        Assert.Contains(marker, restored, StringComparison.Ordinal);
        Assert.Equal(RichNode.MaxDepth, CountOf(restored, "<blockquote>"));

        // Still up, and the hub still serves the page.
        Assert.Equal(HttpStatusCode.OK, (await viewer.GetAsync($"/api/docs/{docId}")).StatusCode);
        await using var hub = await Server.ConnectAsync(editorToken, messagePack: true);
        Assert.Equal("editor", await hub.JoinAsync(docId));
    }

    [Fact]
    public async Task A_partner_viewer_and_an_anonymous_link_session_read_planted_deep_content_with_bounded_results()
    {
        // The reads the issue named as triggers after a restart: a partner's HTML export, a link holder's XML root.
        using var kit = new AccessKit(Server);
        var (_, ownerToken) = await kit.UserAsync("own");
        var org = await kit.CreatePartnerOrgAsync("Supplier" + Guid.NewGuid().ToString("N")[..6]);
        var (partnerName, partnerToken) = await kit.UserAsync("ptn", org);
        var space = await kit.SpaceAsync(ownerToken);
        var page = await kit.PageAsync(ownerToken, space);
        await kit.GrantAsync(ownerToken, page, $"user:{partnerName}", "view");
        var (_, link) = await kit.LinkAsync(ownerToken, page, "anyone", "view");
        using var partner = Server.Client(partnerToken);
        using var guest = Server.Client(await kit.RedeemAsync(link));

        var marker = "deepmarker" + Guid.NewGuid().ToString("N")[..8];
        await Server.Services.GetRequiredService<IDocumentStore>().AppendAsync(page, Blockquotes(Depth, marker));
        var management = Server.Services.GetRequiredService<IGrainFactory>().GetGrain<IManagementGrain>(0);
        await Eventually.HoldsAsync(async () =>
        {
            await management.ForceActivationCollection(TimeSpan.Zero);
            return (await ReadXmlAsync(guest, page)).Length > 0;
        }, "the page's grain loaded the planted content");

        Assert.Equal(Depth, CountOf(await ReadXmlAsync(guest, page), "<blockquote>"));
        foreach (var reader in new[] { partner, guest })
        {
            var html = await reader.GetStringAsync($"/api/docs/{page}/export?format=html");
            Assert.Contains(marker, html, StringComparison.Ordinal);
            Assert.Equal(RichNode.MaxDepth, CountOf(html, "<blockquote>"));
            Assert.Contains(marker, await reader.GetStringAsync($"/api/docs/{page}/export?format=md"), StringComparison.Ordinal);
        }
        Assert.Equal(HttpStatusCode.OK, (await partner.GetAsync($"/api/docs/{page}")).StatusCode);
    }

    [Fact]
    public async Task A_Markdown_import_nesting_1000_quotes_answers_400_malformed_and_changes_nothing()
    {
        var (owner, _, _, docId) = await SharedDocumentAsync();
        Assert.Equal(HttpStatusCode.NoContent, (await ImportAsync(owner, docId, "kept")).StatusCode);
        var before = await ReadXmlAsync(owner, docId);

        var response = await ImportAsync(owner, docId, new string('>', 1000) + " deep");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("urn:spotter-collab:problem:malformed", await CodeOfAsync(response));
        Assert.Equal(before, await ReadXmlAsync(owner, docId));

        // Nesting a real page uses is imported as usual.
        Assert.Equal(HttpStatusCode.NoContent, (await ImportAsync(owner, docId, "> > > - quoted list")).StatusCode);
        Assert.Contains("<blockquote><blockquote><blockquote><bulletlist>", await ReadXmlAsync(owner, docId), StringComparison.Ordinal);
    }

    // ---- helpers ----

    private async Task<(HttpClient Owner, string OwnerToken, string EditorToken, string DocId)> SharedDocumentAsync()
    {
        var ownerName = NewName("own");
        var ownerToken = await Server.CreateUserAsync(ownerName, "Owner");
        var editorName = NewName("edi");
        var editorToken = await Server.CreateUserAsync(editorName, "Editor");
        var docId = await Server.CreateDocumentAsync(ownerToken, "deep");
        await Server.ShareAsync(ownerToken, docId, editorName, "editor");
        return (Server.Client(ownerToken), ownerToken, editorToken, docId);
    }

    private async Task<(string Name, HttpClient Http)> UserAsync(string prefix)
    {
        var name = NewName(prefix);
        return (name, Server.Client(await Server.CreateUserAsync(name, "User")));
    }

    private static string NewName(string prefix) => $"{prefix}{Guid.NewGuid():N}"[..20];

    private static async Task<HttpResponseMessage> PostUpdateAsync(HttpClient http, string docId, byte[] update)
    {
        using var body = new ByteArrayContent(update);
        body.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        return await http.PostAsync($"/api/docs/{docId}/updates", body);
    }

    private static Task<HttpResponseMessage> ImportAsync(HttpClient http, string docId, string markdown) =>
        http.PostAsync($"/api/docs/{docId}/import", new StringContent(markdown, Encoding.UTF8, "text/markdown"));

    private static async Task<string> ReadXmlAsync(HttpClient http, string docId)
    {
        var response = await http.GetAsync($"/api/docs/{docId}/roots/default?type=xml");
        Assert.True(response.IsSuccessStatusCode, $"reading the xml root: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync(), new JsonDocumentOptions { MaxDepth = 8 });
        return json.RootElement.GetProperty("value").GetString()!;
    }

    private static async Task<JsonElement> JsonAsync(HttpClient http, string url)
    {
        var response = await http.GetAsync(url);
        Assert.True(response.IsSuccessStatusCode, $"GET {url}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return json.RootElement.Clone();
    }

    private static async Task<string> CodeOfAsync(HttpResponseMessage response)
    {
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return json.RootElement.GetProperty("type").GetString()!;
    }

    private static int CountOf(string text, string part)
    {
        var count = 0;
        for (var at = text.IndexOf(part, StringComparison.Ordinal); at >= 0; at = text.IndexOf(part, at + part.Length, StringComparison.Ordinal)) count++;
        return count;
    }

    /// <summary>A top-level paragraph, as a V1 update from a fresh client.</summary>
    /// <summary>Appends a paragraph with a fresh word (by a client id above the others, so it lands last) and waits
    /// until search finds it: the index has caught up with everything before it.</summary>
    private static async Task<string> IndexedEditAsync(HttpClient owner, string docId)
    {
        var word = $"later{Guid.NewGuid():N}";
        Assert.Equal(HttpStatusCode.NoContent, (await PostUpdateAsync(owner, docId, Paragraph(word, clientId: 20))).StatusCode);
        await Eventually.HoldsAsync(async () => (await JsonAsync(owner, $"/api/search?q={word}")).GetArrayLength() == 1, "the later edit was indexed");
        return word;
    }

    private static byte[] Paragraph(string text, ulong clientId = 10)
    {
        var doc = new Doc(new DocOptions { ClientId = clientId });
        var paragraph = new YXmlElement("paragraph");
        doc.GetXmlFragment("default").Insert(0, [paragraph]);
        paragraph.Insert(0, [new YXmlText(text)]);
        return doc.EncodeStateAsUpdate();
    }

    /// <summary>
    /// <paramref name="depth"/> nested blockquotes around a paragraph of <paramref name="text"/>, built with local
    /// edits (the bound applies to received updates only) in one transaction.
    /// </summary>
    private static Doc BlockquoteDoc(int depth, string text, ulong clientId, bool gc)
    {
        var doc = new Doc(new DocOptions { ClientId = clientId, Gc = gc });
        var fragment = doc.GetXmlFragment("default");
        doc.Transact(_ =>
        {
            YXmlFragment parent = fragment;
            for (var i = 0; i < depth; i++)
            {
                var quote = new YXmlElement("blockquote");
                parent.Insert(0, [quote]);
                parent = quote;
            }
            var paragraph = new YXmlElement("paragraph");
            parent.Insert(0, [paragraph]);
            paragraph.Insert(0, [new YXmlText(text)]);
        });
        return doc;
    }

    private static byte[] Blockquotes(int depth, string text, ulong clientId = 5) => BlockquoteDoc(depth, text, clientId, gc: true).EncodeStateAsUpdate();

    /// <summary>The same chain plus a delete-set entry for its outermost blockquote.</summary>
    private static byte[] BlockquotesWithOuterDeleted(int depth)
    {
        var doc = BlockquoteDoc(depth, "deleted", 6, gc: false);
        doc.GetXmlFragment("default").Delete(0, 1);
        return doc.EncodeStateAsUpdate();
    }

    /// <summary>Maps nested <paramref name="depth"/> deep in the map root "meta".</summary>
    private static byte[] Maps(int depth)
    {
        var doc = new Doc(new DocOptions { ClientId = 7 });
        doc.Transact(_ =>
        {
            var parent = doc.GetMap("meta");
            for (var i = 0; i < depth; i++)
            {
                var child = new YMap();
                parent.Set("m", child);
                parent = child;
            }
            parent.Set("leaf", "deep");
        });
        return doc.EncodeStateAsUpdate();
    }
}
