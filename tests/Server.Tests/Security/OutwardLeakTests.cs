using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Spotter.Collab.Crdt.Protocols;
using Spotter.Collab.Grains.Audit;
using Spotter.Collab.Grains.Protocol;
using Spotter.Collab.Server.Tests.Access;
using Spotter.Collab.Server.Tests.Host;
using Spotter.Collab.Server.Tests.Infrastructure;

namespace Spotter.Collab.Server.Tests.Security;

/// <summary>
/// "Nothing leaks outward": what partners (users of partner organisations) and anonymous share-link sessions can learn
/// beyond what was shared with them — usernames through oracles or in the bytes they receive, old versions and
/// resolved threads, silent sharing by a move, and copies of no-copy pages. Everything through HTTP and the hub.
/// </summary>
public sealed class OutwardLeakTests(HubServerFixture fixture) : IClassFixture<HubServerFixture>, IDisposable
{
    private readonly AccessKit _kit = new(fixture.Server);

    private CollabTestServer Server => fixture.Server;

    public void Dispose() => _kit.Dispose();

    private const string Start = AuthorizationScene.FragmentStart;

    /// <summary>Status and body of a response, the whole of what a caller learns from it (but the per-request trace id).</summary>
    private static async Task<string> AnswerAsync(Task<HttpResponseMessage> request)
    {
        using var response = await request;
        var body = System.Text.RegularExpressions.Regex.Replace(await response.Content.ReadAsStringAsync(), "\"traceId\":\"[^\"]*\"", "\"traceId\":\"\"");
        return $"{(int)response.StatusCode} {body}";
    }

