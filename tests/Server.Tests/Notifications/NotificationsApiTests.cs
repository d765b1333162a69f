using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.SignalR.Client;
using Spotter.Collab.Crdt;
using Spotter.Collab.Server.Tests.Infrastructure;

namespace Spotter.Collab.Server.Tests.Notifications;

public sealed class NotificationsServerFixture : IAsyncLifetime, IDisposable
{
    private readonly TempDirectory _directory = new();

    public CollabTestServer Server { get; private set; } = null!;

    public async Task InitializeAsync() => Server = await CollabTestServer.StartAsync(_directory.Path, new Dictionary<string, string>
    {
        // Page mentions are found on the indexing pass.
        ["KnowledgeBase:IndexDelay"] = "00:00:00.100",
    });

    public async Task DisposeAsync() => await Server.DisposeAsync();

    public void Dispose() => _directory.Dispose();
}

/// <summary>Mentions, replies and shares reach the inbox of people who may read the resource, through HTTP and the hub.</summary>
public sealed class NotificationsApiTests(NotificationsServerFixture fixture) : IClassFixture<NotificationsServerFixture>
{
    private static readonly string[] MutedReplies = ["reply"];
    private static readonly string[] MutedUnknown = ["everything"];

    private CollabTestServer Server => fixture.Server;

    private async Task<(string Name, HttpClient Http, string Token)> UserAsync(string prefix, string? displayName = null)
    {
        var name = $"{prefix}{Guid.NewGuid():N}"[..20];
        var token = await Server.CreateUserAsync(name, displayName ?? prefix.ToUpperInvariant() + " user");
        return (name, Server.Client(token), token);
    }

