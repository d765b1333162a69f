using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.DependencyInjection;
using Spotter.Collab.WebHost.Hubs;
using Spotter.Collab.Crdt.Protocols;
using Spotter.Collab.Grains.Protocol;
using Spotter.Collab.Server.Tests.Infrastructure;

namespace Spotter.Collab.Server.Tests.Host;

/// <summary>One server for the class; each test uses its own users and documents.</summary>
public sealed class HubServerFixture : IAsyncLifetime, IDisposable
{
    private readonly TempDirectory _directory = new();

    public CollabTestServer Server { get; private set; } = null!;

    public async Task InitializeAsync() => Server = await CollabTestServer.StartAsync(_directory.Path, new Dictionary<string, string>
    {
        ["Collab:MaxFrameBytes"] = "65536",
        // Hosts refresh their observers every 2 s (a third of the expiry).
        ["Documents:ObserverExpiry"] = "00:00:06",
    });

    public async Task DisposeAsync() => await Server.DisposeAsync();

    public void Dispose() => _directory.Dispose();
}

public sealed class CollabHubTests(HubServerFixture fixture) : IClassFixture<HubServerFixture>
{
    private CollabTestServer Server => fixture.Server;

    private static string NewName(string prefix) => $"{prefix}{Guid.NewGuid():N}"[..20];

    private async Task<(string Name, string Token)> UserAsync(string prefix)
    {
        var name = NewName(prefix);
        return (name, await Server.CreateUserAsync(name, prefix.ToUpperInvariant() + " Display"));
    }

    /// <summary>A new user's new document, shared with a second new user in <paramref name="role"/>.</summary>
    private async Task<((string Name, string Token) Owner, (string Name, string Token) Member, string DocId)> SharedDocumentAsync(
        string ownerPrefix, string memberPrefix, string role)
    {
        var owner = await UserAsync(ownerPrefix);
        var member = await UserAsync(memberPrefix);
        var docId = await Server.CreateDocumentAsync(owner.Token);
        await Server.ShareAsync(owner.Token, docId, member.Name, role);
        return (owner, member, docId);
    }

