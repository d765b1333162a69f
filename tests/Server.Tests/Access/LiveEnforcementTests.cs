using System.Text.Json;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using Microsoft.AspNetCore.SignalR;
using Spotter.Collab.Grains.Protocol;
using Spotter.Collab.Server.Tests.Host;
using Spotter.Collab.Server.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Spotter.Collab.Server.Tests.Access;

/// <summary>
/// Permission changes reach open connections at once, over real SignalR clients: the time from the API call
/// returning to the client's event is measured and must stay under a second.
/// </summary>
public sealed class LiveEnforcementTests(HubServerFixture fixture, ITestOutputHelper output) : IClassFixture<HubServerFixture>, IDisposable
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(1);
    private readonly AccessKit _kit = new(fixture.Server);

    private CollabTestServer Server => fixture.Server;

    public void Dispose() => _kit.Dispose();

    private static async Task<SyncedDoc> JoinAsync(TestClient client, string docId)
    {
        var doc = new SyncedDoc();
        client.Attach(docId, doc);
        await client.JoinAsync(docId);
        await client.SendAsync(docId, doc.Step1());
        return doc;
    }

    /// <summary>Runs the change, then waits for the client's event of <paramref name="kind"/> for the document and
    /// returns the time from the start of the change's API call to the event's arrival (the event often arrives
    /// before the call returns).</summary>
    private async Task<TimeSpan> MeasureAsync(TestClient client, string kind, string docId, Func<Task> change, string what)
    {
        var before = client.Events.Count(e => e.Kind == kind && e.Id == docId);
        var start = DateTime.UtcNow;
        await change();
        var watch = Stopwatch.StartNew();
        while (client.Events.Count(e => e.Kind == kind && e.Id == docId) == before)
        {
            if (watch.Elapsed > TimeSpan.FromSeconds(10)) Assert.Fail($"no {kind} after {what}");
            await Task.Delay(5);
        }
        var latency = client.Events.Where(e => e.Kind == kind && e.Id == docId).Last().At - start;
        output.WriteLine($"{what}: {kind} after {latency.TotalMilliseconds:F0} ms");
        Assert.True(latency < Limit, $"{what}: {kind} took {latency.TotalMilliseconds:F0} ms");
        return latency;
    }

    private static async Task AssertWriteRefusedAsync(TestClient client, SyncedDoc doc, string docId)
    {
        await Assert.ThrowsAsync<HubException>(() => client.SendAsync(docId, doc.Edit(d => d.GetText("t").Insert(0, "late"))!));
    }

    [Fact]
    public async Task A_downgrade_tells_the_client_its_new_role_and_later_writes_are_read_only()
    {
        var (_, ownerToken) = await _kit.UserAsync("own");
        var (bob, bobToken) = await _kit.UserAsync("bob");
        var space = await _kit.SpaceAsync(ownerToken);
        var page = await _kit.PageAsync(ownerToken, space);
        var grant = await _kit.GrantAsync(ownerToken, page, $"user:{bob}", "edit");
        await using var client = await Server.ConnectAsync(bobToken, messagePack: true);
        var doc = await JoinAsync(client, page);
        await client.SendAsync(page, doc.Edit(d => d.GetText("t").Insert(0, "ok"))!);

        await MeasureAsync(client, "RoleChanged", page, () => _kit.GrantAsync(ownerToken, page, $"user:{bob}", "view"), "downgrade to view");
        Assert.Equal("viewer", client.Events.Last(e => e.Kind == "RoleChanged").Value);
        await client.SendAsync(page, doc.Edit(d => d.GetText("t").Insert(0, "nope"))!);
        await Eventually.HoldsAsync(() => client.Rejections.Any(r => r.DocId == page && r.Code == "read-only"), "the write was rejected read-only");
        Assert.Equal("ok", (await Server.ReadRootAsync(ownerToken, page, "t")).GetString());

        // Back up again: the client's whole state (with the refused "nope") now goes through.
        await MeasureAsync(client, "RoleChanged", page, () => _kit.GrantAsync(ownerToken, page, $"user:{bob}", "edit"), "upgrade to edit");
        doc.Edit(d => d.GetText("t").Insert(d.GetText("t").Length, "!"));
        await client.SendAsync(page, Frames.Sync(Spotter.Collab.Crdt.Protocols.SyncMessageType.Update, doc.Doc.EncodeStateAsUpdate()));
        Assert.Equal("nopeok!", (await Server.ReadRootAsync(ownerToken, page, "t")).GetString());
        Assert.NotEmpty(grant);
    }

    [Fact]
    public async Task Removing_a_group_member_revokes_the_open_page_and_removes_their_awareness_for_everyone()
    {
        var (_, ownerToken) = await _kit.UserAsync("own");
        var (bob, bobToken) = await _kit.UserAsync("bob");
        var group = await _kit.CreateGroupAsync(AccessKit.NewName("grp"));
        await _kit.AddToGroupAsync(group, bob);
        var space = await _kit.SpaceAsync(ownerToken);
        var page = await _kit.PageAsync(ownerToken, space);
        await _kit.GrantAsync(ownerToken, space, $"group:{group}", "edit");
        await using var owner = await Server.ConnectAsync(ownerToken, messagePack: false);
        await using var client = await Server.ConnectAsync(bobToken, messagePack: true);
        await JoinAsync(owner, page);
        var doc = await JoinAsync(client, page);
        await client.SendAsync(page, Frames.Awareness(AwarenessUpdates.Encode((4242, 1, """{"cursor":3}"""))));
        await Eventually.HoldsAsync(() => owner.AwarenessOf(page).Any(e => e.Client == 4242 && e.State is not null), "the owner saw bob's cursor");

        var admin = await _kit.AdminAsync();
        await MeasureAsync(client, "Revoked", page, async () => (await admin.DeleteAsync($"/api/admin/groups/{group}/members/{bob}")).EnsureSuccessStatusCode(), "group membership removed");
        await Eventually.HoldsAsync(() => owner.AwarenessOf(page).Any(e => e.Client == 4242 && e.State is null), "bob's cursor was removed for the owner");
        var framesAtRevocation = client.Received.Count(r => r.DocId == page);
        await AssertWriteRefusedAsync(client, doc, page);
        await using var ownerWitness = await Server.ConnectAsync(ownerToken, messagePack: true);
        await JoinAsync(ownerWitness, page);
        await owner.SendAsync(page, Frames.Awareness(AwarenessUpdates.Encode((777, 1, """{"cursor":1}"""))));
        // The relay has gone out (another connection got it) and a round trip on bob's connection has completed
        // after it, so a frame meant for bob would have arrived by now.
        await Eventually.HoldsAsync(() => ownerWitness.AwarenessOf(page).Any(e => e.Client == 777), "another connection of the owner got the cursor");
        await client.InvokeAsync("UnwatchSpace", "any");
        Assert.Equal(framesAtRevocation, client.Received.Count(r => r.DocId == page));
        await Assert.ThrowsAsync<HubException>(() => client.JoinAsync(page));
        // The live revocation is evidence too.
        using var revoked = JsonDocument.Parse(await admin.GetStringAsync($"/api/admin/audit?action=access.revoked&target={page}"));
        Assert.Equal(bob, Assert.Single(revoked.RootElement.EnumerateArray()).GetProperty("actor").GetString());
    }

    [Fact]
    public async Task Deactivation_revokes_open_documents_closes_the_connection_and_kills_the_token()
    {
        var (_, ownerToken) = await _kit.UserAsync("own");
        var (bob, bobToken) = await _kit.UserAsync("bob");
        var docId = await Server.CreateDocumentAsync(ownerToken);
        await Server.ShareAsync(ownerToken, docId, bob, "editor");
        await using var client = await Server.ConnectAsync(bobToken, messagePack: false);
        await JoinAsync(client, docId);
        using var bobHttp = Server.Client(bobToken);
        Assert.Equal(HttpStatusCode.OK, (await bobHttp.GetAsync($"/api/docs/{docId}")).StatusCode);

        var admin = await _kit.AdminAsync();
        await MeasureAsync(client, "Revoked", docId, async () => (await admin.PostAsync($"/api/admin/users/{bob}/deactivate", null)).EnsureSuccessStatusCode(), "user deactivated");
        await Eventually.HoldsAsync(() => client.Events.Any(e => e.Kind == "Closed"), "the hub connection was closed", Limit);
        Assert.Equal(HttpStatusCode.Unauthorized, (await bobHttp.GetAsync($"/api/docs/{docId}")).StatusCode);
        await Assert.ThrowsAnyAsync<Exception>(async () => await Server.ConnectAsync(bobToken, messagePack: false));

        // After reactivation bob signs in again (whether old sessions survive is the auth module's rule).
        (await admin.PostAsync($"/api/admin/users/{bob}/reactivate", null)).EnsureSuccessStatusCode();
        using var again = Server.Client(await Server.LoginAsync(bob, CollabTestServer.UserPassword));
        Assert.Equal(HttpStatusCode.OK, (await again.GetAsync($"/api/docs/{docId}")).StatusCode);
    }

    [Fact]
    public async Task Revoking_a_share_link_revokes_its_sessions()
    {
        var (_, ownerToken) = await _kit.UserAsync("own");
        var space = await _kit.SpaceAsync(ownerToken);
        var page = await _kit.PageAsync(ownerToken, space);
        var (linkId, linkToken) = await _kit.LinkAsync(ownerToken, page, "anyone", "comment", "pass-1234");
        var session = await _kit.RedeemAsync(linkToken, "pass-1234");
        await using var guest = await Server.ConnectAsync(session, messagePack: true);
        var doc = await new Func<Task<SyncedDoc>>(async () =>
        {
            var synced = new SyncedDoc();
            guest.Attach(page, synced);
            Assert.Equal("commenter", await guest.JoinAsync(page));
            return synced;
        })();

        using var owner = Server.Client(ownerToken);
        await MeasureAsync(guest, "Revoked", page, async () => (await owner.DeleteAsync($"/api/links/{linkId}")).EnsureSuccessStatusCode(), "link revoked");
        await AssertWriteRefusedAsync(guest, doc, page);
        using var guestHttp = Server.Client(session);
        Assert.Equal(HttpStatusCode.NotFound, (await guestHttp.GetAsync($"/api/docs/{page}")).StatusCode);
    }

    [Fact]
    public async Task A_share_link_reaching_its_expiry_revokes_its_open_sessions_at_once()
    {
        var (_, ownerToken) = await _kit.UserAsync("own");
        var space = await _kit.SpaceAsync(ownerToken);
        var page = await _kit.PageAsync(ownerToken, space);
        using var owner = Server.Client(ownerToken);
        // Long enough to redeem and join first; far shorter than the documents' 30 s access refresh.
        var expiresAt = DateTimeOffset.UtcNow.AddSeconds(3);
        var link = await AccessKit.JsonAsync(await owner.PostAsJsonAsync($"/api/resources/{page}/links", new { scope = "anyone", role = "comment", expiresAt }));
        var session = await _kit.RedeemAsync(link.GetProperty("token").GetString()!);
        await using var guest = await Server.ConnectAsync(session, messagePack: false);
        Assert.Equal("commenter", await guest.JoinAsync(page));
        await guest.InvokeAsync("WatchSpace", space);
        Assert.True(DateTimeOffset.UtcNow < expiresAt, "the set-up took longer than the link lives");

        var watch = Stopwatch.StartNew();
        while (!guest.Events.Any(e => e.Kind == "Revoked" && e.Id == page))
        {
            if (watch.Elapsed > TimeSpan.FromSeconds(15)) Assert.Fail("no Revoked after the link expired");
            await Task.Delay(5);
        }
        var revokedAt = new DateTimeOffset(guest.Events.First(e => e.Kind == "Revoked" && e.Id == page).At, TimeSpan.Zero);
        var afterExpiry = revokedAt - expiresAt;
        output.WriteLine($"link expired: Revoked {afterExpiry.TotalMilliseconds:F0} ms after its expiry");
        Assert.True(afterExpiry >= TimeSpan.FromMilliseconds(-20), $"revoked {-afterExpiry.TotalMilliseconds:F0} ms before the expiry");
        Assert.True(afterExpiry < Limit, $"revoked {afterExpiry.TotalMilliseconds:F0} ms after the expiry");
        // The space's watchers are told too: the guest hears the change that took the space away.
        await Eventually.HoldsAsync(() => guest.Events.Any(e => e.Kind == "TreeChanged" && e.Id == space), "the expiry reached the space's watchers", Limit);
        using var guestHttp = Server.Client(session);
        Assert.Equal(HttpStatusCode.NotFound, (await guestHttp.GetAsync($"/api/docs/{page}")).StatusCode);
    }

    [Fact]
    public async Task A_company_link_session_is_bound_to_its_redeemer_deactivation_ends_it_and_the_audit_names_them()
    {
        var (_, ownerToken) = await _kit.UserAsync("own");
        var (bob, bobToken) = await _kit.UserAsync("bob");
        var space = await _kit.SpaceAsync(ownerToken);
        var page = await _kit.PageAsync(ownerToken, space);
        var (linkId, linkToken) = await _kit.LinkAsync(ownerToken, page, "company", "edit");
        var session = await _kit.RedeemAsync(linkToken, asToken: bobToken);
        var anonymous = await _kit.RedeemAsync((await _kit.LinkAsync(ownerToken, page, "anyone", "view")).Token);
        await using var guest = await Server.ConnectAsync(session, messagePack: false);
        await JoinAsync(guest, page);
        await using var stranger = await Server.ConnectAsync(anonymous, messagePack: false);
        await JoinAsync(stranger, page);
        using var sessionHttp = Server.Client(session);
        Assert.Equal(HttpStatusCode.OK, (await sessionHttp.GetAsync($"/api/docs/{page}")).StatusCode);
        // Something the session does is audited as the link, naming bob.
        Assert.Equal(HttpStatusCode.NotFound, (await sessionHttp.GetAsync($"/api/docs/{Guid.NewGuid():N}")).StatusCode);

        var admin = await _kit.AdminAsync();
        await MeasureAsync(guest, "Revoked", page, async () => (await admin.PostAsync($"/api/admin/users/{bob}/deactivate", null)).EnsureSuccessStatusCode(), "redeemer deactivated");
        await Eventually.HoldsAsync(() => guest.Events.Any(e => e.Kind == "Closed"), "the link session's hub connection was closed", Limit);
        Assert.Equal(HttpStatusCode.Unauthorized, (await sessionHttp.GetAsync($"/api/docs/{page}")).StatusCode);
        await Assert.ThrowsAnyAsync<Exception>(async () => await Server.ConnectAsync(session, messagePack: false));
        // An anonymous session of another link is nobody's: it stays.
        Assert.DoesNotContain(stranger.Events, e => e.Kind is "Revoked" or "Closed");
        using var strangerHttp = Server.Client(anonymous);
        Assert.Equal(HttpStatusCode.OK, (await strangerHttp.GetAsync($"/api/docs/{page}")).StatusCode);

        // Reactivation does not revive it: deactivation ended bob's sessions, and the link session was one of them.
        (await admin.PostAsync($"/api/admin/users/{bob}/reactivate", null)).EnsureSuccessStatusCode();
        Assert.Equal(HttpStatusCode.Unauthorized, (await sessionHttp.GetAsync($"/api/docs/{page}")).StatusCode);

        using var audit = JsonDocument.Parse(await admin.GetStringAsync($"/api/admin/audit?actor=link:{linkId}"));
        var details = audit.RootElement.EnumerateArray().Select(e => e.GetProperty("detail").GetString() ?? "").ToList();
        output.WriteLine(string.Join(" | ", details));
        Assert.Contains(details, d => d.StartsWith($"redeemer={bob}; 404", StringComparison.Ordinal));
        Assert.Contains(details, d => d == $"redeemer={bob}; live connection revoked (deactivated)");
        Assert.All(details, d => Assert.StartsWith($"redeemer={bob}", d, StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_link_session_ends_when_its_redeemer_signs_out()
    {
        var (_, ownerToken) = await _kit.UserAsync("own");
        var (bob, _) = await _kit.UserAsync("bob");
        var space = await _kit.SpaceAsync(ownerToken);
        var page = await _kit.PageAsync(ownerToken, space);
        var (_, linkToken) = await _kit.LinkAsync(ownerToken, page, "anyone", "view");
        using var login = await Server.Http.PostAsJsonAsync("/api/auth/login", new { username = bob, password = CollabTestServer.UserPassword });
        var signedIn = await AccessKit.JsonAsync(login);
        var session = await _kit.RedeemAsync(linkToken, asToken: signedIn.GetProperty("accessToken").GetString());
        using var sessionHttp = Server.Client(session);
        Assert.Equal(HttpStatusCode.OK, (await sessionHttp.GetAsync($"/api/docs/{page}")).StatusCode);

        (await Server.Http.PostAsJsonAsync("/api/auth/logout", new { refreshToken = signedIn.GetProperty("refreshToken").GetString() })).EnsureSuccessStatusCode();
        Assert.Equal(HttpStatusCode.Unauthorized, (await sessionHttp.GetAsync($"/api/docs/{page}")).StatusCode);
    }

    [Fact]
    public async Task Moving_an_open_page_below_a_restricted_page_revokes_those_who_lose_access()
    {
        var (_, ownerToken) = await _kit.UserAsync("own");
        var (_, bobToken) = await _kit.UserAsync("bob");
        var space = await _kit.SpaceAsync(ownerToken);
        var vault = await _kit.PageAsync(ownerToken, space, title: "Vault");
        var page = await _kit.PageAsync(ownerToken, space, title: "Notes");
        await _kit.GrantAsync(ownerToken, space, "company", "view");
        using var owner = Server.Client(ownerToken);
        (await owner.PatchAsJsonAsync($"/api/resources/{vault}/settings", new { restricted = true })).EnsureSuccessStatusCode();
        await using var client = await Server.ConnectAsync(bobToken, messagePack: false);
        Assert.Equal("viewer", await client.JoinAsync(page));

        await MeasureAsync(client, "Revoked", page, async () =>
            (await owner.PostAsJsonAsync($"/api/pages/{page}/move", new { parentId = vault, index = 0 })).EnsureSuccessStatusCode(), "page moved into a restricted page");
    }

    [Fact]
    public async Task A_watcher_who_loses_sight_of_a_space_hears_nothing_more_about_it()
    {
        var (_, ownerToken) = await _kit.UserAsync("own");
        var (bob, bobToken) = await _kit.UserAsync("bob");
        var (_, carolToken) = await _kit.UserAsync("car");
        var group = await _kit.CreateGroupAsync(AccessKit.NewName("readers"));
        await _kit.AddToGroupAsync(group, bob);
        var space = await _kit.SpaceAsync(ownerToken);
        await _kit.GrantAsync(ownerToken, space, $"group:{group}", "view");
        await _kit.GrantAsync(ownerToken, space, "company", "view");
        var secret = await _kit.PageAsync(ownerToken, space, title: "Secret");
        using (var owner = Server.Client(ownerToken))
        {
            (await owner.PatchAsJsonAsync($"/api/resources/{secret}/settings", new { restricted = true })).EnsureSuccessStatusCode();
        }
        await using var ownerWatch = await Server.ConnectAsync(ownerToken, messagePack: true);
        await using var bobWatch = await Server.ConnectAsync(bobToken, messagePack: true);
        await using var bobSecond = await Server.ConnectAsync(bobToken, messagePack: false);
        await using var carolWatch = await Server.ConnectAsync(carolToken, messagePack: true);
        foreach (var client in new[] { ownerWatch, bobWatch, bobSecond, carolWatch }) await client.InvokeAsync("WatchSpace", space);
        await MeasureAsync(bobWatch, "TreeChanged", space, () => _kit.PageAsync(ownerToken, space), "page created");

        // The company grant goes: carol (company only) loses the space, bob keeps it through his group.
        await Task.Delay(200);
        var carolHeard = carolWatch.Events.Count(e => e.Kind == "TreeChanged");
        Assert.True(carolHeard > 0);
        using (var owner = Server.Client(ownerToken))
        {
            var grants = await AccessKit.JsonAsync(await owner.GetAsync($"/api/resources/{space}/grants"));
            var company = grants.EnumerateArray().Single(g => g.GetProperty("principal").GetString() == "company").GetProperty("id").GetString();
            (await owner.DeleteAsync($"/api/resources/{space}/grants/{company}")).EnsureSuccessStatusCode();
        }
        await MeasureAsync(bobWatch, "TreeChanged", space, () => _kit.PageAsync(ownerToken, space), "page created after carol lost the space");

        // Bob leaves the group: both of his connections stop hearing, the owner still does.
        await Task.Delay(200);
        var bobHeard = (bobWatch.Events.Count(e => e.Kind == "TreeChanged"), bobSecond.Events.Count(e => e.Kind == "TreeChanged"));
        (await (await _kit.AdminAsync()).DeleteAsync($"/api/admin/groups/{group}/members/{bob}")).EnsureSuccessStatusCode();
        await MeasureAsync(ownerWatch, "TreeChanged", space, () => _kit.PageAsync(ownerToken, space), "page created after bob lost the space");
        await MeasureAsync(ownerWatch, "TreeChanged", space, () => _kit.PageAsync(ownerToken, space, parentId: secret), "page created under the restricted page");
        await Task.Delay(200);
        // Each heard exactly one more: the change that took the space away (so their client drops it), then nothing.
        Assert.Equal(carolHeard + 1, carolWatch.Events.Count(e => e.Kind == "TreeChanged"));
        Assert.Equal((bobHeard.Item1 + 1, bobHeard.Item2 + 1), (bobWatch.Events.Count(e => e.Kind == "TreeChanged"), bobSecond.Events.Count(e => e.Kind == "TreeChanged")));

        // Given access again, bob may watch again and hears changes.
        await _kit.AddToGroupAsync(group, bob);
        await bobWatch.InvokeAsync("WatchSpace", space);
        await MeasureAsync(bobWatch, "TreeChanged", space, () => _kit.PageAsync(ownerToken, space), "page created after bob came back");
    }

    [Fact]
    public async Task Watchers_of_a_space_hear_about_tree_changes_and_others_cannot_watch()
    {
        var (_, ownerToken) = await _kit.UserAsync("own");
        var (_, strangerToken) = await _kit.UserAsync("str");
        var space = await _kit.SpaceAsync(ownerToken);
        await using var watcher = await Server.ConnectAsync(ownerToken, messagePack: true);
        await watcher.InvokeAsync("WatchSpace", space);
        var page = "";
        await MeasureAsync(watcher, "TreeChanged", space, async () => page = await _kit.PageAsync(ownerToken, space), "page created");

        // Another reader of the space hears every kind of tree change, made by someone else.
        var (reader, readerToken) = await _kit.UserAsync("rdr");
        await _kit.GrantAsync(ownerToken, space, $"user:{reader}", "view");
        await using var readerWatch = await Server.ConnectAsync(readerToken, messagePack: false);
        await readerWatch.InvokeAsync("WatchSpace", space);
        var other = await _kit.PageAsync(ownerToken, space);
        using var owner = Server.Client(ownerToken);
        await MeasureAsync(readerWatch, "TreeChanged", space,
            async () => (await owner.PatchAsJsonAsync($"/api/pages/{page}", new { title = "Renamed" })).EnsureSuccessStatusCode(), "page renamed");
        await MeasureAsync(readerWatch, "TreeChanged", space,
            async () => (await owner.PostAsJsonAsync($"/api/pages/{page}/move", new { parentId = other })).EnsureSuccessStatusCode(), "page moved");
        await MeasureAsync(readerWatch, "TreeChanged", space,
            async () => (await owner.PostAsync($"/api/pages/{other}/trash", null)).EnsureSuccessStatusCode(), "page trashed");
        await MeasureAsync(readerWatch, "TreeChanged", space,
            async () => (await owner.PostAsync($"/api/pages/{other}/restore", null)).EnsureSuccessStatusCode(), "page restored");

        await using var stranger = await Server.ConnectAsync(strangerToken, messagePack: true);
        var unshared = await Assert.ThrowsAsync<HubException>(() => stranger.InvokeAsync("WatchSpace", space));
        var missing = await Assert.ThrowsAsync<HubException>(() => stranger.InvokeAsync("WatchSpace", Guid.NewGuid().ToString("N")));
        Assert.Equal(unshared.Message, missing.Message);
    }
}