    private static async Task<JsonElement> JsonAsync(HttpClient http, string url)
    {
        var response = await http.GetAsync(url);
        Assert.True(response.IsSuccessStatusCode, $"GET {url}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return json.RootElement.Clone();
    }

    private static async Task<JsonElement> InboxAsync(HttpClient http, string query = "") => await JsonAsync(http, "/api/notifications" + query);

    private static JsonElement[] Items(JsonElement inbox) => inbox.GetProperty("items").EnumerateArray().ToArray();

    /// <summary>A page with one paragraph, so comments have text to anchor to.</summary>
    private async Task<(string DocId, object Anchor)> PageWithTextAsync(HttpClient owner, string ownerToken, string title)
    {
        var docId = await Server.CreateDocumentAsync(ownerToken, title);
        Assert.Equal(HttpStatusCode.NoContent, (await owner.PostAsync($"/api/docs/{docId}/import", new StringContent("Please review this sentence.\n", Encoding.UTF8, "text/markdown"))).StatusCode);
        await using var client = await Server.ConnectAsync(ownerToken, messagePack: true);
        var synced = new SyncedDoc();
        client.Attach(docId, synced);
        await client.JoinAsync(docId);
        await client.SendAsync(docId, synced.Step1());
        await Eventually.HoldsAsync(() => synced.Doc.GetXmlFragment("default").Length > 0, "synced the document");
        await client.LeaveAsync(docId);
        var doc = synced.Doc;
        var text = (YXmlText)((YXmlElement)doc.GetXmlFragment("default").Get(0)).Get(0);
        var start = Convert.ToBase64String(RelativePosition.FromTypeIndex(text, 7).Encode());
        var end = Convert.ToBase64String(RelativePosition.FromTypeIndex(text, 13).Encode());
        return (docId, new { start, end });
    }

    private static async Task<string> CommentAsync(HttpClient http, string docId, object anchor, string text)
    {
        var response = await http.PostAsJsonAsync($"/api/docs/{docId}/comments", new { anchor, quote = "review", text });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return json.RootElement.GetProperty("id").GetString()!;
    }

    [Fact]
    public async Task A_comment_mention_reaches_a_reader_live_and_nobody_without_access()
    {
        var (_, owner, ownerToken) = await UserAsync("own", "Olga Owner");
        var (readerName, reader, readerToken) = await UserAsync("rea");
        var (outsiderName, outsider, _) = await UserAsync("out");
        var (docId, anchor) = await PageWithTextAsync(owner, ownerToken, "Supplier audit");
        await Server.ShareAsync(ownerToken, docId, readerName, "viewer");
        await reader.PostAsJsonAsync("/api/notifications/read-all", new { });

        var pushes = new ConcurrentQueue<(string Id, string Kind, string ResourceId, int Unread)>();
        await using var hub = new HubConnectionBuilder()
            .WithUrl(new Uri(Server.BaseAddress, "/hubs/collab"), o => o.AccessTokenProvider = () => Task.FromResult<string?>(readerToken))
            .Build();
        hub.On<string, string, string, int>("Notification", (id, kind, resource, unread) => pushes.Enqueue((id, kind, resource, unread)));
        await hub.StartAsync();

        var threadId = await CommentAsync(owner, docId, anchor, $"@{readerName} and @{outsiderName}: which part?");

        await Eventually.HoldsAsync(() => pushes.Any(p => p.Kind == "mention" && p.ResourceId == docId && p.Unread == 1), "the mention was pushed to the reader's hub connection");
        var inbox = await InboxAsync(reader);
        Assert.Equal(1, inbox.GetProperty("unread").GetInt32());
        // The share was read before; the mention is the one unread notification.
        var mention = Items(inbox)[0];
        Assert.Equal(["mention", "share"], Items(inbox).Select(n => n.GetProperty("kind").GetString()));
        Assert.Equal(docId, mention.GetProperty("resourceId").GetString());
        Assert.Equal("Supplier audit", mention.GetProperty("title").GetString());
        Assert.Equal(threadId, mention.GetProperty("anchor").GetString());
        Assert.Equal("Olga Owner", mention.GetProperty("actorName").GetString());
        Assert.Contains("which part?", mention.GetProperty("snippet").GetString());
        Assert.False(mention.GetProperty("read").GetBoolean());

        // Mentioned without access: nothing stored, nothing counted.
        var outsiderInbox = await InboxAsync(outsider);
        Assert.Empty(Items(outsiderInbox));
        Assert.Equal(0, outsiderInbox.GetProperty("unread").GetInt32());
        Assert.Equal(0, (await JsonAsync(outsider, "/api/notifications/unread")).GetProperty("unread").GetInt32());

        // Marking it read updates the count, here and on the hub.
        var read = await reader.PostAsJsonAsync("/api/notifications/read", new { ids = new[] { mention.GetProperty("id").GetInt64() } });
        Assert.Equal(0, (await read.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("unread").GetInt32());
        await Eventually.HoldsAsync(() => pushes.Any(p => p.Id == "" && p.Unread == 0), "the new unread count was pushed");
        Assert.All(Items(await InboxAsync(reader)), n => Assert.True(n.GetProperty("read").GetBoolean()));
        Assert.Empty(Items(await InboxAsync(reader, "?unread=true")));
    }

    [Fact]
    public async Task A_notification_about_a_page_the_user_lost_is_hidden_until_access_returns()
    {
        var (_, owner, ownerToken) = await UserAsync("own");
        var (readerName, reader, _) = await UserAsync("rea");
        var (docId, anchor) = await PageWithTextAsync(owner, ownerToken, "Secret plan");
        await Server.ShareAsync(ownerToken, docId, readerName, "commenter");
        await CommentAsync(owner, docId, anchor, $"cc @{readerName}.");
        Assert.Equal(2, Items(await InboxAsync(reader)).Length); // the share and the mention

        await Server.UnshareAsync(ownerToken, docId, readerName);
        var hidden = await InboxAsync(reader);
        Assert.Empty(Items(hidden));
        Assert.Equal(0, hidden.GetProperty("unread").GetInt32());
        Assert.DoesNotContain("Secret plan", hidden.GetRawText());

        // Titles come from current data: the page renamed meanwhile shows its new title once it is readable again.
        Assert.True((await owner.PatchAsJsonAsync($"/api/pages/{docId}", new { title = "Open plan" })).IsSuccessStatusCode);
        await Server.ShareAsync(ownerToken, docId, readerName, "viewer");
        var back = Items(await InboxAsync(reader));
        Assert.Equal(["share", "mention", "share"], back.Select(n => n.GetProperty("kind").GetString()));
        Assert.All(back, n => Assert.Equal("Open plan", n.GetProperty("title").GetString()));
    }

    [Fact]
    public async Task A_reply_notifies_whoever_started_the_thread_and_muted_kinds_are_not_delivered()
    {
        var (starterName, starter, starterToken) = await UserAsync("sta");
        var (replierName, replier, _) = await UserAsync("rep");
        var (docId, anchor) = await PageWithTextAsync(starter, starterToken, "Incident review");
        await Server.ShareAsync(starterToken, docId, replierName, "commenter");
        var threadId = await CommentAsync(starter, docId, anchor, "What happened?");
        Assert.Equal(HttpStatusCode.OK, (await replier.PostAsJsonAsync($"/api/docs/{docId}/comments/{threadId}/replies", new { text = "The disk filled up." })).StatusCode);

        var reply = Assert.Single(Items(await InboxAsync(starter)));
        Assert.Equal("reply", reply.GetProperty("kind").GetString());
        Assert.Equal("The disk filled up.", reply.GetProperty("snippet").GetString());

        var muted = await starter.PutAsJsonAsync("/api/notifications/settings", new { mutedKinds = MutedReplies });
        Assert.Equal(["reply"], (await muted.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("mutedKinds").EnumerateArray().Select(k => k.GetString()));
        await replier.PostAsJsonAsync($"/api/docs/{docId}/comments/{threadId}/replies", new { text = "And again." });
        Assert.Single(Items(await InboxAsync(starter)));

        var invalid = await starter.PutAsJsonAsync("/api/notifications/settings", new { mutedKinds = MutedUnknown });
        Assert.Equal(HttpStatusCode.BadRequest, invalid.StatusCode);
        Assert.Equal("application/problem+json", invalid.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.BadRequest, (await starter.GetAsync("/api/notifications?limit=0")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await starter.PostAsJsonAsync("/api/notifications/read", new { ids = Array.Empty<long>() })).StatusCode);
    }

    [Fact]
    public async Task A_mention_node_added_to_a_page_notifies_once_and_only_readers()
    {
        var (ownerName, owner, ownerToken) = await UserAsync("own");
        var (readerName, reader, _) = await UserAsync("rea");
        var (outsiderName, outsider, _) = await UserAsync("out");
        var docId = await Server.CreateDocumentAsync(ownerToken, "Meeting notes");
        await Server.ShareAsync(ownerToken, docId, readerName, "viewer");

        Assert.Equal(HttpStatusCode.NoContent, (await PostUpdateAsync(owner, docId, MentionParagraph(11, readerName, outsiderName))).StatusCode);
        await Eventually.HoldsAsync(async () => Items(await InboxAsync(reader)).Any(n => n.GetProperty("kind").GetString() == "mention"), "the page mention reached the reader");
        var mention = Items(await InboxAsync(reader)).Single(n => n.GetProperty("kind").GetString() == "mention");
        Assert.Equal("Meeting notes", mention.GetProperty("title").GetString());
        Assert.Equal(JsonValueKind.Null, mention.GetProperty("anchor").ValueKind);

        // The same person mentioned again is not news; nobody without access hears of it.
        Assert.Equal(HttpStatusCode.NoContent, (await PostUpdateAsync(owner, docId, MentionParagraph(12, readerName))).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await PostUpdateAsync(owner, docId, MentionParagraph(13, ownerName))).StatusCode);
        await Task.Delay(500);
        Assert.Single(Items(await InboxAsync(reader)), n => n.GetProperty("kind").GetString() == "mention");
        Assert.Empty(Items(await InboxAsync(outsider)));
        Assert.Empty(Items(await InboxAsync(owner)));

        // Exports and the search text read a mention as "@label".
        Assert.Contains("Ask @" + readerName, await owner.GetStringAsync($"/api/docs/{docId}/export?format=md"));
        Assert.Contains($"<span data-type=\"mention\" data-id=\"{readerName}\" data-label=\"{readerName}\">@{readerName}</span>",
            await owner.GetStringAsync($"/api/docs/{docId}/export?format=html"));

        // The picker's check says who may read the page.
        var check = await owner.PostAsJsonAsync($"/api/docs/{docId}/mention-check", new { usernames = new[] { readerName, outsiderName } });
        Assert.Equal(HttpStatusCode.OK, check.StatusCode);
        var answers = (await check.Content.ReadFromJsonAsync<JsonElement>()).EnumerateArray().ToDictionary(a => a.GetProperty("username").GetString()!, a => a.GetProperty("canRead").GetBoolean());
        Assert.True(answers[readerName]);
        Assert.False(answers[outsiderName]);
        Assert.Equal(HttpStatusCode.NotFound, (await outsider.PostAsJsonAsync($"/api/docs/{docId}/mention-check", new { usernames = new[] { readerName } })).StatusCode);
    }

    private static byte[] MentionParagraph(ulong clientId, params string[] usernames)
    {
        var doc = new Doc(new DocOptions { ClientId = clientId });
        var paragraph = new YXmlElement("paragraph");
        doc.GetXmlFragment("default").Insert(0, [paragraph]);
        paragraph.Insert(0, [new YXmlText("Ask ")]);
        foreach (var username in usernames)
        {
            var mention = new YXmlElement("mention");
            paragraph.Push([mention]);
            mention.SetAttribute("id", username);
            mention.SetAttribute("label", username);
        }
        return doc.EncodeStateAsUpdate();
    }

    private static async Task<HttpResponseMessage> PostUpdateAsync(HttpClient http, string docId, byte[] update)
    {
        using var body = new ByteArrayContent(update);
        body.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        return await http.PostAsync($"/api/docs/{docId}/updates", body);
    }
}