    /// <summary>Joins, attaches a synced doc and performs the client's half of the initial sync.</summary>
    private static async Task<SyncedDoc> JoinSyncedAsync(TestClient client, string docId, ulong? clientId = null)
    {
        var doc = new SyncedDoc(clientId);
        client.Attach(docId, doc);
        // Attached before joining, so the doc answers the server's step 1 as it arrives.
        await client.JoinAsync(docId);
        await client.SendAsync(docId, doc.Step1());
        return doc;
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Join_answers_the_role_and_sends_sync_step_1(bool messagePack)
    {
        var (owner, viewer, docId) = await SharedDocumentAsync("own", "view", "viewer");

        await using var ownerClient = await Server.ConnectAsync(owner.Token, messagePack);
        await using var viewerClient = await Server.ConnectAsync(viewer.Token, messagePack);
        Assert.Equal("owner", await ownerClient.JoinAsync(docId));
        Assert.Equal("viewer", await viewerClient.JoinAsync(docId));
        await Eventually.HoldsAsync(() => viewerClient.FramesOf(docId, FrameType.Sync).Count > 0, "the server sent step 1");
        var step1 = Frames.Parse(viewerClient.FramesOf(docId, FrameType.Sync)[0]);
        Assert.Equal(SyncMessageType.Step1, step1.SyncType);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Missing_and_unshared_documents_give_the_same_forbidden_error(bool messagePack)
    {
        var owner = await UserAsync("own");
        var stranger = await UserAsync("str");
        var docId = await Server.CreateDocumentAsync(owner.Token);
        await using var client = await Server.ConnectAsync(stranger.Token, messagePack);

        var unshared = await Assert.ThrowsAsync<HubException>(() => client.JoinAsync(docId));
        var missing = await Assert.ThrowsAsync<HubException>(() => client.JoinAsync(Guid.NewGuid().ToString("N")));
        Assert.EndsWith("HubException: forbidden", unshared.Message, StringComparison.Ordinal);
        Assert.Equal(unshared.Message, missing.Message);
        // Sending to a document never joined is refused the same way.
        var send = await Assert.ThrowsAsync<HubException>(() => client.SendAsync(docId, [3]));
        Assert.EndsWith("HubException: forbidden", send.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Two_clients_co_edit_one_document_and_converge(bool messagePack)
    {
        var (alice, bob, docId) = await SharedDocumentAsync("ali", "bob", "editor");
        await using var aliceClient = await Server.ConnectAsync(alice.Token, messagePack);
        await using var bobClient = await Server.ConnectAsync(bob.Token, !messagePack);
        var aliceDoc = await JoinSyncedAsync(aliceClient, docId);
        var bobDoc = await JoinSyncedAsync(bobClient, docId);

        var edits = new List<Task>();
        for (var i = 0; i < 20; i++)
        {
            var a = aliceDoc.Edit(d => d.GetText("t").Insert(0, "a"));
            var b = bobDoc.Edit(d => d.GetText("t").Insert(d.GetText("t").ToString().Length, "b"));
            edits.Add(aliceClient.SendAsync(docId, a!));
            edits.Add(bobClient.SendAsync(docId, b!));
        }
        await Task.WhenAll(edits);
        await Eventually.HoldsAsync(() => aliceDoc.Text().Length == 40 && aliceDoc.Text() == bobDoc.Text(), "both copies converge");
        var server = await Server.ReadRootAsync(alice.Token, docId, "t");
        Assert.Equal(aliceDoc.Text(), server.GetString());
        Assert.Equal(20, aliceDoc.Text().Count(c => c == 'a'));

        // The sender never gets its own update echoed: Alice saw only Bob's updates (and sync replies).
        var aliceUpdates = aliceClient.FramesOf(docId, FrameType.Sync).Select(f => Frames.Parse(f).SyncType).Count(t => t == SyncMessageType.Update);
        Assert.InRange(aliceUpdates, 1, 20);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Viewer_writes_are_rejected_and_never_applied(bool messagePack)
    {
        var (owner, viewer, docId) = await SharedDocumentAsync("own", "view", "commenter");
        await using var ownerClient = await Server.ConnectAsync(owner.Token, messagePack);
        await using var viewerClient = await Server.ConnectAsync(viewer.Token, messagePack);
        var ownerDoc = await JoinSyncedAsync(ownerClient, docId);
        await ownerClient.SendAsync(docId, ownerDoc.Edit(d => d.GetText("t").Insert(0, "base"))!);
        var viewerDoc = await JoinSyncedAsync(viewerClient, docId);
        await Eventually.HoldsAsync(() => viewerDoc.Text() == "base", "the viewer received the content");
        Assert.Empty(viewerClient.Rejections);

        await viewerClient.SendAsync(docId, viewerDoc.Edit(d => d.GetText("t").Insert(4, "!"))!);
        // Rejected is sent before Send completes; the .NET client runs handlers asynchronously, hence the wait.
        await Eventually.HoldsAsync(() => viewerClient.Rejections.Count == 1, "the viewer was told");
        var rejection = Assert.Single(viewerClient.Rejections);
        Assert.Equal((docId, "read-only"), (rejection.DocId, rejection.Code));
        // Its step 2 now carries the forbidden change too: also rejected.
        await viewerClient.SendAsync(docId, Frames.Sync(SyncMessageType.Step2, viewerDoc.Doc.EncodeStateAsUpdate()));
        await Eventually.HoldsAsync(() => viewerClient.Rejections.Count == 2, "the second write was rejected");
        Assert.Equal("base", (await Server.ReadRootAsync(owner.Token, docId, "t")).GetString());
        Assert.Equal("base", ownerDoc.Text());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Malformed_and_oversized_frames_are_rejected_and_the_connection_stays_usable(bool messagePack)
    {
        var owner = await UserAsync("own");
        var docId = await Server.CreateDocumentAsync(owner.Token);
        await using var client = await Server.ConnectAsync(owner.Token, messagePack);
        var doc = await JoinSyncedAsync(client, docId);
        await client.SendAsync(docId, doc.Edit(d => d.GetText("t").Insert(0, "ok"))!);

        await client.SendAsync(docId, Frames.Sync(SyncMessageType.Update, [5, 200, 1, 2, 3, 4, 9, 9, 9]));
        await client.SendAsync(docId, [0, 2, 40, 1]);
        await client.SendAsync(docId, [7, 1]);
        await client.SendAsync(docId, Frames.Awareness([1, 5, 1]));
        await client.SendAsync(docId, new byte[70_000]);
        await Eventually.HoldsAsync(() => client.Rejections.Count == 5, "all five frames were rejected");
        var codes = client.Rejections.Select(r => r.Code).ToList();
        Assert.Equal(["malformed", "malformed", "malformed", "malformed", "too-large"], codes);
        Assert.Equal("ok", (await Server.ReadRootAsync(owner.Token, docId, "t")).GetString());

        await client.SendAsync(docId, doc.Edit(d => d.GetText("t").Insert(2, "!"))!);
        Assert.Equal("ok!", (await Server.ReadRootAsync(owner.Token, docId, "t")).GetString());
        Assert.Equal(5, client.Rejections.Count);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Awareness_identity_is_stamped_foreign_ids_dropped_and_states_removed_on_disconnect(bool messagePack)
    {
        var (alice, bob, docId) = await SharedDocumentAsync("ali", "bob", "viewer");
        var aliceClient = await Server.ConnectAsync(alice.Token, messagePack);
        await using var bobClient = await Server.ConnectAsync(bob.Token, messagePack);
        await aliceClient.JoinAsync(docId);
        await bobClient.JoinAsync(docId);

        var forged = AwarenessUpdates.Encode((1111, 1, """{"user":{"id":"mallory","name":"Evil"},"cursor":7}"""));
        await aliceClient.SendAsync(docId, Frames.Awareness(forged));
        await Eventually.HoldsAsync(() => bobClient.AwarenessOf(docId).Any(e => e.Client == 1111), "bob sees alice's state");
        var state = bobClient.AwarenessOf(docId).Last(e => e.Client == 1111).State!;
        // The opaque id, never the username (a partner on the page would see it).
        Assert.Equal(await Server.PublicIdAsync(alice.Token, docId), (string?)state["user"]!["id"]);
        Assert.NotEqual(alice.Name, (string?)state["user"]!["id"]);
        Assert.Equal("ALI Display", (string?)state["user"]!["name"]);
        Assert.Equal(7, (long?)state["cursor"]);

        // Bob (a viewer may publish awareness) tries to overwrite Alice's id and publishes his own.
        var hijack = AwarenessUpdates.Encode((1111, 50, """{"cursor":0}"""), (2222, 1, "{}"));
        await bobClient.SendAsync(docId, Frames.Awareness(hijack));
        await Eventually.HoldsAsync(() => aliceClient.AwarenessOf(docId).Any(e => e.Client == 2222), "alice sees bob's state");
        Assert.DoesNotContain(aliceClient.AwarenessOf(docId), e => e.Client == 1111);
        Assert.Empty(bobClient.Rejections);

        // Query-awareness answers with the other connections' states.
        await bobClient.SendAsync(docId, [3]);
        await Eventually.HoldsAsync(() => bobClient.AwarenessOf(docId).Count(e => e.Client == 1111) >= 2, "bob got the query answer");
        Assert.DoesNotContain(bobClient.AwarenessOf(docId), e => e.Client == 1111 && (long?)e.State?["cursor"] == 0);

        await aliceClient.DisposeAsync();
        await Eventually.HoldsAsync(() => bobClient.AwarenessOf(docId).Any(e => e.Client == 1111 && e.State is null), "alice's state is removed");
        var removal = bobClient.AwarenessOf(docId).Last(e => e.Client == 1111);
        Assert.True(removal.Clock > 1);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Removing_a_member_revokes_the_live_connection_while_its_other_document_keeps_working(bool messagePack)
    {
        var owner = await UserAsync("own");
        var bob = await UserAsync("bob");
        var revokedDoc = await Server.CreateDocumentAsync(owner.Token);
        var keptDoc = await Server.CreateDocumentAsync(owner.Token);
        await Server.ShareAsync(owner.Token, revokedDoc, bob.Name, "editor");
        await Server.ShareAsync(owner.Token, keptDoc, bob.Name, "editor");
        await using var ownerClient = await Server.ConnectAsync(owner.Token, messagePack);
        await using var bobClient = await Server.ConnectAsync(bob.Token, messagePack);
        var ownerKept = await JoinSyncedAsync(ownerClient, keptDoc);
        var ownerRevoked = await JoinSyncedAsync(ownerClient, revokedDoc);
        var bobRevoked = await JoinSyncedAsync(bobClient, revokedDoc);
        var bobKept = await JoinSyncedAsync(bobClient, keptDoc);

        await Server.UnshareAsync(owner.Token, revokedDoc, bob.Name);
        await Eventually.HoldsAsync(() => bobClient.Revocations.Any(r => r.DocId == revokedDoc), "bob is told about the revocation");
        Assert.DoesNotContain(bobClient.Revocations, r => r.DocId == keptDoc);
        await Assert.ThrowsAsync<HubException>(() => bobClient.SendAsync(revokedDoc, bobRevoked.Edit(d => d.GetText("t").Insert(0, "x"))!));
        Assert.Equal("", (await Server.ReadRootAsync(owner.Token, revokedDoc, "t")).GetString());

        await bobClient.SendAsync(keptDoc, bobKept.Edit(d => d.GetText("t").Insert(0, "still here"))!);
        await Eventually.HoldsAsync(() => ownerKept.Text() == "still here", "the owner sees bob's edit on the other document");
        var receivedAfterRevoke = bobClient.Received.Count(r => r.DocId == revokedDoc);
        await using var ownerWitness = await Server.ConnectAsync(owner.Token, messagePack);
        var witnessed = await JoinSyncedAsync(ownerWitness, revokedDoc);
        await ownerClient.SendAsync(revokedDoc, ownerRevoked.Edit(d => d.GetText("t").Insert(0, "private"))!);
        // The document's broadcast has gone out (another member got it) and a round trip on bob's connection has
        // completed after it, so a frame meant for bob would have arrived by now.
        await Eventually.HoldsAsync(() => witnessed.Text() == "private", "another connection of the owner got the edit");
        await bobClient.InvokeAsync("UnwatchSpace", "any");
        Assert.Equal(receivedAfterRevoke, bobClient.Received.Count(r => r.DocId == revokedDoc));
    }

    [Fact]
    public async Task One_observer_per_open_document_is_kept_while_local_connections_use_it()
    {
        var connections = Server.Services.GetRequiredService<DocumentConnections>();
        var owner = await UserAsync("own");
        var docId = await Server.CreateDocumentAsync(owner.Token);
        var before = connections.OpenDocumentCount;
        var first = await Server.ConnectAsync(owner.Token, messagePack: true);
        var second = await Server.ConnectAsync(owner.Token, messagePack: false);
        await first.JoinAsync(docId);
        await second.JoinAsync(docId);
        Assert.Equal(before + 1, connections.OpenDocumentCount);
        await first.LeaveAsync(docId);
        Assert.Equal(before + 1, connections.OpenDocumentCount);
        await Assert.ThrowsAsync<HubException>(() => first.SendAsync(docId, [3]));
        await second.DisposeAsync();
        await Eventually.HoldsAsync(() => connections.OpenDocumentCount == before, "the last connection released the observer");
        await first.DisposeAsync();
    }

    [Fact]
    public async Task Connections_keep_receiving_after_the_document_grain_is_reactivated()
    {
        var (alice, bob, docId) = await SharedDocumentAsync("ali", "bob", "editor");
        await using var aliceClient = await Server.ConnectAsync(alice.Token, messagePack: true);
        await using var bobClient = await Server.ConnectAsync(bob.Token, messagePack: false);
        var aliceDoc = await JoinSyncedAsync(aliceClient, docId);
        var bobDoc = await JoinSyncedAsync(bobClient, docId);
        await aliceClient.SendAsync(docId, aliceDoc.Edit(d => d.GetText("t").Insert(0, "before "))!);
        await Eventually.HoldsAsync(() => bobDoc.Text() == "before ", "bob got the first edit");

        // Collect every idle activation: the document grain forgets its observers.
        await Server.Services.GetRequiredService<IGrainFactory>().GetGrain<IManagementGrain>(0).ForceActivationCollection(TimeSpan.Zero);
        // Written over HTTP, so no hub call tells this host about the new activation before it broadcasts:
        // only the periodic refresh notices, and its catch-up must deliver what the broadcast missed.
        var update = Frames.Parse(aliceDoc.Edit(d => d.GetText("t").Insert(7, "after"))!).Payload.ToArray();
        using var http = Server.Client(alice.Token);
        using var body = new ByteArrayContent(update);
        body.Headers.ContentType = new("application/octet-stream");
        Assert.True((await http.PostAsync($"/api/docs/{docId}/updates", body)).IsSuccessStatusCode);
        await Eventually.HoldsAsync(() => bobDoc.Text() == "before after", "bob got the edit made after reactivation");
    }

    [Fact]
    public async Task Awareness_floods_are_rate_limited_per_connection()
    {
        var owner = await UserAsync("own");
        var docId = await Server.CreateDocumentAsync(owner.Token);
        await using var client = await Server.ConnectAsync(owner.Token, messagePack: true);
        await client.JoinAsync(docId);
        for (var clock = 1UL; clock <= 150; clock++)
        {
            await client.SendAsync(docId, Frames.Awareness(AwarenessUpdates.Encode((9, clock, "{}"))));
        }
        await Eventually.HoldsAsync(() => client.Rejections.Any(r => r.Code == "rate-limited"), "the flood was limited");
        Assert.All(client.Rejections, r => Assert.Equal("rate-limited", r.Code));
        Assert.InRange(client.Rejections.Count, 1, 110);
    }

    [Fact]
    public async Task Downgrading_a_member_rejects_later_writes_at_once()
    {
        var (owner, bob, docId) = await SharedDocumentAsync("own", "bob", "editor");
        await using var bobClient = await Server.ConnectAsync(bob.Token, messagePack: true);
        var doc = await JoinSyncedAsync(bobClient, docId);
        await bobClient.SendAsync(docId, doc.Edit(d => d.GetText("t").Insert(0, "one"))!);
        await Server.ShareAsync(owner.Token, docId, bob.Name, "viewer");
        await bobClient.SendAsync(docId, doc.Edit(d => d.GetText("t").Insert(3, " two"))!);
        await Eventually.HoldsAsync(() => !bobClient.Rejections.IsEmpty, "bob was told");
        Assert.Equal("read-only", Assert.Single(bobClient.Rejections).Code);
        Assert.Equal("one", (await Server.ReadRootAsync(owner.Token, docId, "t")).GetString());
    }
}
