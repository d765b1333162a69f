using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.DependencyInjection;
using Spotter.Collab.Grains.Audit;
using Spotter.Collab.Grains.Protocol;
using Spotter.Collab.Server.Tests.Host;
using Spotter.Collab.Server.Tests.Infrastructure;

namespace Spotter.Collab.Server.Tests.Access;

/// <summary>The access APIs through the real HTTP surface: directory, tree, grants, explanation, links, audit.</summary>
public sealed class AccessApiTests(HubServerFixture fixture) : IClassFixture<HubServerFixture>, IDisposable
{
    private readonly AccessKit _kit = new(fixture.Server);

    private CollabTestServer Server => fixture.Server;

    public void Dispose() => _kit.Dispose();

    private static Task<JsonElement> JsonAsync(HttpResponseMessage response) => AccessKit.JsonAsync(response);

    private async Task<List<StoredAuditEntry>> AuditAsync(string action, string? target = null) =>
        [.. await Server.Services.GetRequiredService<IAuditLog>().QueryAsync(new AuditQuery(Action: action, Target: target, Limit: 1000))];

    [Fact]
    public async Task Spaces_and_pages_form_a_tree_that_can_be_reordered_moved_trashed_and_restored()
    {
        var (_, token) = await _kit.UserAsync("own");
        using var http = Server.Client(token);
        var space = await _kit.SpaceAsync(token, "Handbook");
        var a = await _kit.PageAsync(token, space, title: "A");
        var b = await _kit.PageAsync(token, space, title: "B");
        var child = await _kit.PageAsync(token, space, a, "A.1");
        var first = await JsonAsync(await http.PostAsJsonAsync("/api/pages", new { spaceId = space, title = "Zero", index = 0 }));
        var zero = first.GetProperty("id").GetString()!;

        async Task<List<(string Id, string Parent, string Title)>> TreeAsync()
        {
            var tree = await JsonAsync(await http.GetAsync($"/api/spaces/{space}/tree"));
            Assert.Equal("manage", tree.GetProperty("space").GetProperty("level").GetString());
            return tree.GetProperty("pages").EnumerateArray()
                .Select(p => (p.GetProperty("id").GetString()!, p.GetProperty("parentId").GetString()!, p.GetProperty("title").GetString()!)).ToList();
        }

        Assert.Equal([(zero, space, "Zero"), (a, space, "A"), (child, a, "A.1"), (b, space, "B")], await TreeAsync());
        (await http.PatchAsJsonAsync($"/api/pages/{b}", new { title = "Bee" })).EnsureSuccessStatusCode();
        (await http.PostAsJsonAsync($"/api/pages/{b}/move", new { parentId = a, index = 0 })).EnsureSuccessStatusCode();
        Assert.Equal([(zero, space, "Zero"), (a, space, "A"), (b, a, "Bee"), (child, a, "A.1")], await TreeAsync());
        Assert.Equal(HttpStatusCode.BadRequest, (await http.PostAsJsonAsync($"/api/pages/{a}/move", new { parentId = child, index = 0 })).StatusCode);
        Assert.Single(await AuditAsync(AuditActions.PageMoved, b));

        (await http.PostAsync($"/api/pages/{a}/trash", null)).EnsureSuccessStatusCode();
        Assert.Equal([(zero, space, "Zero")], await TreeAsync());
        var trash = await JsonAsync(await http.GetAsync($"/api/spaces/{space}/trash"));
        Assert.Equal([a], trash.EnumerateArray().Select(p => p.GetProperty("id").GetString()));
        (await http.PostAsync($"/api/pages/{a}/restore", null)).EnsureSuccessStatusCode();
        Assert.Equal(4, (await TreeAsync()).Count);
        Assert.Single(await AuditAsync(AuditActions.PageTrashed, a));
        Assert.Single(await AuditAsync(AuditActions.PageRestored, a));

        // Pages are documents: the creator edits the content like any other document.
        var described = await JsonAsync(await http.GetAsync($"/api/docs/{child}"));
        Assert.Equal(("A.1", "owner", "page", space), (described.GetProperty("title").GetString(), described.GetProperty("role").GetString(),
            described.GetProperty("kind").GetString(), described.GetProperty("spaceId").GetString()));
        var spaces = await JsonAsync(await http.GetAsync("/api/spaces"));
        Assert.Contains(space, spaces.EnumerateArray().Select(s => s.GetProperty("id").GetString()));
    }

