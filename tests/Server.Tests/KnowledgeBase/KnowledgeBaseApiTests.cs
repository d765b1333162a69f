using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.SignalR.Client;
using Spotter.Collab.Crdt;
using Spotter.Collab.Grains.Protocol;
using Spotter.Collab.Server.Tests.Access;
using Spotter.Collab.Server.Tests.Auth;
using Spotter.Collab.Server.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Spotter.Collab.Server.Tests.KnowledgeBase;

public sealed class KnowledgeBaseServerFixture : IAsyncLifetime, IDisposable
{
    private readonly TempDirectory _directory = new();

    public CollabTestServer Server { get; private set; } = null!;

    public async Task InitializeAsync() => Server = await CollabTestServer.StartAsync(_directory.Path, new Dictionary<string, string>
    {
        ["KnowledgeBase:VersionInterval"] = "00:00:01",
        ["KnowledgeBase:IndexDelay"] = "00:00:00.200",
        ["KnowledgeBase:MaxAttachmentBytes"] = "4096",
    });

    public async Task DisposeAsync() => await Server.DisposeAsync();

    public void Dispose() => _directory.Dispose();
}

public sealed class KnowledgeBaseApiTests(KnowledgeBaseServerFixture fixture, ITestOutputHelper output) : IClassFixture<KnowledgeBaseServerFixture>
{
    private static readonly byte[] Png = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52, 1, 2, 3];

    private CollabTestServer Server => fixture.Server;

    private static string NewName(string prefix) => $"{prefix}{Guid.NewGuid():N}"[..20];

    private async Task<(string Name, HttpClient Http, string Token)> UserAsync(string prefix)
    {
        var name = NewName(prefix);
        var token = await Server.CreateUserAsync(name, prefix.ToUpperInvariant() + " user");
        return (name, Server.Client(token), token);
    }

    private static async Task<string> CodeOf(HttpResponseMessage response)
    {
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return json.RootElement.GetProperty("type").GetString()!;
    }

    private static Task<HttpResponseMessage> ImportAsync(HttpClient http, string docId, string markdown, string? mode = null) =>
        http.PostAsync($"/api/docs/{docId}/import{(mode is null ? "" : "?mode=" + mode)}", new StringContent(markdown, Encoding.UTF8, "text/markdown"));

    private static async Task<JsonElement> JsonAsync(HttpClient http, string url)
    {
        var response = await http.GetAsync(url);
        Assert.True(response.IsSuccessStatusCode, $"GET {url}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return json.RootElement.Clone();
    }

    [Fact]
    public async Task Import_and_export_round_trip_and_respect_roles()
    {
        var (_, owner, ownerToken) = await UserAsync("own");
        var (viewerName, viewer, _) = await UserAsync("vie");
        var (_, stranger, _) = await UserAsync("str");
        var docId = await Server.CreateDocumentAsync(ownerToken, "Handbook");
        await Server.ShareAsync(ownerToken, docId, viewerName, "viewer");

        Assert.Equal(HttpStatusCode.NoContent, (await ImportAsync(owner, docId, ContentConversionTests.Sample)).StatusCode);
        var markdown = await viewer.GetStringAsync($"/api/docs/{docId}/export?format=md");
        Assert.Equal("# Handbook\n\n" + ContentConversionTests.Sample.ReplaceLineEndings("\n"), markdown);
        var html = await viewer.GetAsync($"/api/docs/{docId}/export?format=html");
        Assert.Equal("text/html", html.Content.Headers.ContentType?.MediaType);
        var body = await html.Content.ReadAsStringAsync();
        Assert.Contains("<section><h1>Handbook</h1><h1>Release notes</h1>", body, StringComparison.Ordinal);
        Assert.Contains("<td><p><strong>2</strong></p></td>", body, StringComparison.Ordinal);

        // The editor (y-prosemirror) reads the same content: the fragment the browser binds to holds it.
        var xml = (await Server.ReadRootAsync(ownerToken, docId, "default", "xml")).GetString()!;
        Assert.StartsWith("<heading level=\"1\">Release notes</heading><paragraph>Plain <bold>bold</bold>", xml, StringComparison.Ordinal);

        Assert.Equal(HttpStatusCode.NoContent, (await ImportAsync(owner, docId, "appended *text*\n", "append")).StatusCode);
        Assert.EndsWith("\n\nappended *text*\n", await owner.GetStringAsync($"/api/docs/{docId}/export?format=md"), StringComparison.Ordinal);

        var denied = await ImportAsync(viewer, docId, "# mine\n");
        Assert.Equal(HttpStatusCode.Forbidden, denied.StatusCode);
        Assert.Equal("urn:spotter-collab:problem:read-only", await CodeOf(denied));
        Assert.Equal(HttpStatusCode.NotFound, (await ImportAsync(stranger, docId, "# mine\n")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await stranger.GetAsync($"/api/docs/{docId}/export?format=md")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await owner.GetAsync($"/api/docs/{docId}/export?format=pdf")).StatusCode);
    }

    [Fact]
    public async Task Versions_are_listed_viewed_compared_and_restored_live_for_everyone()
    {
        var (ownerName, owner, ownerToken) = await UserAsync("own");
        var (editorName, editor, editorToken) = await UserAsync("edt");
        var docId = await Server.CreateDocumentAsync(ownerToken, "History");
        await Server.ShareAsync(ownerToken, docId, editorName, "editor");

        await ImportAsync(owner, docId, "# Plan\n\nfirst draft\n");
        await ImportAsync(editor, docId, "# Plan\n\nsecond draft\n\nmore\n");
        var versions = await JsonAsync(owner, $"/api/docs/{docId}/versions");
        var reasons = versions.EnumerateArray().Select(v => v.GetProperty("reason").GetString()).ToList();
        // Newest first; each import is a version of its own (nothing changed in between, so no "before-import").
        Assert.Equal(["import", "import"], reasons);
        var ids = versions.EnumerateArray().Select(v => v.GetProperty("id").GetInt64()).ToList();
        Assert.True(ids[0] > ids[1]);
        var authors = versions[0].GetProperty("authors");
        Assert.Equal(editorName, authors[0].GetProperty("username").GetString());
        Assert.Equal("EDT user", authors[0].GetProperty("displayName").GetString());
        Assert.Equal(ownerName, versions[1].GetProperty("authors")[0].GetProperty("username").GetString());

        var first = await JsonAsync(editor, $"/api/docs/{docId}/versions/{ids[1]}");
        Assert.Equal("<h1>Plan</h1><p>first draft</p>", first.GetProperty("html").GetString());
        Assert.Equal("# Plan\n\nfirst draft\n", first.GetProperty("markdown").GetString());

        var compare = await JsonAsync(owner, $"/api/docs/{docId}/versions/compare?from={ids[1]}&to=current");
        Assert.Equal(
            ["same:<h1>Plan</h1>", "added:<p>second draft</p>", "added:<p>more</p>", "removed:<p>first draft</p>"],
            compare.GetProperty("blocks").EnumerateArray().Select(b => b.GetProperty("op").GetString() + ":" + b.GetProperty("html").GetString()));

        // A third user watches live while the owner restores the first draft.
        await using var watcher = await Server.ConnectAsync(editorToken, messagePack: true);
        var watched = new SyncedDoc();
        watcher.Attach(docId, watched);
        await watcher.JoinAsync(docId);
        await watcher.SendAsync(docId, watched.Step1());
        await Eventually.HoldsAsync(() => watched.Doc.GetXmlFragment("default").ToString().Contains("second draft", StringComparison.Ordinal), "the watcher synced");

        var restore = await owner.PostAsync($"/api/docs/{docId}/versions/{ids[1]}/restore", null);
        Assert.Equal(HttpStatusCode.NoContent, restore.StatusCode);
        // Durable and applied before the call returned.
        Assert.Equal("# History\n\n# Plan\n\nfirst draft\n", await owner.GetStringAsync($"/api/docs/{docId}/export?format=md"));
        await Eventually.HoldsAsync(() => watched.Doc.GetXmlFragment("default").ToString() == "<heading level=\"1\">Plan</heading><paragraph>first draft</paragraph>",
            "the restore reached the live editor");
        var after = await JsonAsync(owner, $"/api/docs/{docId}/versions");
        Assert.Equal("restore", after[0].GetProperty("reason").GetString());
        // Nothing was lost: the replaced draft is still a version.
        var second = await JsonAsync(owner, $"/api/docs/{docId}/versions/{ids[0]}");
        Assert.Contains("second draft", second.GetProperty("markdown").GetString(), StringComparison.Ordinal);

        var (_, stranger, _) = await UserAsync("str");
        Assert.Equal(HttpStatusCode.NotFound, (await stranger.GetAsync($"/api/docs/{docId}/versions")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await stranger.PostAsync($"/api/docs/{docId}/versions/{ids[1]}/restore", null)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await owner.GetAsync($"/api/docs/{docId}/versions/999999999")).StatusCode);
    }

    [Fact]
    public async Task Editing_produces_versions_by_activity_and_when_the_last_editor_leaves()
    {
        var (ownerName, owner, ownerToken) = await UserAsync("own");
        var docId = await Server.CreateDocumentAsync(ownerToken, "Live");
        await using var client = await Server.ConnectAsync(ownerToken, messagePack: true);
        var doc = new SyncedDoc();
        client.Attach(docId, doc);
        await client.JoinAsync(docId);
        await client.SendAsync(docId, doc.Edit(d =>
        {
            var paragraph = new YXmlElement("paragraph");
            paragraph.Insert(0, [new YXmlText("typed live")]);
            d.GetXmlFragment("default").Insert(0, [paragraph]);
        })!);
        // VersionInterval is 1 s in this fixture.
        await Eventually.HoldsAsync(async () => (await JsonAsync(owner, $"/api/docs/{docId}/versions")).GetArrayLength() == 1, "an activity version was taken");
        var version = (await JsonAsync(owner, $"/api/docs/{docId}/versions"))[0];
        Assert.Equal("activity", version.GetProperty("reason").GetString());
        Assert.Equal(ownerName, version.GetProperty("authors")[0].GetProperty("username").GetString());

        await client.SendAsync(docId, doc.Edit(d => ((YXmlText)((YXmlElement)d.GetXmlFragment("default").Get(0)).Get(0)).Insert(0, "more "))!);
        await client.LeaveAsync(docId);
        var list = await JsonAsync(owner, $"/api/docs/{docId}/versions");
        Assert.Equal("last-editor-left", list[0].GetProperty("reason").GetString());
        Assert.Equal("<p>more typed live</p>", (await JsonAsync(owner, $"/api/docs/{docId}/versions/{list[0].GetProperty("id").GetInt64()}")).GetProperty("html").GetString());
    }

    [Fact]
    public async Task Search_finds_chinese_and_english_text_within_seconds_and_only_readable_pages()
    {
        var (_, owner, ownerToken) = await UserAsync("own");
        var (readerName, reader, _) = await UserAsync("rdr");
        var marker = Guid.NewGuid().ToString("N")[..8];
        var shared = await Server.CreateDocumentAsync(ownerToken, "采购流程 " + marker);
        var secret = await Server.CreateDocumentAsync(ownerToken, "保密合同 " + marker);
        await Server.ShareAsync(ownerToken, shared, readerName, "viewer");

        var watch = Stopwatch.StartNew();
        await ImportAsync(owner, shared, $"我们的供应商名单每季度更新一次。 Supplier onboarding {marker}\n");
        await ImportAsync(owner, secret, $"这个供应商的价格是保密的。 Secret pricing {marker}\n");
        // The titles hold the marker since creation; wait for the bodies.
        await Eventually.HoldsAsync(async () => (await JsonAsync(owner, "/api/search?q=" + Uri.EscapeDataString("供应商 " + marker))).GetArrayLength() == 2,
            "both pages are indexed", TimeSpan.FromSeconds(5));
        output.WriteLine($"edit → searchable: {watch.ElapsedMilliseconds} ms");

        var hits = await JsonAsync(reader, "/api/search?q=" + Uri.EscapeDataString("供应商 " + marker));
        Assert.Equal(1, hits.GetArrayLength());
        Assert.Equal(shared, hits[0].GetProperty("id").GetString());
        Assert.Equal("采购流程 " + marker, hits[0].GetProperty("title").GetString());
        Assert.Contains("<mark>供应商</mark>", hits[0].GetProperty("snippet").GetString(), StringComparison.Ordinal);
        Assert.Equal(2, (await JsonAsync(owner, "/api/search?q=" + Uri.EscapeDataString("供应商 " + marker))).GetArrayLength());

        // English words match by stem, case-insensitively.
        var english = await JsonAsync(reader, $"/api/search?q=suppliers%20{marker}");
        Assert.Equal(shared, english[0].GetProperty("id").GetString());
        Assert.Contains("<mark>Supplier</mark>", english[0].GetProperty("snippet").GetString(), StringComparison.Ordinal);

        // Admins preview what someone else would find; others may not.
        using var admin = Server.Client(await Server.LoginAsync("admin", CollabTestServer.AdminPassword));
        var asReader = await JsonAsync(admin, $"/api/search?q={marker}&as={readerName}");
        Assert.Equal([shared], asReader.EnumerateArray().Select(h => h.GetProperty("id").GetString()));
        Assert.Equal(HttpStatusCode.Forbidden, (await reader.GetAsync($"/api/search?q={marker}&as=admin")).StatusCode);

        // Query syntax is taken literally and never errors; the snippet is escaped HTML.
        Assert.Equal(HttpStatusCode.OK, (await reader.GetAsync("/api/search?q=" + Uri.EscapeDataString("\"unbalanced (AND* ~"))).StatusCode);
        watch.Restart();
        await ImportAsync(owner, shared, $"<b>供应商</b> {marker}\n");
        await Eventually.HoldsAsync(async () =>
            // Not "&lt;b&gt;" whole: a marker with a lone "b" token (hex "35b5…") marks the b of the tag too.
            (await JsonAsync(reader, $"/api/search?q={marker}")).EnumerateArray().Select(h => h.GetProperty("snippet").GetString()!)
                .Any(snippet => snippet.Contains("&gt;供应商&lt;/", StringComparison.Ordinal) && !snippet.Contains("<b>", StringComparison.Ordinal)),
            "the re-import is indexed with escaped markup", TimeSpan.FromSeconds(5));
        output.WriteLine($"warm index, edit → searchable: {watch.ElapsedMilliseconds} ms");
    }

    [Fact]
    public async Task The_document_description_tells_the_attachment_limit_the_upload_enforces()
    {
        var (viewerName, _, viewerToken) = await UserAsync("vie");
        var (_, owner, ownerToken) = await UserAsync("own");
        var docId = await Server.CreateDocumentAsync(ownerToken, "Limits");
        await Server.ShareAsync(ownerToken, docId, viewerName, "viewer");

        // The fixture sets KnowledgeBase:MaxAttachmentBytes to 4096: every reader is told that number.
        Assert.Equal(4096, (await JsonAsync(owner, $"/api/docs/{docId}")).GetProperty("maxAttachmentBytes").GetInt64());
        Assert.Equal(4096, (await JsonAsync(Server.Client(viewerToken), $"/api/docs/{docId}")).GetProperty("maxAttachmentBytes").GetInt64());
        byte[] atLimit = [.. Png, .. new byte[4096 - Png.Length]];
        Assert.Equal(HttpStatusCode.Created, (await owner.PostAsync($"/api/docs/{docId}/attachments", new ByteArrayContent(atLimit) { Headers = { ContentType = new MediaTypeHeaderValue("image/png") } })).StatusCode);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, (await owner.PostAsync($"/api/docs/{docId}/attachments", new ByteArrayContent([.. atLimit, 0]) { Headers = { ContentType = new MediaTypeHeaderValue("image/png") } })).StatusCode);
    }

    [Fact]
    public async Task Attachments_check_type_and_size_and_follow_the_page_permissions()
    {
        var (_, owner, ownerToken) = await UserAsync("own");
        var (viewerName, viewer, _) = await UserAsync("vie");
        var (_, stranger, _) = await UserAsync("str");
        var docId = await Server.CreateDocumentAsync(ownerToken, "Pictures");
        await Server.ShareAsync(ownerToken, docId, viewerName, "viewer");

        static ByteArrayContent Body(byte[] bytes, string type)
        {
            var content = new ByteArrayContent(bytes);
            content.Headers.ContentType = new MediaTypeHeaderValue(type);
            return content;
        }

        var upload = await owner.PostAsync($"/api/docs/{docId}/attachments", Body(Png, "image/png"));
        Assert.Equal(HttpStatusCode.Created, upload.StatusCode);
        using var created = JsonDocument.Parse(await upload.Content.ReadAsStringAsync());
        var url = created.RootElement.GetProperty("url").GetString()!;

        var download = await viewer.GetAsync(url);
        Assert.Equal(HttpStatusCode.OK, download.StatusCode);
        Assert.Equal("image/png", download.Content.Headers.ContentType?.MediaType);
        Assert.Equal("nosniff", download.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Contains("private", download.Headers.CacheControl!.ToString(), StringComparison.Ordinal);
        Assert.Equal(Png, await download.Content.ReadAsByteArrayAsync());
        Assert.Equal(HttpStatusCode.NotFound, (await stranger.GetAsync(url)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await viewer.GetAsync($"/api/attachments/{Guid.NewGuid():N}")).StatusCode);

        var html = await owner.PostAsync($"/api/docs/{docId}/attachments", Body("<svg onload=alert(1)>"u8.ToArray(), "image/png"));
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, html.StatusCode);
        Assert.Equal("urn:spotter-collab:problem:unsupported-type", await CodeOf(html));
        // Real GIF bytes declared as PNG: refused too.
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, (await owner.PostAsync($"/api/docs/{docId}/attachments", Body("GIF89a...."u8.ToArray(), "image/png"))).StatusCode);
        var big = await owner.PostAsync($"/api/docs/{docId}/attachments", Body([.. Png, .. new byte[5000]], "image/png"));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, big.StatusCode);
        Assert.Equal("urn:spotter-collab:problem:too-large", await CodeOf(big));
        Assert.Equal(HttpStatusCode.Forbidden, (await viewer.PostAsync($"/api/docs/{docId}/attachments", Body(Png, "image/png"))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await stranger.PostAsync($"/api/docs/{docId}/attachments", Body(Png, "image/png"))).StatusCode);

        // An HTML export is a whole file: the page's image comes embedded (its URL needs a signed-in session), an
        // image of a document the exporter cannot read stays a link, and the Markdown export keeps the app's links.
        var (_, _, strangerToken) = await UserAsync("oth");
        var otherDoc = await Server.CreateDocumentAsync(strangerToken, "Elsewhere");
        using var otherUpload = JsonDocument.Parse(await (await Server.Client(strangerToken).PostAsync($"/api/docs/{otherDoc}/attachments", Body(Png, "image/png"))).Content.ReadAsStringAsync());
        var foreignUrl = otherUpload.RootElement.GetProperty("url").GetString()!;
        await ImportAsync(owner, docId, $"![chart]({url})\n\n![theirs]({foreignUrl})\n");
        var exported = await viewer.GetStringAsync($"/api/docs/{docId}/export?format=html");
        Assert.Contains($"<img src=\"data:image/png;base64,{Convert.ToBase64String(Png)}\" alt=\"chart\">", exported, StringComparison.Ordinal);
        Assert.Contains($"<img src=\"{foreignUrl}\" alt=\"theirs\">", exported, StringComparison.Ordinal);
        Assert.Contains($"![chart]({url})", await viewer.GetStringAsync($"/api/docs/{docId}/export?format=md"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Comments_are_anchored_threaded_resolved_and_announced_to_open_editors()
    {
        var (_, owner, ownerToken) = await UserAsync("own");
        var (commenterName, commenter, _) = await UserAsync("com");
        var (viewerName, viewer, _) = await UserAsync("vie");
        var docId = await Server.CreateDocumentAsync(ownerToken, "Review");
        await Server.ShareAsync(ownerToken, docId, commenterName, "commenter");
        await Server.ShareAsync(ownerToken, docId, viewerName, "viewer");
        await ImportAsync(owner, docId, "Please review this sentence.\n");

        // The owner has the document open and hears about comment changes.
        var changes = new ConcurrentQueue<string>();
        await using var hub = new HubConnectionBuilder()
            .WithUrl(new Uri(Server.BaseAddress, "/hubs/collab"), o => o.AccessTokenProvider = () => Task.FromResult<string?>(ownerToken))
            .Build();
        hub.On<string>("CommentsChanged", id => changes.Enqueue(id));
        var notices = new ConcurrentQueue<(string Id, string Kind, string Payload)>();
        hub.On<string, string, string>("Notice", (id, kind, payload) => notices.Enqueue((id, kind, payload)));
        hub.On<string, byte[]>("Receive", (_, _) => { });
        await hub.StartAsync();
        await hub.InvokeAsync<Dictionary<string, string>>("JoinDocument", docId);

        var doc = new Doc();
        doc.ApplyUpdate(Convert.FromBase64String(await StateAsync(owner, docId)));
        var text = (YXmlText)((YXmlElement)doc.GetXmlFragment("default").Get(0)).Get(0);
        var start = Convert.ToBase64String(RelativePosition.FromTypeIndex(text, 7).Encode());
        var end = Convert.ToBase64String(RelativePosition.FromTypeIndex(text, 11).Encode());

        var add = await commenter.PostAsJsonAsync($"/api/docs/{docId}/comments", new { anchor = new { start, end }, quote = "review", text = "Which part?" });
        Assert.Equal(HttpStatusCode.Created, add.StatusCode);
        using var thread = JsonDocument.Parse(await add.Content.ReadAsStringAsync());
        var threadId = thread.RootElement.GetProperty("id").GetString()!;
        await Eventually.HoldsAsync(() => notices.Contains((docId, "comments", "")), "the comments notice reached the open editor");
        await Eventually.HoldsAsync(() => changes.Contains(docId), "CommentsChanged (for older clients) reached the open editor");

        Assert.Equal(HttpStatusCode.OK, (await owner.PostAsJsonAsync($"/api/docs/{docId}/comments/{threadId}/replies", new { text = "The second one." })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await commenter.PostAsync($"/api/docs/{docId}/comments/{threadId}/resolve", null)).StatusCode);

        // A resolved thread is history: the owner sees it, a viewer does not.
        Assert.Equal(0, (await JsonAsync(viewer, $"/api/docs/{docId}/comments")).GetArrayLength());
        var threads = await JsonAsync(owner, $"/api/docs/{docId}/comments");
        var only = threads.EnumerateArray().Single();
        Assert.Equal("review", only.GetProperty("quote").GetString());
        Assert.Equal(start, only.GetProperty("anchor").GetProperty("start").GetString());
        Assert.True(only.GetProperty("resolved").GetBoolean());
        Assert.Equal("COM user", only.GetProperty("resolvedByName").GetString());
        Assert.Equal(only.GetProperty("comments")[0].GetProperty("author").GetString(), only.GetProperty("resolvedBy").GetString());
        Assert.Equal(["Which part?", "The second one."], only.GetProperty("comments").EnumerateArray().Select(c => c.GetProperty("text").GetString()));
        Assert.Equal("COM user", only.GetProperty("comments")[0].GetProperty("authorName").GetString());

        // The anchor still resolves in the engine after a concurrent edit before it.
        text.Insert(0, "Now: ");
        var moved = RelativePosition.Decode(Convert.FromBase64String(start)).ToAbsolute(doc);
        Assert.Equal(12, moved!.Index);

        var viewerAdd = await viewer.PostAsJsonAsync($"/api/docs/{docId}/comments", new { anchor = new { start, end }, quote = "x", text = "hi" });
        Assert.Equal(HttpStatusCode.Forbidden, viewerAdd.StatusCode);
        foreach (var bad in new[] { "not base64!", Convert.ToBase64String([0xFF, 0xFF]), Convert.ToBase64String([0, 1, 2, 3, 4]) })
        {
            var badAnchor = await commenter.PostAsJsonAsync($"/api/docs/{docId}/comments", new { anchor = new { start = bad, end }, quote = "x", text = "hi" });
            Assert.Equal(HttpStatusCode.BadRequest, badAnchor.StatusCode);
        }
        Assert.Equal(HttpStatusCode.NotFound, (await commenter.PostAsJsonAsync($"/api/docs/{docId}/comments/nope/replies", new { text = "?" })).StatusCode);
        var (_, stranger, _) = await UserAsync("str");
        Assert.Equal(HttpStatusCode.NotFound, (await stranger.GetAsync($"/api/docs/{docId}/comments")).StatusCode);
    }

    [Fact]
    public async Task Chinese_search_in_a_space_hides_a_restricted_page_from_readers_without_a_grant()
    {
        using var kit = new AccessKit(Server);
        var (_, ownerToken) = await kit.UserAsync("own");
        var (readerName, readerToken) = await kit.UserAsync("rdr");
        using var owner = Server.Client(ownerToken);
        using var reader = Server.Client(readerToken);
        var marker = Guid.NewGuid().ToString("N")[..8];
        var space = await kit.SpaceAsync(ownerToken, "采购");
        await kit.GrantAsync(ownerToken, space, "user:" + readerName, "view");
        var open = await kit.PageAsync(ownerToken, space, title: "供应商名单");
        var restricted = await kit.PageAsync(ownerToken, space, title: "供应商合同");
        (await owner.PatchAsJsonAsync($"/api/resources/{restricted}/settings", new { restricted = true })).EnsureSuccessStatusCode();
        await ImportAsync(owner, open, $"合格供应商的名单 {marker}\n");
        await ImportAsync(owner, restricted, $"供应商合同的价格条款 {marker}\n");

        var query = "/api/search?q=" + Uri.EscapeDataString("供应商 " + marker);
        await Eventually.HoldsAsync(async () => (await JsonAsync(owner, query)).GetArrayLength() == 2, "both pages are indexed", TimeSpan.FromSeconds(5));
        var hits = await JsonAsync(reader, query);
        Assert.Equal([open], hits.EnumerateArray().Select(h => h.GetProperty("id").GetString()));
        Assert.Equal(space, hits[0].GetProperty("spaceId").GetString());
        Assert.Equal("供应商名单", hits[0].GetProperty("title").GetString());
        Assert.Contains("<mark>供应商</mark>", hits[0].GetProperty("snippet").GetString(), StringComparison.Ordinal);
        var preview = await JsonAsync(await kit.AdminAsync(), query + "&as=" + readerName);
        Assert.Equal([open], preview.EnumerateArray().Select(h => h.GetProperty("id").GetString()));

        // A rename shows at once in results (titles come from the live tree).
        (await owner.PatchAsJsonAsync($"/api/pages/{open}", new { title = "合格供应商" })).EnsureSuccessStatusCode();
        Assert.Equal("合格供应商", (await JsonAsync(reader, query))[0].GetProperty("title").GetString());
    }

    [Fact]
    public async Task Title_search_finds_a_renamed_page_by_its_new_title_at_once_and_trashed_pages_are_not_found()
    {
        using var kit = new AccessKit(Server);
        var (_, ownerToken) = await kit.UserAsync("own");
        using var owner = Server.Client(ownerToken);
        var marker = Guid.NewGuid().ToString("N")[..8];
        var oldTitle = $"Quarterly{marker}";
        var newTitle = $"Annual{marker}";
        var space = await kit.SpaceAsync(ownerToken);
        var page = await kit.PageAsync(ownerToken, space, title: oldTitle);
        await ImportAsync(owner, page, "Body text without the title words\n");
        await Eventually.HoldsAsync(async () => (await JsonAsync(owner, $"/api/search?q={oldTitle}")).GetArrayLength() == 1, "indexed under its first title", TimeSpan.FromSeconds(5));

        (await owner.PatchAsJsonAsync($"/api/pages/{page}", new { title = newTitle })).EnsureSuccessStatusCode();
        Assert.Equal([page], (await JsonAsync(owner, $"/api/search?q={newTitle}")).EnumerateArray().Select(h => h.GetProperty("id").GetString()));
        Assert.Equal(0, (await JsonAsync(owner, $"/api/search?q={oldTitle}")).GetArrayLength());

        // A later edit re-indexes the body and keeps the new title (the document grain only knows the first one).
        await ImportAsync(owner, page, $"Edited body {marker}x\n");
        await Eventually.HoldsAsync(async () => (await JsonAsync(owner, $"/api/search?q={marker}x")).GetArrayLength() == 1, "the edit is indexed", TimeSpan.FromSeconds(5));
        Assert.Equal(1, (await JsonAsync(owner, $"/api/search?q={newTitle}")).GetArrayLength());
        Assert.Equal(0, (await JsonAsync(owner, $"/api/search?q={oldTitle}")).GetArrayLength());

        // Renamed before it was ever indexed: the new title is what the first indexing uses.
        var fresh = await kit.PageAsync(ownerToken, space, title: $"Draft{marker}");
        (await owner.PatchAsJsonAsync($"/api/pages/{fresh}", new { title = $"Final{marker}" })).EnsureSuccessStatusCode();
        await ImportAsync(owner, fresh, $"Fresh body {marker}y\n");
        await Eventually.HoldsAsync(async () => (await JsonAsync(owner, $"/api/search?q={marker}y")).GetArrayLength() == 1, "the fresh page is indexed", TimeSpan.FromSeconds(5));
        Assert.Equal([fresh], (await JsonAsync(owner, $"/api/search?q=Final{marker}")).EnumerateArray().Select(h => h.GetProperty("id").GetString()));
        Assert.Equal(0, (await JsonAsync(owner, $"/api/search?q=Draft{marker}")).GetArrayLength());

        // In the trash a page is not found, not even by the space's manager who can still open it; restored, it is.
        (await owner.PostAsync($"/api/pages/{page}/trash", null)).EnsureSuccessStatusCode();
        Assert.Equal(HttpStatusCode.OK, (await owner.GetAsync($"/api/docs/{page}")).StatusCode);
        Assert.Equal(0, (await JsonAsync(owner, $"/api/search?q={newTitle}")).GetArrayLength());
        (await owner.PostAsync($"/api/pages/{page}/restore", null)).EnsureSuccessStatusCode();
        Assert.Equal(1, (await JsonAsync(owner, $"/api/search?q={newTitle}")).GetArrayLength());
    }

    [Fact]
    public async Task Export_of_a_subtree_includes_visible_sub_pages_and_no_export_refuses_with_an_audit_entry()
    {
        using var kit = new AccessKit(Server);
        var (ownerName, ownerToken) = await kit.UserAsync("own");
        using var owner = Server.Client(ownerToken);
        var space = await kit.SpaceAsync(ownerToken, "Docs");
        var guide = await kit.PageAsync(ownerToken, space, title: "Guide");
        var chapter = await kit.PageAsync(ownerToken, space, guide, "Chapter");
        var deep = await kit.PageAsync(ownerToken, space, chapter, "Deep");
        await ImportAsync(owner, guide, "Intro text.\n");
        await ImportAsync(owner, chapter, "- point\n");
        await ImportAsync(owner, deep, "**deep** text\n");

        Assert.Equal("# Guide\n\nIntro text.\n\n## Chapter\n\n- point\n\n### Deep\n\n**deep** text\n",
            await owner.GetStringAsync($"/api/docs/{guide}/export?format=md&subtree=true"));
        var html = await owner.GetStringAsync($"/api/docs/{guide}/export?format=html&subtree=true");
        Assert.Contains("<section><h2>Chapter</h2><ul><li><p>point</p></li></ul></section><section><h3>Deep</h3>", html, StringComparison.Ordinal);

        (await owner.PatchAsJsonAsync($"/api/resources/{chapter}/settings", new { noExport = true })).EnsureSuccessStatusCode();
        var settings = await JsonAsync(owner, $"/api/resources/{chapter}/settings");
        Assert.True(settings.GetProperty("noExport").GetBoolean());
        Assert.False(settings.GetProperty("restricted").GetBoolean());
        var inherited = await JsonAsync(owner, $"/api/resources/{deep}/settings");
        Assert.False(inherited.GetProperty("noExport").GetBoolean());
        Assert.True(inherited.GetProperty("effectiveNoExport").GetBoolean());
        var refused = await owner.GetAsync($"/api/docs/{guide}/export?format=md&subtree=true");
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Equal("urn:spotter-collab:problem:no-export", await CodeOf(refused));
        // The flag covers the page and what is below it, not its parent alone.
        Assert.Equal(HttpStatusCode.Forbidden, (await owner.GetAsync($"/api/docs/{deep}/export?format=html")).StatusCode);
        Assert.Equal("# Guide\n\nIntro text.\n", await owner.GetStringAsync($"/api/docs/{guide}/export?format=md"));
        // The raw content endpoint is a copy too: refused under the flag, allowed above it.
        var rawRefused = await owner.GetAsync($"/api/docs/{deep}/roots/default?type=xml");
        Assert.Equal(HttpStatusCode.Forbidden, rawRefused.StatusCode);
        Assert.Equal("urn:spotter-collab:problem:no-export", await CodeOf(rawRefused));
        Assert.Equal(HttpStatusCode.OK, (await owner.GetAsync($"/api/docs/{guide}/roots/default?type=xml")).StatusCode);
        // A version of a no-export page can be read in the history view (HTML), but its Markdown source is withheld.
        var deepVersion = (await JsonAsync(owner, $"/api/docs/{deep}/versions"))[0].GetProperty("id").GetInt64();
        var viewed = await JsonAsync(owner, $"/api/docs/{deep}/versions/{deepVersion}");
        Assert.Equal("<p><strong>deep</strong> text</p>", viewed.GetProperty("html").GetString());
        Assert.Equal(JsonValueKind.Null, viewed.GetProperty("markdown").ValueKind);
        var guideVersion = (await JsonAsync(owner, $"/api/docs/{guide}/versions"))[0].GetProperty("id").GetInt64();
        Assert.Equal("Intro text.\n", (await JsonAsync(owner, $"/api/docs/{guide}/versions/{guideVersion}")).GetProperty("markdown").GetString());

        var admin = await kit.AdminAsync();
        var audit = await JsonAsync(admin, $"/api/admin/audit?action=content.export-refused&target={guide}");
        Assert.Equal(ownerName, audit.EnumerateArray().Single().GetProperty("actor").GetString());
        var exports = await JsonAsync(admin, $"/api/admin/audit?action=content.export&target={guide}");
        Assert.Equal(3, exports.GetArrayLength());
        Assert.Equal(3, (await JsonAsync(admin, $"/api/admin/audit?action=content.import&actor={ownerName}")).GetArrayLength());
    }

    [Fact]
    public async Task A_partner_exports_and_finds_only_what_was_shared_with_them()
    {
        using var kit = new AccessKit(Server);
        var (_, ownerToken) = await kit.UserAsync("own");
        using var owner = Server.Client(ownerToken);
        var partnerOrg = await kit.CreatePartnerOrgAsync(NewName("Freight"));
        var (_, partnerToken) = await kit.UserAsync("prt", partnerOrg);
        using var partner = Server.Client(partnerToken);
        var marker = Guid.NewGuid().ToString("N")[..8];
        var space = await kit.SpaceAsync(ownerToken, "Logistics");
        var guide = await kit.PageAsync(ownerToken, space, title: "物流指南");
        var shared = await kit.PageAsync(ownerToken, space, guide, "Customs");
        var hidden = await kit.PageAsync(ownerToken, space, guide, "Margins");
        await ImportAsync(owner, guide, $"入库 {marker} guide\n");
        await ImportAsync(owner, shared, $"入库 {marker} customs forms\n");
        await ImportAsync(owner, hidden, $"入库 {marker} our margins\n");
        (await owner.PatchAsJsonAsync($"/api/resources/{hidden}/settings", new { restricted = true })).EnsureSuccessStatusCode();
        await kit.GrantAsync(ownerToken, guide, "partner:" + partnerOrg, "view");

        // The subtree export walks what the caller can see: the restricted sub-page is left out for the partner.
        Assert.Equal($"# 物流指南\n\n入库 {marker} guide\n\n## Customs\n\n入库 {marker} customs forms\n",
            await partner.GetStringAsync($"/api/docs/{guide}/export?format=md&subtree=true"));
        Assert.Contains("## Margins", await owner.GetStringAsync($"/api/docs/{guide}/export?format=md&subtree=true"), StringComparison.Ordinal);

        // A title in Chinese is the download's name (RFC 5987), with an ASCII fallback.
        var download = await partner.GetAsync($"/api/docs/{guide}/export?format=html");
        Assert.Equal("物流指南.html", download.Content.Headers.ContentDisposition!.FileNameStar);
        Assert.Equal("attachment", download.Content.Headers.ContentDisposition.DispositionType);
        Assert.All(download.Content.Headers.ContentDisposition.FileName!, c => Assert.True(c < 128));

        // Search: the owner finds all three pages, the partner the two that were shared, never the restricted one.
        await Eventually.HoldsAsync(async () => (await JsonAsync(owner, "/api/search?q=" + Uri.EscapeDataString("入库 " + marker))).GetArrayLength() == 3,
            "all three pages are indexed", TimeSpan.FromSeconds(5));
        var found = (await JsonAsync(partner, "/api/search?q=" + Uri.EscapeDataString("入库 " + marker))).EnumerateArray()
            .Select(h => h.GetProperty("id").GetString()).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(new[] { guide, shared }.Order(StringComparer.Ordinal), found);
        Assert.Empty((await JsonAsync(partner, $"/api/search?q=margins%20{marker}")).EnumerateArray());
    }

    /// <summary>The document's state as base64 (through the export-independent roots endpoint is not enough: we need the ids).</summary>
    [Fact]
    public async Task A_rename_shows_in_awareness_history_comments_and_the_next_refreshed_token()
    {
        var (ownerName, owner, ownerToken) = await UserAsync("own");
        var (name, person, _) = await UserAsync("ren");
        var signedIn = await Server.SignInAsync(name);
        var docId = await Server.CreateDocumentAsync(ownerToken, "Names");
        await Server.ShareAsync(ownerToken, docId, name, "editor");
        Assert.Equal(HttpStatusCode.NoContent, (await ImportAsync(person, docId, "# Names\n\nhello\n")).StatusCode);
        var doc = new Doc();
        doc.ApplyUpdate(Convert.FromBase64String(await StateAsync(owner, docId)));
        var heading = (YXmlText)((YXmlElement)doc.GetXmlFragment("default").Get(0)).Get(0);
        var anchor = new { start = Convert.ToBase64String(RelativePosition.FromTypeIndex(heading, 0).Encode()), end = Convert.ToBase64String(RelativePosition.FromTypeIndex(heading, 5).Encode()) };
        Assert.Equal(HttpStatusCode.Created, (await person.PostAsJsonAsync($"/api/docs/{docId}/comments", new { anchor, quote = "Names", text = "Mine" })).StatusCode);

        using var admin = Server.Client(await Server.LoginAsync("admin", CollabTestServer.AdminPassword));
        var renamed = await admin.PatchAsJsonAsync($"/api/admin/users/{name}", new { displayName = "Ren Renamed" });
        Assert.True(renamed.IsSuccessStatusCode, await renamed.Content.ReadAsStringAsync());

        // Versions and comments name their authors as the directory names them now.
        var versions = await JsonAsync(owner, $"/api/docs/{docId}/versions");
        Assert.Equal("Ren Renamed", versions[0].GetProperty("authors")[0].GetProperty("displayName").GetString());
        var comment = (await JsonAsync(owner, $"/api/docs/{docId}/comments"))[0].GetProperty("comments")[0];
        Assert.Equal("Ren Renamed", comment.GetProperty("authorName").GetString());

        // The next token carries the new name, and so does what the person sees of themselves.
        var refreshed = await Server.RefreshAsync(signedIn.RefreshToken);
        Assert.Equal("Ren Renamed", new Microsoft.IdentityModel.JsonWebTokens.JsonWebToken(refreshed.AccessToken).GetClaim("name").Value);
        Assert.Equal("REN user", new Microsoft.IdentityModel.JsonWebTokens.JsonWebToken(signedIn.AccessToken).GetClaim("name").Value);
        Assert.Equal("Ren Renamed", (await JsonAsync(Server.Client(refreshed.AccessToken), "/api/me")).GetProperty("displayName").GetString());

        // Others see the new name on the person's caret.
        await using var watcher = await Server.ConnectAsync(ownerToken, messagePack: false);
        await using var editor = await Server.ConnectAsync(refreshed.AccessToken, messagePack: false);
        await watcher.JoinAsync(docId);
        await editor.JoinAsync(docId);
        await editor.SendAsync(docId, Frames.Awareness(AwarenessUpdates.Encode((4242, 1, """{"cursor":1}"""))));
        await Eventually.HoldsAsync(() => watcher.AwarenessOf(docId).Any(e => e.Client == 4242), "the owner sees the renamed person's caret");
        Assert.Equal("Ren Renamed", (string?)watcher.AwarenessOf(docId).Last(e => e.Client == 4242).State!["user"]!["name"]);
        Assert.NotEqual(ownerName, name);
    }

    private async Task<string> StateAsync(HttpClient http, string docId)
    {
        await using var client = await Server.ConnectAsync(http.DefaultRequestHeaders.Authorization!.Parameter!, messagePack: true);
        var doc = new SyncedDoc();
        client.Attach(docId, doc);
        await client.JoinAsync(docId);
        await client.SendAsync(docId, doc.Step1());
        await Eventually.HoldsAsync(() => doc.Doc.GetXmlFragment("default").Length > 0, "synced the document");
        await client.LeaveAsync(docId);
        return Convert.ToBase64String(doc.Doc.EncodeStateAsUpdate());
    }
}
