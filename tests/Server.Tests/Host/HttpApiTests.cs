using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Spotter.Collab.Grains.Protocol;
using Spotter.Collab.Server.Tests.Infrastructure;

namespace Spotter.Collab.Server.Tests.Host;

public sealed class HttpApiTests(HubServerFixture fixture) : IClassFixture<HubServerFixture>
{
    private CollabTestServer Server => fixture.Server;

    private static string NewName(string prefix) => $"{prefix}{Guid.NewGuid():N}"[..20];

    private static async Task<JsonElement> ProblemAsync(HttpResponseMessage response)
    {
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return json.RootElement.Clone();
    }

    [Fact]
    public async Task Readiness_reports_the_silo_that_answered()
    {
        var response = await Server.Http.GetAsync("/readyz");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.StartsWith("ready via ", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Login_checks_the_password_and_bad_tokens_get_401()
    {
        var wrong = await Server.Http.PostAsJsonAsync("/api/auth/login", new { username = "admin", password = "nope" });
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        Assert.Equal("urn:spotter-collab:problem:invalid-credentials", (await ProblemAsync(wrong)).GetProperty("type").GetString());

        using var forged = Server.Client("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhZG1pbiJ9.c2lnbmF0dXJl");
        var rejected = await forged.PostAsJsonAsync("/api/docs", new { title = "x" });
        Assert.Equal(HttpStatusCode.Unauthorized, rejected.StatusCode);
        Assert.Equal(401, (await ProblemAsync(rejected)).GetProperty("status").GetInt32());
        Assert.Equal(HttpStatusCode.Unauthorized, (await Server.Http.PostAsJsonAsync("/api/docs", new { title = "x" })).StatusCode);

        var token = await Server.LoginAsync("ADMIN", CollabTestServer.AdminPassword);
        using var admin = Server.Client(token);
        using var me = JsonDocument.Parse(await admin.GetStringAsync("/api/me"));
        Assert.True(me.RootElement.GetProperty("isAdmin").GetBoolean());
    }

    [Fact]
    public async Task Only_the_admin_creates_users_and_names_are_unique()
    {
        var name = NewName("usr");
        var token = await Server.CreateUserAsync(name, "Some One");
        using var user = Server.Client(token);
        var denied = await user.PostAsJsonAsync("/api/users", new { username = NewName("x"), password = "long-enough-1", displayName = "X" });
        Assert.Equal(HttpStatusCode.Forbidden, denied.StatusCode);

        using var admin = Server.Client(await Server.LoginAsync("admin", CollabTestServer.AdminPassword));
        var duplicate = await admin.PostAsJsonAsync("/api/users", new { username = name, password = "long-enough-1", displayName = "Y" });
        Assert.Equal(HttpStatusCode.Conflict, duplicate.StatusCode);
        Assert.Equal("urn:spotter-collab:problem:user-exists", (await ProblemAsync(duplicate)).GetProperty("type").GetString());
        var invalid = await admin.PostAsJsonAsync("/api/users", new { username = "no spaces", password = "long-enough-1" });
        Assert.Equal(HttpStatusCode.BadRequest, invalid.StatusCode);
    }

    [Fact]
    public async Task Membership_changes_are_owner_only_and_documents_are_invisible_to_strangers()
    {
        var owner = NewName("own");
        var editor = NewName("edt");
        var ownerToken = await Server.CreateUserAsync(owner, "Owner");
        var editorToken = await Server.CreateUserAsync(editor, "Editor");
        var docId = await Server.CreateDocumentAsync(ownerToken, "Plans");
        using var editorHttp = Server.Client(editorToken);

        Assert.Equal(HttpStatusCode.NotFound, (await editorHttp.GetAsync($"/api/docs/{docId}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await editorHttp.GetAsync($"/api/docs/{Guid.NewGuid():N}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await editorHttp.PutAsJsonAsync($"/api/docs/{docId}/members/{editor}", new { role = "owner" })).StatusCode);

        await Server.ShareAsync(ownerToken, docId, editor, "editor");
        using var described = JsonDocument.Parse(await editorHttp.GetStringAsync($"/api/docs/{docId}"));
        Assert.Equal("Plans", described.RootElement.GetProperty("title").GetString());
        Assert.Equal("editor", described.RootElement.GetProperty("role").GetString());
        Assert.Equal(HttpStatusCode.Forbidden, (await editorHttp.PutAsJsonAsync($"/api/docs/{docId}/members/{editor}", new { role = "owner" })).StatusCode);

        using var ownerHttp = Server.Client(ownerToken);
        Assert.Equal(HttpStatusCode.BadRequest, (await ownerHttp.PutAsJsonAsync($"/api/docs/{docId}/members/{editor}", new { role = "boss" })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await ownerHttp.PutAsJsonAsync($"/api/docs/{docId}/members/{NewName("ghost")}", new { role = "viewer" })).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await ownerHttp.DeleteAsync($"/api/docs/{docId}/members/{owner}")).StatusCode);
    }

    [Fact]
    public async Task Http_updates_need_the_editor_role_and_reach_live_clients()
    {
        var owner = NewName("own");
        var viewer = NewName("vwr");
        var ownerToken = await Server.CreateUserAsync(owner, "Owner");
        var viewerToken = await Server.CreateUserAsync(viewer, "Viewer");
        var docId = await Server.CreateDocumentAsync(ownerToken);
        await Server.ShareAsync(ownerToken, docId, viewer, "viewer");
        await using var live = await Server.ConnectAsync(viewerToken, messagePack: false);
        var liveDoc = new SyncedDoc();
        live.Attach(docId, liveDoc);
        await live.JoinAsync(docId);

        var source = new SyncedDoc();
        var frame = source.Edit(d => d.Transact(_ =>
        {
            d.GetText("t").Insert(0, "from http");
            d.GetMap("m").Set("answer", 42L);
            d.GetArray("a").Push(["x", 1L]);
        }))!;
        var update = Frames.Parse(frame).Payload.ToArray();

        using var viewerHttp = Server.Client(viewerToken);
        Assert.Equal(HttpStatusCode.Forbidden, (await viewerHttp.PostAsync($"/api/docs/{docId}/updates", Octets(update))).StatusCode);
        using var ownerHttp = Server.Client(ownerToken);
        var malformed = await ownerHttp.PostAsync($"/api/docs/{docId}/updates", Octets([1, 2, 3, 200, 200]));
        Assert.Equal(HttpStatusCode.BadRequest, malformed.StatusCode);
        Assert.Equal("urn:spotter-collab:problem:malformed", (await ProblemAsync(malformed)).GetProperty("type").GetString());
        Assert.Equal(HttpStatusCode.NoContent, (await ownerHttp.PostAsync($"/api/docs/{docId}/updates", Octets(update))).StatusCode);

        await Eventually.HoldsAsync(() => liveDoc.Text() == "from http", $"the live client received the HTTP update ({live.Received.Count} frames: {string.Join(' ', live.Received.Select(r => Convert.ToHexString(r.Frame)))})");
        Assert.Equal("from http", (await Server.ReadRootAsync(viewerToken, docId, "t")).GetString());
        Assert.Equal(42, (await Server.ReadRootAsync(viewerToken, docId, "m", "map")).GetProperty("answer").GetInt32());
        Assert.Equal("""["x",1]""", (await Server.ReadRootAsync(viewerToken, docId, "a", "array")).GetRawText());
    }

    [Fact]
    public async Task OpenApi_document_describes_the_api()
    {
        using var json = JsonDocument.Parse(await Server.Http.GetStringAsync("/openapi/v1.json"));
        var paths = json.RootElement.GetProperty("paths");
        Assert.True(paths.TryGetProperty("/api/auth/login", out _));
        Assert.True(paths.TryGetProperty("/api/docs/{id}/members/{username}", out _));
    }

    private static ByteArrayContent Octets(byte[] bytes)
    {
        var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        return content;
    }
}