    [Fact]
    public async Task Grants_explanations_and_settings_answer_why_someone_can_see_a_page()
    {
        var (_, ownerToken) = await _kit.UserAsync("own");
        var (alice, aliceToken) = await _kit.UserAsync("ali");
        var group = await _kit.CreateGroupAsync(AccessKit.NewName("grp"));
        await _kit.AddToGroupAsync(group, alice);
        var space = await _kit.SpaceAsync(ownerToken);
        var page = await _kit.PageAsync(ownerToken, space, title: "Roadmap");
        var sub = await _kit.PageAsync(ownerToken, space, page, "Q3");
        var grant = await _kit.GrantAsync(ownerToken, page, $"group:{group}", "comment");
        Assert.Single(await AuditAsync(AuditActions.GrantAdded, page));

        using var owner = Server.Client(ownerToken);
        var access = await JsonAsync(await owner.GetAsync($"/api/resources/{sub}/access"));
        var why = access.EnumerateArray().Single(e => e.GetProperty("principal").GetString() == alice);
        Assert.Equal("comment", why.GetProperty("level").GetString());
        var source = why.GetProperty("source");
        Assert.Equal((page, "Roadmap", grant, $"group:{group}", true), (source.GetProperty("resourceId").GetString(), source.GetProperty("resourceTitle").GetString(),
            source.GetProperty("grantId").GetString(), source.GetProperty("principal").GetString(), source.GetProperty("inherited").GetBoolean()));
        Assert.Equal("administrator", access.EnumerateArray().Single(e => e.GetProperty("principal").GetString() == "admin").GetProperty("source").GetString());

        var grants = await JsonAsync(await owner.GetAsync($"/api/resources/{page}/grants"));
        Assert.Contains(grants.EnumerateArray(), g => g.GetProperty("id").GetString() == grant && g.GetProperty("level").GetString() == "comment");
        Assert.Equal(HttpStatusCode.BadRequest, (await owner.PostAsJsonAsync($"/api/resources/{page}/grants", new { principal = "group:nope", level = "view" })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await owner.PostAsJsonAsync($"/api/resources/{page}/grants", new { principal = "company", level = "boss" })).StatusCode);

        using var aliceHttp = Server.Client(aliceToken);
        Assert.Equal("commenter", (await JsonAsync(await aliceHttp.GetAsync($"/api/docs/{sub}"))).GetProperty("role").GetString());
        (await owner.PatchAsJsonAsync($"/api/resources/{sub}/settings", new { restricted = true, noExport = true })).EnsureSuccessStatusCode();
        Assert.Equal(HttpStatusCode.NotFound, (await aliceHttp.GetAsync($"/api/docs/{sub}")).StatusCode);
        Assert.True((await JsonAsync(await owner.GetAsync($"/api/docs/{sub}"))).GetProperty("noExport").GetBoolean());
        Assert.Single(await AuditAsync(AuditActions.SettingsChanged, sub));

        (await owner.DeleteAsync($"/api/resources/{page}/grants/{grant}")).EnsureSuccessStatusCode();
        Assert.Equal(HttpStatusCode.NotFound, (await aliceHttp.GetAsync($"/api/docs/{page}")).StatusCode);
        Assert.Single(await AuditAsync(AuditActions.GrantRemoved, page));
    }