    [Fact]
    public async Task The_member_endpoints_answer_alike_for_an_existing_and_a_missing_username()
    {
        var (_, ownerToken) = await _kit.UserAsync("own");
        var (staff, _) = await _kit.UserAsync("stf");
        var partnerOrg = await _kit.CreatePartnerOrgAsync("Acme");
        var (partner, partnerToken) = await _kit.UserAsync("ptn", partnerOrg);
        var (viewer, viewerToken) = await _kit.UserAsync("vwr");
        var (_, strangerToken) = await _kit.UserAsync("str");
        var space = await _kit.SpaceAsync(ownerToken);
        var page = await _kit.PageAsync(ownerToken, space);
        await _kit.GrantAsync(ownerToken, page, $"user:{partner}", "edit");
        await _kit.GrantAsync(ownerToken, page, $"user:{viewer}", "view");
        var (_, link) = await _kit.LinkAsync(ownerToken, page, "anyone", "comment");
        var guestToken = await _kit.RedeemAsync(link);
        var missing = AccessKit.NewName("stf");

        foreach (var (who, token) in new[] { ("partner", partnerToken), ("link session", guestToken), ("viewer", viewerToken), ("stranger", strangerToken) })
        {
            using var http = Server.Client(token);
            foreach (var doc in new[] { page, AccessKit.NewName("doc") })
            {
                var put = (Existing: await AnswerAsync(http.PutAsJsonAsync($"/api/docs/{doc}/members/{staff}", new { role = "viewer" })),
                    Missing: await AnswerAsync(http.PutAsJsonAsync($"/api/docs/{doc}/members/{missing}", new { role = "viewer" })));
                Assert.True(put.Existing == put.Missing, $"PUT as {who}: {put.Existing} / {put.Missing}");
                var delete = (Existing: await AnswerAsync(http.DeleteAsync($"/api/docs/{doc}/members/{staff}")),
                    Missing: await AnswerAsync(http.DeleteAsync($"/api/docs/{doc}/members/{missing}")));
                Assert.True(delete.Existing == delete.Missing, $"DELETE as {who}: {delete.Existing} / {delete.Missing}");
                Assert.False(put.Existing.StartsWith("204", StringComparison.Ordinal), $"{who} changed a member");
            }
        }

        // The owner still learns that a name is unknown (they may search the directory anyway).
        using var owner = Server.Client(ownerToken);
        Assert.Equal(HttpStatusCode.BadRequest, (await owner.PutAsJsonAsync($"/api/docs/{page}/members/{missing}", new { role = "viewer" })).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await owner.PutAsJsonAsync($"/api/docs/{page}/members/{staff}", new { role = "viewer" })).StatusCode);
    }

    [Fact]
    public async Task Revoking_a_link_one_may_not_manage_answers_like_a_link_that_does_not_exist()
    {
        var (_, ownerToken) = await _kit.UserAsync("own");
        var partnerOrg = await _kit.CreatePartnerOrgAsync("Acme");
        var (partner, partnerToken) = await _kit.UserAsync("ptn", partnerOrg);
        var (editor, editorToken) = await _kit.UserAsync("edt");
        var space = await _kit.SpaceAsync(ownerToken);
        var page = await _kit.PageAsync(ownerToken, space);
        await _kit.GrantAsync(ownerToken, page, $"user:{partner}", "edit");
        await _kit.GrantAsync(ownerToken, page, $"user:{editor}", "edit");
        var (linkId, link) = await _kit.LinkAsync(ownerToken, page, "anyone", "comment");
        var guestToken = await _kit.RedeemAsync(link);

        foreach (var token in new[] { partnerToken, guestToken, editorToken })
        {
            using var http = Server.Client(token);
            var existing = await AnswerAsync(http.DeleteAsync($"/api/links/{linkId}"));
            Assert.StartsWith("404 ", existing, StringComparison.Ordinal);
            Assert.Equal(existing, await AnswerAsync(http.DeleteAsync($"/api/links/{AccessKit.NewName("l")}")));
        }
        // Nothing was revoked: the link still opens the page.
        await _kit.RedeemAsync(link);
        using var owner = Server.Client(ownerToken);
        Assert.Equal(HttpStatusCode.NoContent, (await owner.DeleteAsync($"/api/links/{linkId}")).StatusCode);
    }

    [Fact]
    public async Task No_staff_username_is_in_any_byte_a_partner_or_a_link_session_receives()
    {
        var (owner, ownerToken) = await _kit.UserAsync("own");
        var (editor, editorToken) = await _kit.UserAsync("edt");
        var partnerOrg = await _kit.CreatePartnerOrgAsync("Acme");
        var (partner, partnerToken) = await _kit.UserAsync("ptn", partnerOrg);
        var space = await _kit.SpaceAsync(ownerToken);
        var page = await _kit.PageAsync(ownerToken, space, title: "Shared plan");
        await _kit.GrantAsync(ownerToken, page, $"user:{editor}", "edit");
        await _kit.GrantAsync(ownerToken, page, $"user:{partner}", "edit");
        var (_, link) = await _kit.LinkAsync(ownerToken, page, "anyone", "comment");
        var guestToken = await _kit.RedeemAsync(link);
        string[] staff = [owner, editor];

        // Versions by both staff members, an open and a resolved thread by staff.
        using var ownerHttp = Server.Client(ownerToken);
        using var editorHttp = Server.Client(editorToken);
        await ImportAsync(ownerHttp, page, "# Plan\n\nfirst draft\n");
        await ImportAsync(editorHttp, page, "# Plan\n\nsecond draft\n");
        var open = await ThreadAsync(editorHttp, page, "open question");
        var resolved = await ThreadAsync(ownerHttp, page, "internal remark");
        (await editorHttp.PostAsJsonAsync($"/api/docs/{page}/comments/{open}/replies", new { text = "a staff reply" })).EnsureSuccessStatusCode();
        (await editorHttp.PostAsync($"/api/docs/{page}/comments/{resolved}/resolve", null)).EnsureSuccessStatusCode();
        var version = (await AccessKit.JsonAsync(await ownerHttp.GetAsync($"/api/docs/{page}/versions")))[0].GetProperty("id").GetInt64();

        // Both outsiders are on the page while both staff members co-edit and move their carets.
        await using var partnerHub = await Server.ConnectAsync(partnerToken, messagePack: false);
        await using var guestHub = await Server.ConnectAsync(guestToken, messagePack: true);
        await partnerHub.JoinAsync(page);
        await guestHub.JoinAsync(page);
        await using var ownerHub = await Server.ConnectAsync(ownerToken, messagePack: false);
        await using var editorHub = await Server.ConnectAsync(editorToken, messagePack: true);
        foreach (var (hub, name, client) in new[] { (ownerHub, owner, 7001UL), (editorHub, editor, 7002UL) })
        {
            await hub.JoinAsync(page);
            // An old client put the username into its own state: the server must not pass it on.
            await hub.SendAsync(page, Frames.Awareness(AwarenessUpdates.Encode((client, 1, $$"""{"user":{"id":"{{name}}","name":"x"},"cursor":1}"""))));
            await hub.SendAsync(page, Frames.Sync(SyncMessageType.Update, AuthorizationScene.TextUpdate("typed live")));
        }
        await Eventually.HoldsAsync(() => partnerHub.AwarenessOf(page).Count(e => e.Client is 7001 or 7002) >= 2 && guestHub.AwarenessOf(page).Count(e => e.Client is 7001 or 7002) >= 2,
            "both outsiders saw both staff carets");
        await partnerHub.SendAsync(page, [3]);
        await guestHub.SendAsync(page, [3]);
        await Eventually.HoldsAsync(() => partnerHub.AwarenessOf(page).Count(e => e.Client == 7001) >= 2 && guestHub.AwarenessOf(page).Count(e => e.Client == 7001) >= 2,
            "both outsiders got the query-awareness answer");
        // A staff member leaves: the removal goes out too, and a version by the editors is taken.
        await ownerHub.LeaveAsync(page);
        await Eventually.HoldsAsync(() => partnerHub.AwarenessOf(page).Any(e => e.Client == 7001 && e.State is null), "the owner's caret was removed");

        foreach (var (who, token, hub) in new[] { ("partner", partnerToken, partnerHub), ("link session", guestToken, guestHub) })
        {
            using var http = Server.Client(token);
            var received = new List<byte[]>();
            foreach (var path in new[]
            {
                "/api/me", "/api/spaces", $"/api/spaces/{space}/tree", $"/api/docs/{page}", $"/api/docs/{page}/comments",
                $"/api/docs/{page}/versions", $"/api/docs/{page}/versions/{version}", $"/api/docs/{page}/versions/compare?from={version}&to=current",
                $"/api/docs/{page}/export?format=md", $"/api/docs/{page}/export?format=html", $"/api/docs/{page}/roots/default?type=xml",
                "/api/search?q=draft", $"/api/resources/{page}/access", $"/api/resources/{page}/grants", $"/api/resources/{page}/links",
                $"/api/resources/{page}/settings", $"/api/directory/search?q={owner[..3]}",
            })
            {
                using var response = await http.GetAsync(path);
                received.Add(await response.Content.ReadAsByteArrayAsync());
            }
            // Writing answers with the thread, staff comments included.
            using var reply = await http.PostAsJsonAsync($"/api/docs/{page}/comments/{open}/replies", new { text = $"a reply by the {who}" });
            Assert.Equal(HttpStatusCode.OK, reply.StatusCode);
            received.Add(await reply.Content.ReadAsByteArrayAsync());
            using var comment = await http.PostAsJsonAsync($"/api/docs/{page}/comments", new { anchor = new { start = Start, end = Start }, quote = "q", text = "new" });
            received.Add(await comment.Content.ReadAsByteArrayAsync());
            received.AddRange(hub.Received.Select(r => r.Frame));
            received.AddRange(hub.Events.Select(e => Encoding.UTF8.GetBytes($"{e.Kind} {e.Id} {e.Value}")));

            // The outsider did get the staff's work: the frames and answers are not empty.
            Assert.Contains(hub.AwarenessOf(page), e => e.Client == 7002 && (string?)e.State?["user"]?["name"] == "edt");
            Assert.Contains(received, bytes => Encoding.UTF8.GetString(bytes).Contains("a staff reply", StringComparison.Ordinal));
            foreach (var username in staff)
            {
                var needle = Encoding.UTF8.GetBytes(username);
                var leaks = received.Count(bytes => bytes.AsSpan().IndexOf(needle) >= 0);
                Assert.True(leaks == 0, $"the {who} received the staff username '{username}' in {leaks} answers or frames");
            }
        }
    }

    [Fact]
    public async Task History_and_resolved_threads_are_hidden_from_a_partner_and_a_link_session()
    {
        var (_, ownerToken) = await _kit.UserAsync("own");
        var (editor, editorToken) = await _kit.UserAsync("edt");
        var (viewer, viewerToken) = await _kit.UserAsync("vwr");
        var partnerOrg = await _kit.CreatePartnerOrgAsync("Acme");
        var (partner, partnerToken) = await _kit.UserAsync("ptn", partnerOrg);
        var space = await _kit.SpaceAsync(ownerToken);
        var page = await _kit.PageAsync(ownerToken, space);
        await _kit.GrantAsync(ownerToken, page, $"user:{editor}", "edit");
        await _kit.GrantAsync(ownerToken, page, $"user:{viewer}", "view");
        // Even edit access does not open history to a partner.
        await _kit.GrantAsync(ownerToken, page, $"user:{partner}", "edit");
        var (_, link) = await _kit.LinkAsync(ownerToken, page, "anyone", "comment");
        var guestToken = await _kit.RedeemAsync(link);
        using var ownerHttp = Server.Client(ownerToken);
        await ImportAsync(ownerHttp, page, "# Plan\n\nthe secret price is 42\n");
        await ImportAsync(ownerHttp, page, "# Plan\n\nprice on request\n");
        var version = (await AccessKit.JsonAsync(await ownerHttp.GetAsync($"/api/docs/{page}/versions")))[1].GetProperty("id").GetInt64();
        var open = await ThreadAsync(ownerHttp, page, "visible question");
        var resolved = await ThreadAsync(ownerHttp, page, "internal discussion");
        (await ownerHttp.PostAsync($"/api/docs/{page}/comments/{resolved}/resolve", null)).EnsureSuccessStatusCode();

        foreach (var token in new[] { partnerToken, guestToken, viewerToken })
        {
            using var http = Server.Client(token);
            foreach (var path in new[] { $"/api/docs/{page}/versions", $"/api/docs/{page}/versions/{version}", $"/api/docs/{page}/versions/{version + 1000}",
                $"/api/docs/{page}/versions/compare?from={version}&to=current" })
            {
                using var refused = await http.GetAsync(path);
                Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
                Assert.Contains("history-hidden", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            }
            Assert.False((await AccessKit.JsonAsync(await http.GetAsync($"/api/docs/{page}"))).GetProperty("history").GetBoolean());
            var threads = await AccessKit.JsonAsync(await http.GetAsync($"/api/docs/{page}/comments"));
            Assert.Equal([open], threads.EnumerateArray().Select(t => t.GetProperty("id").GetString()));
            if (token == viewerToken) continue;
            // Replying to or reopening a resolved thread answers like a thread that does not exist.
            var missingThread = AccessKit.NewName("t");
            Assert.Equal(await AnswerAsync(http.PostAsJsonAsync($"/api/docs/{page}/comments/{missingThread}/replies", new { text = "hi" })),
                await AnswerAsync(http.PostAsJsonAsync($"/api/docs/{page}/comments/{resolved}/replies", new { text = "hi" })));
            Assert.Equal(await AnswerAsync(http.PostAsJsonAsync($"/api/docs/{page}/comments/{missingThread}/resolve", new { resolved = false })),
                await AnswerAsync(http.PostAsJsonAsync($"/api/docs/{page}/comments/{resolved}/resolve", new { resolved = false })));
        }
        // The partner editor may not bring old text back either.
        using var partnerHttp = Server.Client(partnerToken);
        Assert.Equal(HttpStatusCode.Forbidden, (await partnerHttp.PostAsync($"/api/docs/{page}/versions/{version}/restore", null)).StatusCode);

        // An employee editor sees all of it.
        using var editorHttp = Server.Client(editorToken);
        Assert.Contains("secret price", (await AccessKit.JsonAsync(await editorHttp.GetAsync($"/api/docs/{page}/versions/{version}"))).GetProperty("html").GetString(), StringComparison.Ordinal);
        Assert.Equal(2, (await AccessKit.JsonAsync(await editorHttp.GetAsync($"/api/docs/{page}/comments"))).GetArrayLength());

        // The space may widen history to viewers, and separately to partners and link sessions.
        (await ownerHttp.PatchAsJsonAsync($"/api/resources/{space}/settings", new { history = "viewers" })).EnsureSuccessStatusCode();
        using var viewerHttp = Server.Client(viewerToken);
        Assert.Equal(HttpStatusCode.OK, (await viewerHttp.GetAsync($"/api/docs/{page}/versions")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await partnerHttp.GetAsync($"/api/docs/{page}/versions")).StatusCode);
        (await ownerHttp.PatchAsJsonAsync($"/api/resources/{space}/settings", new { guestHistory = true })).EnsureSuccessStatusCode();
        Assert.Equal(HttpStatusCode.OK, (await partnerHttp.GetAsync($"/api/docs/{page}/versions")).StatusCode);
        Assert.Equal(2, (await AccessKit.JsonAsync(await partnerHttp.GetAsync($"/api/docs/{page}/comments"))).GetArrayLength());
        // A page is not where the setting lives.
        Assert.Equal(HttpStatusCode.BadRequest, (await ownerHttp.PatchAsJsonAsync($"/api/resources/{page}/settings", new { history = "viewers" })).StatusCode);
    }

    [Fact]
    public async Task Moving_a_page_into_a_section_shared_with_a_partner_is_previewed_and_audited_as_sharing()
    {
        var (owner, ownerToken) = await _kit.UserAsync("own");
        var partnerOrg = await _kit.CreatePartnerOrgAsync("Logistics Ltd");
        var (partner, _) = await _kit.UserAsync("ptn", partnerOrg);
        var space = await _kit.SpaceAsync(ownerToken);
        var shared = await _kit.PageAsync(ownerToken, space, title: "Shared with suppliers");
        await _kit.GrantAsync(ownerToken, shared, $"partner:{partnerOrg}", "view");
        var (_, link) = await _kit.LinkAsync(ownerToken, shared, "anyone", "view");
        var internalPage = await _kit.PageAsync(ownerToken, space, title: "Internal costs");
        var child = await _kit.PageAsync(ownerToken, space, internalPage, "Margins");
        using var http = Server.Client(ownerToken);

        var preview = await AccessKit.JsonAsync(await http.PostAsJsonAsync($"/api/pages/{internalPage}/move/preview", new { parentId = shared }));
        var gains = preview.GetProperty("gains").EnumerateArray().ToList();
        var gained = Assert.Single(gains, g => g.GetProperty("kind").GetString() == "partner");
        Assert.Equal("ptn", gained.GetProperty("displayName").GetString());
        Assert.Equal("Logistics Ltd", gained.GetProperty("partnerOrganization").GetString());
        Assert.Equal($"user:{partner}", gained.GetProperty("principal").GetString());
        // The page and its sub-page.
        Assert.Equal(2, gained.GetProperty("pages").GetInt32());
        Assert.Single(gains, g => g.GetProperty("kind").GetString() == "link");
        Assert.Equal(0, preview.GetProperty("losses").GetArrayLength());
        // The preview changed nothing.
        await AssertParentAsync(http, space, internalPage, space);

        (await http.PostAsJsonAsync($"/api/pages/{internalPage}/move", new { parentId = shared })).EnsureSuccessStatusCode();
        await AssertParentAsync(http, space, child, internalPage);
        var entry = Assert.Single(await Server.Services.GetRequiredService<IAuditLog>().QueryAsync(new AuditQuery(Action: AuditActions.PageMoved, Target: internalPage, Limit: 10)));
        Assert.Contains($"gained: ", entry.Detail, StringComparison.Ordinal);
        Assert.Contains($"user:{partner} (ptn)", entry.Detail, StringComparison.Ordinal);

        // Restricting the page again shows the partner (and the link) losing it; the owner keeps managing it.
        var restrict = await AccessKit.JsonAsync(await http.PostAsJsonAsync($"/api/resources/{internalPage}/settings/preview", new { restricted = true }));
        Assert.Contains(restrict.GetProperty("losses").EnumerateArray(), l => l.GetProperty("principal").GetString() == $"user:{partner}");
        Assert.DoesNotContain(restrict.GetProperty("losses").EnumerateArray(), l => l.GetProperty("principal").GetString() == $"user:{owner}");
        Assert.Contains(restrict.GetProperty("losses").EnumerateArray(), l => l.GetProperty("kind").GetString() == "link");
        Assert.Equal(0, restrict.GetProperty("gains").GetArrayLength());
        await _kit.RedeemAsync(link);
    }

    [Fact]
    public async Task A_no_copy_page_refuses_every_copy_of_its_content_to_viewers_and_commenters()
    {
        var (_, ownerToken) = await _kit.UserAsync("own");
        var (editor, editorToken) = await _kit.UserAsync("edt");
        var (viewer, viewerToken) = await _kit.UserAsync("vwr");
        var (commenter, commenterToken) = await _kit.UserAsync("cmt");
        var space = await _kit.SpaceAsync(ownerToken);
        var page = await _kit.PageAsync(ownerToken, space);
        await _kit.GrantAsync(ownerToken, page, $"user:{editor}", "edit");
        await _kit.GrantAsync(ownerToken, page, $"user:{viewer}", "view");
        await _kit.GrantAsync(ownerToken, page, $"user:{commenter}", "comment");
        using var ownerHttp = Server.Client(ownerToken);
        await ImportAsync(ownerHttp, page, "# Terms\n\nconfidential\n");
        var version = (await AccessKit.JsonAsync(await ownerHttp.GetAsync($"/api/docs/{page}/versions")))[0].GetProperty("id").GetInt64();
        // History open to viewers, so that what refuses below is the no-copy flag.
        (await ownerHttp.PatchAsJsonAsync($"/api/resources/{space}/settings", new { history = "viewers" })).EnsureSuccessStatusCode();
        (await ownerHttp.PatchAsJsonAsync($"/api/resources/{page}/settings", new { noExport = true })).EnsureSuccessStatusCode();

        foreach (var token in new[] { viewerToken, commenterToken })
        {
            using var http = Server.Client(token);
            var described = await AccessKit.JsonAsync(await http.GetAsync($"/api/docs/{page}"));
            Assert.True(described.GetProperty("noCopy").GetBoolean());
            foreach (var path in new[] { $"/api/docs/{page}/export?format=md", $"/api/docs/{page}/export?format=html", $"/api/docs/{page}/roots/default?type=xml",
                $"/api/docs/{page}/versions", $"/api/docs/{page}/versions/{version}", $"/api/docs/{page}/versions/compare?from={version}&to=current" })
            {
                using var refused = await http.GetAsync(path);
                var body = await refused.Content.ReadAsStringAsync();
                Assert.True(refused.StatusCode == HttpStatusCode.Forbidden && body.Contains("urn:spotter-collab:problem:no-export", StringComparison.Ordinal), $"{path}: {(int)refused.StatusCode} {body}");
            }
            // The live page itself stays readable: the comments beside it too.
            Assert.Equal(HttpStatusCode.OK, (await http.GetAsync($"/api/docs/{page}/comments")).StatusCode);
        }

        using var editorHttp = Server.Client(editorToken);
        Assert.False((await AccessKit.JsonAsync(await editorHttp.GetAsync($"/api/docs/{page}"))).GetProperty("noCopy").GetBoolean());
        Assert.Equal(HttpStatusCode.OK, (await editorHttp.GetAsync($"/api/docs/{page}/versions/{version}")).StatusCode);
    }

    private static async Task ImportAsync(HttpClient http, string page, string markdown)
    {
        using var body = new ByteArrayContent(Encoding.UTF8.GetBytes(markdown)) { Headers = { ContentType = new("text/markdown") } };
        (await http.PostAsync($"/api/docs/{page}/import", body)).EnsureSuccessStatusCode();
    }

    private static async Task<string> ThreadAsync(HttpClient http, string page, string text) =>
        (await AccessKit.JsonAsync(await http.PostAsJsonAsync($"/api/docs/{page}/comments", new { anchor = new { start = Start, end = Start }, quote = "q", text })))
        .GetProperty("id").GetString()!;

    private static async Task AssertParentAsync(HttpClient http, string space, string page, string parent)
    {
        var tree = await AccessKit.JsonAsync(await http.GetAsync($"/api/spaces/{space}/tree"));
        Assert.Equal(parent, tree.GetProperty("pages").EnumerateArray().Single(p => p.GetProperty("id").GetString() == page).GetProperty("parentId").GetString());
    }
}