    [Fact]
    public async Task Admins_manage_the_directory_policy_and_preview_what_a_user_sees()
    {
        var admin = await _kit.AdminAsync();
        var engineering = (await JsonAsync(await admin.PostAsJsonAsync("/api/admin/departments", new { name = "Engineering" }))).GetProperty("id").GetString()!;
        var backend = (await JsonAsync(await admin.PostAsJsonAsync("/api/admin/departments", new { name = "Backend", parentId = engineering }))).GetProperty("id").GetString()!;
        var partnerOrg = await _kit.CreatePartnerOrgAsync("Freight Co");
        var (_, ownerToken) = await _kit.UserAsync("own");
        var (dev, _) = await _kit.UserAsync("dev");
        (await admin.PatchAsJsonAsync($"/api/admin/users/{dev}", new { departmentId = backend })).EnsureSuccessStatusCode();
        var (partner, partnerToken) = await _kit.UserAsync("ptn", partnerOrg);
        var users = await JsonAsync(await admin.GetAsync("/api/admin/users"));
        var partnerEntry = users.EnumerateArray().Single(u => u.GetProperty("username").GetString() == partner);
        Assert.Equal(("partner", partnerOrg), (partnerEntry.GetProperty("kind").GetString(), partnerEntry.GetProperty("partnerOrgId").GetString()));
        Assert.Equal(HttpStatusCode.BadRequest, (await admin.PostAsJsonAsync("/api/admin/users", new { username = AccessKit.NewName("x"), password = "long-enough-1", kind = "partner" })).StatusCode);

        var space = await _kit.SpaceAsync(ownerToken);
        var page = await _kit.PageAsync(ownerToken, space, title: "Specs");
        await _kit.GrantAsync(ownerToken, space, $"department:{engineering}", "edit");
        await _kit.GrantAsync(ownerToken, page, $"user:{partner}", "comment");
        using var ownerHttp = Server.Client(ownerToken);
        Assert.Equal(HttpStatusCode.BadRequest, (await ownerHttp.PostAsJsonAsync($"/api/resources/{page}/grants", new { principal = $"user:{partner}", level = "manage" })).StatusCode);

        var preview = await JsonAsync(await admin.GetAsync($"/api/admin/preview/{dev}"));
        Assert.Contains(preview.GetProperty("pages").EnumerateArray(), p => p.GetProperty("id").GetString() == page && p.GetProperty("level").GetString() == "edit");

        // Partners: only the shared page, no directory; policy off takes it away, trusted gives it back.
        using var partnerHttp = Server.Client(partnerToken);
        Assert.Equal(HttpStatusCode.Forbidden, (await partnerHttp.GetAsync($"/api/resources/{page}/grants")).StatusCode);
        Assert.Contains(await AuditAsync(AuditActions.AccessDenied, $"/api/resources/{page}/grants"), e => e.Actor == partner && e.Detail == "403 GET");
        var tree = await JsonAsync(await partnerHttp.GetAsync($"/api/spaces/{space}/tree"));
        Assert.Equal([page], tree.GetProperty("pages").EnumerateArray().Select(p => p.GetProperty("id").GetString()));
        Assert.Equal(HttpStatusCode.Forbidden, (await partnerHttp.GetAsync("/api/directory/search?q=o")).StatusCode);
        (await admin.PutAsJsonAsync("/api/admin/policy", new { externalSharing = "off", trustedPartnerOrgs = Array.Empty<string>() })).EnsureSuccessStatusCode();
        try
        {
            Assert.Equal(HttpStatusCode.NotFound, (await partnerHttp.GetAsync($"/api/docs/{page}")).StatusCode);
            (await admin.PutAsJsonAsync("/api/admin/policy", new { externalSharing = "trusted", trustedPartnerOrgs = new[] { partnerOrg } })).EnsureSuccessStatusCode();
            Assert.Equal("commenter", (await JsonAsync(await partnerHttp.GetAsync($"/api/docs/{page}"))).GetProperty("role").GetString());
        }
        finally
        {
            (await admin.PutAsJsonAsync("/api/admin/policy", new { externalSharing = "on", trustedPartnerOrgs = Array.Empty<string>() })).EnsureSuccessStatusCode();
        }
        Assert.True((await AuditAsync(AuditActions.PolicyChanged)).Count >= 3);

        using var ownerSearch = Server.Client(ownerToken);
        var hits = await JsonAsync(await ownerSearch.GetAsync("/api/directory/search?q=Engineering"));
        Assert.Contains(hits.EnumerateArray(), h => h.GetProperty("principal").GetString() == $"department:{engineering}");
    }

    [Fact]
    public async Task Admins_rename_and_delete_partner_organisations_once_no_user_belongs_to_them()
    {
        var admin = await _kit.AdminAsync();
        var org = await _kit.CreatePartnerOrgAsync("Harbour Co");
        var next = await _kit.CreatePartnerOrgAsync("Harbour Group");
        var (partner, _) = await _kit.UserAsync("ptn", org);
        var (_, ownerToken) = await _kit.UserAsync("own");
        var space = await _kit.SpaceAsync(ownerToken);
        var page = await _kit.PageAsync(ownerToken, space);
        await _kit.GrantAsync(ownerToken, page, $"partner:{org}", "comment");
        async Task<List<string?>> PartnerNamesAsync() =>
            [.. (await JsonAsync(await admin.GetAsync("/api/admin/partners"))).EnumerateArray().Where(p => p.GetProperty("id").GetString() == org).Select(p => p.GetProperty("name").GetString())];

        (await admin.PatchAsJsonAsync($"/api/admin/partners/{org}", new { name = "Harbour Logistics" })).EnsureSuccessStatusCode();
        Assert.Equal(["Harbour Logistics"], await PartnerNamesAsync());
        Assert.Equal(HttpStatusCode.BadRequest, (await admin.PatchAsJsonAsync($"/api/admin/partners/{org}", new { name = " " })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.PatchAsJsonAsync($"/api/admin/partners/{AccessKit.NewName("nope")}", new { name = "X" })).StatusCode);
        Assert.Single(await AuditAsync(AuditActions.DirectoryChanged), e => e.Detail == $"partner {org} renamed to Harbour Logistics");

        // Refused while its (deactivated) user belongs to it, and the refusal says who.
        (await admin.PostAsync($"/api/admin/users/{partner}/deactivate", null)).EnsureSuccessStatusCode();
        var refused = await admin.DeleteAsync($"/api/admin/partners/{org}");
        Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
        Assert.Contains($"{partner} (deactivated)", (await refused.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(["Harbour Logistics"], await PartnerNamesAsync());

        (await admin.PutAsJsonAsync("/api/admin/policy", new { externalSharing = "trusted", trustedPartnerOrgs = new[] { org, next } })).EnsureSuccessStatusCode();
        try
        {
            (await admin.PatchAsJsonAsync($"/api/admin/users/{partner}", new { partnerOrgId = next })).EnsureSuccessStatusCode();
            Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync($"/api/admin/partners/{org}")).StatusCode);
            Assert.Empty(await PartnerNamesAsync());
            var trusted = (await JsonAsync(await admin.GetAsync("/api/admin/policy"))).GetProperty("trustedPartnerOrgs").EnumerateArray().Select(t => t.GetString());
            Assert.Equal([next], trusted);
        }
        finally
        {
            (await admin.PutAsJsonAsync("/api/admin/policy", new { externalSharing = "on", trustedPartnerOrgs = Array.Empty<string>() })).EnsureSuccessStatusCode();
        }
        using var owner = Server.Client(ownerToken);
        var grants = await JsonAsync(await owner.GetAsync($"/api/resources/{page}/grants"));
        Assert.DoesNotContain(grants.EnumerateArray(), g => g.GetProperty("principal").GetString() == $"partner:{org}");
        Assert.Single(await AuditAsync(AuditActions.DirectoryChanged), e => e.Detail == $"partner {org} (Harbour Logistics) deleted");
        Assert.Equal(HttpStatusCode.NotFound, (await admin.DeleteAsync($"/api/admin/partners/{org}")).StatusCode);
    }

    [Fact]
    public async Task Share_links_are_redeemed_for_link_sessions_and_failures_look_alike()
    {
        var (_, ownerToken) = await _kit.UserAsync("own");
        var (_, employeeToken) = await _kit.UserAsync("emp");
        var org = await _kit.CreatePartnerOrgAsync("Agency");
        var (_, partnerToken) = await _kit.UserAsync("ptn", org);
        var space = await _kit.SpaceAsync(ownerToken);
        var page = await _kit.PageAsync(ownerToken, space);
        var other = await _kit.PageAsync(ownerToken, space);
        using var owner = Server.Client(ownerToken);
        Assert.Equal(HttpStatusCode.BadRequest, (await owner.PostAsJsonAsync($"/api/resources/{page}/links", new { scope = "anyone", role = "edit" })).StatusCode);

        var (anyoneId, anyone) = await _kit.LinkAsync(ownerToken, page, "anyone", "view", "open-sesame");
        Assert.Single(await AuditAsync(AuditActions.LinkCreated, page));
        using var anonymous = new HttpClient { BaseAddress = Server.BaseAddress };
        var wrong = await anonymous.PostAsJsonAsync("/api/links/redeem", new { token = anyone, password = "nope" });
        var unknown = await anonymous.PostAsJsonAsync("/api/links/redeem", new { token = "made-up", password = "open-sesame" });
        Assert.Equal((HttpStatusCode.NotFound, HttpStatusCode.NotFound), (wrong.StatusCode, unknown.StatusCode));
        Assert.Equal(await wrong.Content.ReadAsStringAsync().ContinueWith(t => t.Result.Split("traceId")[0], TaskScheduler.Default),
            await unknown.Content.ReadAsStringAsync().ContinueWith(t => t.Result.Split("traceId")[0], TaskScheduler.Default));

        var redeemed = await JsonAsync(await anonymous.PostAsJsonAsync("/api/links/redeem", new { token = anyone, password = "open-sesame" }));
        Assert.Equal((page, "view"), (redeemed.GetProperty("resourceId").GetString(), redeemed.GetProperty("role").GetString()));
        Assert.Single(await AuditAsync(AuditActions.LinkUsed, page));
        using var guest = Server.Client(redeemed.GetProperty("accessToken").GetString()!);
        Assert.Equal("viewer", (await JsonAsync(await guest.GetAsync($"/api/docs/{page}"))).GetProperty("role").GetString());
        Assert.Equal(HttpStatusCode.NotFound, (await guest.GetAsync($"/api/docs/{other}")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await guest.PostAsJsonAsync("/api/docs", new { title = "mine" })).StatusCode);

        var (_, company) = await _kit.LinkAsync(ownerToken, page, "company", "edit");
        Assert.Equal(HttpStatusCode.NotFound, (await anonymous.PostAsJsonAsync("/api/links/redeem", new { token = company })).StatusCode);
        using var partnerHttp = Server.Client(partnerToken);
        Assert.Equal(HttpStatusCode.NotFound, (await partnerHttp.PostAsJsonAsync("/api/links/redeem", new { token = company })).StatusCode);
        Assert.Equal("edit", (await JsonAsync(await Server.Client(employeeToken).PostAsJsonAsync("/api/links/redeem", new { token = company }))).GetProperty("role").GetString());

        var admin = await _kit.AdminAsync();
        var active = await JsonAsync(await admin.GetAsync("/api/admin/links"));
        Assert.Contains(anyoneId, active.EnumerateArray().Select(l => l.GetProperty("id").GetString()));
        (await admin.DeleteAsync($"/api/links/{anyoneId}")).EnsureSuccessStatusCode();
        Assert.Single(await AuditAsync(AuditActions.LinkRevoked, page));
        Assert.Equal(HttpStatusCode.NotFound, (await guest.GetAsync($"/api/docs/{page}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await anonymous.PostAsJsonAsync("/api/links/redeem", new { token = anyone, password = "open-sesame" })).StatusCode);
        Assert.DoesNotContain(anyoneId, (await JsonAsync(await admin.GetAsync("/api/admin/links"))).EnumerateArray().Select(l => l.GetProperty("id").GetString()));
    }

    [Fact]
    public async Task Partners_and_link_sessions_get_no_staff_usernames_from_a_document_they_can_see()
    {
        var (owner, ownerToken) = await _kit.UserAsync("own");
        var (employee, employeeToken) = await _kit.UserAsync("emp");
        var org = await _kit.CreatePartnerOrgAsync("Supplier");
        var (partner, partnerToken) = await _kit.UserAsync("ptn", org);
        var space = await _kit.SpaceAsync(ownerToken);
        var page = await _kit.PageAsync(ownerToken, space);
        using (var ownerHttp = Server.Client(ownerToken))
        {
            // A direct owner grant on the page itself, so the page has staff usernames to leak.
            (await ownerHttp.PutAsJsonAsync($"/api/docs/{page}/members/{owner}", new { role = "owner" })).EnsureSuccessStatusCode();
            (await ownerHttp.PutAsJsonAsync($"/api/docs/{page}/members/{employee}", new { role = "viewer" })).EnsureSuccessStatusCode();
            (await ownerHttp.PutAsJsonAsync($"/api/docs/{page}/members/{partner}", new { role = "commenter" })).EnsureSuccessStatusCode();
        }
        var (_, linkToken) = await _kit.LinkAsync(ownerToken, page, "anyone", "view");
        var linkSession = await _kit.RedeemAsync(linkToken);

        // Employees may search the directory anyway, so they see the members.
        using var employeeHttp = Server.Client(employeeToken);
        var seenByEmployee = await JsonAsync(await employeeHttp.GetAsync($"/api/docs/{page}"));
        Assert.Contains(owner, seenByEmployee.GetProperty("members").EnumerateArray().Select(m => m.GetProperty("username").GetString()));

        foreach (var (who, token) in new[] { ("partner", partnerToken), ("link session", linkSession) })
        {
            using var http = Server.Client(token);
            var response = await http.GetAsync($"/api/docs/{page}");
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.IsSuccessStatusCode, $"{who}: {(int)response.StatusCode} {body}");
            Assert.Empty((await JsonAsync(response)).GetProperty("members").EnumerateArray());
            Assert.DoesNotContain(owner, body, StringComparison.Ordinal);
            Assert.DoesNotContain(employee, body, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Grant_changes_through_the_member_endpoints_are_audited_like_other_grants()
    {
        var (owner, ownerToken) = await _kit.UserAsync("own");
        var (bob, _) = await _kit.UserAsync("bob");
        var docId = await Server.CreateDocumentAsync(ownerToken);
        using var ownerHttp = Server.Client(ownerToken);

        (await ownerHttp.PutAsJsonAsync($"/api/docs/{docId}/members/{bob}", new { role = "editor" })).EnsureSuccessStatusCode();
        var added = Assert.Single(await AuditAsync(AuditActions.GrantAdded, docId));
        Assert.Equal((owner, $"user:{bob}=edit"), (added.Actor, added.Detail));
        Assert.False(string.IsNullOrEmpty(added.SourceAddress));

        (await ownerHttp.DeleteAsync($"/api/docs/{docId}/members/{bob}")).EnsureSuccessStatusCode();
        var removed = Assert.Single(await AuditAsync(AuditActions.GrantRemoved, docId));
        Assert.Equal((owner, $"user:{bob}"), (removed.Actor, removed.Detail));

        // A refused change is not a grant change.
        (await ownerHttp.PutAsJsonAsync($"/api/docs/{docId}/members/{bob}", new { role = "boss" })).Dispose();
        Assert.Single(await AuditAsync(AuditActions.GrantAdded, docId));
    }

    [Fact]
    public async Task Denied_access_is_audited_on_admin_only_knowledge_base_and_hub_calls_but_not_for_anonymous_401s()
    {
        var (_, ownerToken) = await _kit.UserAsync("own");
        var (viewer, viewerToken) = await _kit.UserAsync("vwr");
        var org = await _kit.CreatePartnerOrgAsync("Outsider");
        var (stranger, strangerToken) = await _kit.UserAsync("str", org);
        var space = await _kit.SpaceAsync(ownerToken);
        var page = await _kit.PageAsync(ownerToken, space);
        await _kit.GrantAsync(ownerToken, page, $"user:{viewer}", "view");
        using var viewerHttp = Server.Client(viewerToken);
        using var strangerHttp = Server.Client(strangerToken);

        async Task<StoredAuditEntry?> DenialAsync(string actor, string target) =>
            (await AuditAsync(AuditActions.AccessDenied, target)).SingleOrDefault(e => e.Actor == actor);

        // Refused by the admin policy, before any endpoint code runs.
        Assert.Equal(HttpStatusCode.Forbidden, (await viewerHttp.GetAsync("/api/admin/users")).StatusCode);
        Assert.Equal("403 GET", (await DenialAsync(viewer, "/api/admin/users"))?.Detail);
        // Knowledge-base endpoints: a viewer may not comment, a stranger may not see the versions.
        Assert.Equal(HttpStatusCode.Forbidden, (await viewerHttp.PostAsJsonAsync($"/api/docs/{page}/comments/any/replies", new { text = "t" })).StatusCode);
        Assert.Equal("403 POST", (await DenialAsync(viewer, $"/api/docs/{page}/comments/any/replies"))?.Detail);
        Assert.Equal(HttpStatusCode.NotFound, (await strangerHttp.GetAsync($"/api/docs/{page}/versions")).StatusCode);
        Assert.Equal("404 GET", (await DenialAsync(stranger, $"/api/docs/{page}/versions"))?.Detail);
        Assert.Equal(HttpStatusCode.Forbidden, (await strangerHttp.GetAsync("/api/directory/search?q=a")).StatusCode);
        Assert.NotNull(await DenialAsync(stranger, "/api/directory/search"));

        // Hub: a frame for a page the connection never joined, a space it cannot see, a viewer's write.
        await using (var hub = await Server.ConnectAsync(strangerToken, messagePack: false))
        {
            await Assert.ThrowsAsync<HubException>(() => hub.SendAsync(page, Frames.Sync(Spotter.Collab.Crdt.Protocols.SyncMessageType.Update, AuthorizationScene.TextUpdate())));
            await Assert.ThrowsAsync<HubException>(() => hub.InvokeAsync("WatchSpace", space));
        }
        Assert.Equal("hub Send", (await DenialAsync(stranger, page))?.Detail);
        Assert.Equal("hub WatchSpace", (await DenialAsync(stranger, space))?.Detail);
        await using (var hub = await Server.ConnectAsync(viewerToken, messagePack: false))
        {
            await hub.JoinAsync(page);
            // A client that keeps writing is recorded once (then at most once a minute), not once per frame.
            for (var i = 0; i < 5; i++) await hub.SendAsync(page, Frames.Sync(Spotter.Collab.Crdt.Protocols.SyncMessageType.Update, AuthorizationScene.TextUpdate()));
            await Eventually.HoldsAsync(() => hub.Rejections.Count(r => r.DocId == page && r.Code == "read-only") == 5, "every frame was rejected");
        }
        Assert.Equal("hub Send: read-only", (await DenialAsync(viewer, page))?.Detail);

        // Anonymous 401s are not written: nothing limits that traffic.
        using var anonymous = new HttpClient { BaseAddress = Server.BaseAddress };
        var probe = $"/api/docs/{AccessKit.NewName("probe")}/versions";
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync(probe)).StatusCode);
        Assert.Empty(await AuditAsync(AuditActions.AccessDenied, probe));
    }

    [Fact]
    public async Task Deactivation_and_directory_changes_are_audited_and_the_legacy_user_api_makes_employees()
    {
        var name = AccessKit.NewName("leg");
        await Server.CreateUserAsync(name, "Legacy");
        var admin = await _kit.AdminAsync();
        var entry = (await JsonAsync(await admin.GetAsync("/api/admin/users"))).EnumerateArray().Single(u => u.GetProperty("username").GetString() == name);
        Assert.Equal("employee", entry.GetProperty("kind").GetString());
        (await admin.PostAsync($"/api/admin/users/{name}/deactivate", null)).EnsureSuccessStatusCode();
        (await admin.PostAsync($"/api/admin/users/{name}/reactivate", null)).EnsureSuccessStatusCode();
        Assert.Single(await AuditAsync(AuditActions.UserDeactivated, name));
        Assert.Single(await AuditAsync(AuditActions.UserReactivated, name));
        Assert.Equal(HttpStatusCode.NotFound, (await admin.PostAsync($"/api/admin/users/{AccessKit.NewName("nobody")}/deactivate", null)).StatusCode);
    }
}
