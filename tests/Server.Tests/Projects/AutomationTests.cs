using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Spotter.Collab.Grains;
using Spotter.Collab.Grains.Projects;
using Spotter.Collab.Server.Tests.Access;
using Spotter.Collab.Server.Tests.Infrastructure;

namespace Spotter.Collab.Server.Tests.Projects;

/// <summary>The server with a fake automation clock and 127.0.0.1 (only) allow-listed for webhooks.</summary>
public sealed class AutomationServerFixture : IAsyncLifetime, IDisposable
{
    private readonly TempDirectory _directory = new();

    public CollabTestServer Server { get; private set; } = null!;
    public FakeTimeProvider Clock { get; } = new(new DateTimeOffset(2026, 12, 7, 9, 0, 0, TimeSpan.Zero));
    public AutomationReceiver Receiver { get; } = new();

    public async Task InitializeAsync() => Server = await AutomationServer.StartAsync(_directory.Path, Clock);

    public async Task DisposeAsync() => await Server.DisposeAsync();

    public void Dispose()
    {
        Receiver.Dispose();
        _directory.Dispose();
    }
}

public static class AutomationServer
{
    public static Task<CollabTestServer> StartAsync(string dataDirectory, FakeTimeProvider clock) =>
        CollabTestServer.StartAsync(dataDirectory,
            new Dictionary<string, string> { ["Projects:Automation:AllowedHosts:0"] = "127.0.0.1", ["Projects:Automation:RequestTimeout"] = "00:00:05" },
            builder => builder.Services.AddKeyedSingleton<TimeProvider>(ProjectAutomationOptions.ClockKey, clock));

    /// <summary>A project (as <c>POST /api/projects</c> makes it) whose creator is its admin.</summary>
    public static async Task<string> ProjectAsync(CollabTestServer server, string owner)
    {
        var id = $"{ProjectSchema.IdPrefix}{Guid.NewGuid():N}";
        var project = server.Services.GetRequiredService<IGrainFactory>().GetGrain<IDocumentGrain>(id);
        Assert.True(await project.Create(owner, "Project"));
        Assert.False((await project.Execute(owner, new InitializeProject("Project", "UTC"))).IsRejected);
        return id;
    }

    public static async Task<string> AddWebhookAsync(HttpClient admin, string project, object body)
    {
        var response = await admin.PostAsJsonAsync($"/api/projects/{project}/webhooks", body);
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        return (await AccessKit.JsonAsync(response)).GetProperty("id").GetString()!;
    }

    public static async Task<JsonElement[]> DeliveriesAsync(HttpClient admin, string project, string hook)
    {
        var response = await admin.GetAsync($"/api/projects/{project}/webhooks/{hook}/deliveries");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return [.. (await AccessKit.JsonAsync(response)).EnumerateArray()];
    }

    /// <summary>Polls the delivery log until <paramref name="condition"/> holds for it.</summary>
    public static async Task<JsonElement[]> LogWhereAsync(HttpClient admin, string project, string hook, Func<JsonElement[], bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (true)
        {
            var log = await DeliveriesAsync(admin, project, hook);
            if (condition(log)) return log;
            if (DateTime.UtcNow > deadline) Assert.Fail($"timed out waiting until {what}; log: {JsonSerializer.Serialize(log)}");
            await Task.Delay(50);
        }
    }

    public static ProjectEvent Event(string project, long sequence, string type, string actor, int depth = 0, string? node = null, string? to = null) =>
        new(project, sequence, type, actor, DateTimeOffset.UnixEpoch, "item-1", "Login page", node, null, null, to, null, depth);
}

/// <summary>Project automation end to end: events published through <see cref="IProjectAutomationGrain"/>, webhooks
/// and rules through the HTTP API, posts to a real receiver on 127.0.0.1, retries driven by a fake clock.</summary>
public sealed class AutomationTests(AutomationServerFixture fixture) : IClassFixture<AutomationServerFixture>
{
    private static readonly string[] s_unknownEvent = ["item.deleted"];

    private CollabTestServer Server => fixture.Server;
    private AutomationReceiver Receiver => fixture.Receiver;

    private IProjectAutomationGrain Automation(string project) =>
        Server.Services.GetRequiredService<IGrainFactory>().GetGrain<IProjectAutomationGrain>(project);

    private async Task<(string Project, string Owner, HttpClient Admin)> ProjectAsync()
    {
        var kit = new AccessKit(Server);
        var (owner, token) = await kit.UserAsync("pm");
        return (await AutomationServer.ProjectAsync(Server, owner), owner, Server.Client(token));
    }

    private static string Path() => Guid.NewGuid().ToString("N");

    [Fact]
    public async Task A_feishu_post_is_signed_and_a_500_is_retried_with_the_same_idempotency_key_when_the_clock_advances()
    {
        var (project, owner, admin) = await ProjectAsync();
        var path = Path();
        const string secret = "feishu-secret";
        var hook = await AutomationServer.AddWebhookAsync(admin, project,
            new { url = Receiver.Url(path), format = "feishu", secret, events = new[] { ProjectEventTypes.NodeCompleted } });
        Receiver.AnswerNext(500);

        await Automation(project).Publish([AutomationServer.Event(project, 7, ProjectEventTypes.NodeCompleted, owner, node: "qa")]);

        var first = await AutomationServer.LogWhereAsync(admin, project, hook, log => log.Length == 1 && log[0].GetProperty("attemptCount").GetInt32() == 1,
            "the first attempt is logged");
        Assert.Equal("pending", first[0].GetProperty("status").GetString());
        Assert.Equal(500, first[0].GetProperty("attempts")[0].GetProperty("statusCode").GetInt32());
        var attemptAt = first[0].GetProperty("attempts")[0].GetProperty("at").GetDateTimeOffset();
        Assert.Equal(attemptAt + TimeSpan.FromSeconds(10), first[0].GetProperty("nextAttemptAt").GetDateTimeOffset());
        Assert.Single(Receiver.PostsTo(path));

        fixture.Clock.Advance(TimeSpan.FromSeconds(10));
        var log = await AutomationServer.LogWhereAsync(admin, project, hook, log => log[0].GetProperty("status").GetString() == "delivered",
            "the retry is delivered");
        Assert.Equal(2, log[0].GetProperty("attemptCount").GetInt32());
        Assert.Equal(200, log[0].GetProperty("attempts")[1].GetProperty("statusCode").GetInt32());
        Assert.Equal(JsonValueKind.Null, log[0].GetProperty("nextAttemptAt").ValueKind);

        var posts = Receiver.PostsTo(path);
        Assert.Equal(2, posts.Count);
        var key = $"{project}:7:{hook}";
        Assert.All(posts, p => Assert.Equal(key, p.Header("Idempotency-Key")));
        Assert.Equal(key, log[0].GetProperty("idempotencyKey").GetString());
        foreach (var post in posts)
        {
            using var json = JsonDocument.Parse(post.Body);
            var root = json.RootElement;
            var timestamp = root.GetProperty("timestamp").GetString()!;
            // Feishu's check: base64(HMAC-SHA256 keyed with timestamp + "\n" + secret, over no bytes).
            using var hmac = new HMACSHA256(Encoding.UTF8.GetBytes(timestamp + "\n" + secret));
            Assert.Equal(Convert.ToBase64String(hmac.ComputeHash([])), root.GetProperty("sign").GetString());
            Assert.Equal("text", root.GetProperty("msg_type").GetString());
            Assert.Contains("completed qa of \"Login page\"", root.GetProperty("content").GetProperty("text").GetString(), StringComparison.Ordinal);
        }
        // The retry was signed at its own time.
        Assert.Equal(10, long.Parse(JsonDocument.Parse(posts[1].Body).RootElement.GetProperty("timestamp").GetString()!, System.Globalization.CultureInfo.InvariantCulture)
            - long.Parse(JsonDocument.Parse(posts[0].Body).RootElement.GetProperty("timestamp").GetString()!, System.Globalization.CultureInfo.InvariantCulture));

        // The same event published again (a project retrying after a crash) posts nothing new.
        await Automation(project).Publish([AutomationServer.Event(project, 7, ProjectEventTypes.NodeCompleted, owner, node: "qa")]);
        Assert.Single(await AutomationServer.DeliveriesAsync(admin, project, hook));
    }

    [Fact]
    public async Task A_node_completed_through_the_api_reaches_the_group_chat_with_its_item_and_a_key_per_event()
    {
        var kit = new AccessKit(Server);
        var (pm, token) = await kit.UserAsync("pm");
        using var admin = Server.Client(token);
        var created = await admin.PostAsJsonAsync("/api/projects", new { name = "Checkout", timeZone = "Asia/Shanghai" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var project = (await AccessKit.JsonAsync(created)).GetProperty("id").GetString()!;
        var path = Path();
        const string secret = "chat-secret";
        var hook = await AutomationServer.AddWebhookAsync(admin, project,
            new { url = Receiver.Url(path), format = "json", secret, events = new[] { ProjectEventTypes.NodeCompleted } });
        var item = await admin.PostAsJsonAsync($"/api/projects/{project}/items", new { title = "Pay with Alipay", type = "task" });
        Assert.Equal(HttpStatusCode.Created, item.StatusCode);
        var itemId = (await AccessKit.JsonAsync(item)).GetProperty("id").GetString()!;
        var firstNode = (await AccessKit.JsonAsync(await admin.GetAsync($"/api/projects/{project}/items/{itemId}"))).GetProperty("nodes")[0].GetProperty("key").GetString()!;

        Assert.Equal(HttpStatusCode.NoContent, (await admin.PostAsync($"/api/projects/{project}/items/{itemId}/nodes/{firstNode}/start", null)).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await admin.PostAsync($"/api/projects/{project}/items/{itemId}/nodes/{firstNode}/complete", null)).StatusCode);

        // Only the subscribed event is posted: the start was not.
        await Eventually.HoldsAsync(() => Receiver.PostsTo(path).Count == 1, "the completion was posted");
        var post = Receiver.PostsTo(path)[0];
        using var json = JsonDocument.Parse(post.Body);
        var body = json.RootElement;
        Assert.Equal((ProjectEventTypes.NodeCompleted, pm, itemId, "Pay with Alipay", firstNode),
            (body.GetProperty("type").GetString(), body.GetProperty("actor").GetString(), body.GetProperty("itemId").GetString(),
             body.GetProperty("itemTitle").GetString(), body.GetProperty("nodeKey").GetString()));
        var sequence = body.GetProperty("sequence").GetInt64();
        Assert.Equal($"{project}:{sequence}:{hook}", post.Header("Idempotency-Key"));
        using var hmac = new HMACSHA256(Encoding.UTF8.GetBytes(secret));
        var signed = Convert.ToHexStringLower(hmac.ComputeHash(Encoding.UTF8.GetBytes(post.Header("X-Spotter-Timestamp") + "." + post.Body)));
        Assert.Equal($"sha256={signed}", post.Header("X-Spotter-Signature"));
        // The history has the same event under the same sequence.
        var history = await AccessKit.JsonAsync(await admin.GetAsync($"/api/projects/{project}/items/{itemId}/history"));
        Assert.Contains(history.EnumerateArray(), e => e.GetProperty("type").GetString() == ProjectEventTypes.NodeCompleted && e.GetProperty("sequence").GetInt64() == sequence);
    }

    [Fact]
    public async Task Generic_json_is_signed_with_hmac_over_timestamp_and_body_and_slack_gets_its_text()
    {
        var (project, owner, admin) = await ProjectAsync();
        var (jsonPath, slackPath) = (Path(), Path());
        const string secret = "json-secret";
        var jsonHook = await AutomationServer.AddWebhookAsync(admin, project,
            new { url = Receiver.Url(jsonPath), format = "json", secret, events = new[] { ProjectEventTypes.ItemStatusChanged } });
        await AutomationServer.AddWebhookAsync(admin, project, new { url = Receiver.Url(slackPath), format = "slack", events = new[] { ProjectEventTypes.ItemStatusChanged } });

        var e = AutomationServer.Event(project, 3, ProjectEventTypes.ItemStatusChanged, owner, to: "done") with { From = "doing" };
        await Automation(project).Publish([e]);

        await Eventually.HoldsAsync(() => Receiver.PostsTo(jsonPath).Count == 1 && Receiver.PostsTo(slackPath).Count == 1, "both hooks were posted to");
        var post = Receiver.PostsTo(jsonPath)[0];
        var timestamp = post.Header("X-Spotter-Timestamp")!;
        using var hmac = new HMACSHA256(Encoding.UTF8.GetBytes(secret));
        var expected = "sha256=" + Convert.ToHexStringLower(hmac.ComputeHash(Encoding.UTF8.GetBytes(timestamp + "." + post.Body)));
        Assert.Equal(expected, post.Header("X-Spotter-Signature"));
        using var body = JsonDocument.Parse(post.Body);
        Assert.Equal($"{project}:3:{jsonHook}", body.RootElement.GetProperty("idempotencyKey").GetString());
        Assert.Equal(post.Header("Idempotency-Key"), body.RootElement.GetProperty("idempotencyKey").GetString());
        Assert.Equal("done", body.RootElement.GetProperty("to").GetString());
        Assert.Equal(ProjectEventTypes.ItemStatusChanged, body.RootElement.GetProperty("type").GetString());

        var slack = Receiver.PostsTo(slackPath)[0];
        Assert.Null(slack.Header("X-Spotter-Signature"));
        using var slackBody = JsonDocument.Parse(slack.Body);
        Assert.Equal($"{owner} moved \"Login page\" from doing to done", slackBody.RootElement.GetProperty("text").GetString());
    }

    [Fact]
    public async Task Retries_back_off_10s_1min_5min_30min_and_give_up_after_five_attempts()
    {
        var (project, owner, admin) = await ProjectAsync();
        var path = Path();
        var hook = await AutomationServer.AddWebhookAsync(admin, project, new { url = Receiver.Url(path), format = "slack", events = new[] { ProjectEventTypes.NodeRolledBack } });
        Receiver.AnswerNext(503, 429, 408, 500, 502);

        await Automation(project).Publish([AutomationServer.Event(project, 1, ProjectEventTypes.NodeRolledBack, owner, node: "qa") with { Reason = "tests fail" }]);

        TimeSpan[] waits = [TimeSpan.FromSeconds(10), TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(30)];
        for (var attempt = 1; attempt <= waits.Length; attempt++)
        {
            var count = attempt;
            var log = await AutomationServer.LogWhereAsync(admin, project, hook, log => log[0].GetProperty("attemptCount").GetInt32() == count, $"attempt {count} is logged");
            var last = log[0].GetProperty("attempts")[count - 1].GetProperty("at").GetDateTimeOffset();
            Assert.Equal(last + waits[attempt - 1], log[0].GetProperty("nextAttemptAt").GetDateTimeOffset());
            // Just before the retry is due nothing is sent.
            fixture.Clock.Advance(waits[attempt - 1] - TimeSpan.FromSeconds(1));
            Assert.Equal(count, Receiver.PostsTo(path).Count);
            fixture.Clock.Advance(TimeSpan.FromSeconds(1));
        }
        var final = await AutomationServer.LogWhereAsync(admin, project, hook, log => log[0].GetProperty("status").GetString() != "pending", "the delivery is final");
        Assert.Equal("failed", final[0].GetProperty("status").GetString());
        Assert.Equal(5, final[0].GetProperty("attemptCount").GetInt32());
        Assert.Equal([503, 429, 408, 500, 502], final[0].GetProperty("attempts").EnumerateArray().Select(a => a.GetProperty("statusCode").GetInt32()));
        Assert.StartsWith("gave up after 5 attempts", final[0].GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(JsonValueKind.Null, final[0].GetProperty("nextAttemptAt").ValueKind);
        using var body = JsonDocument.Parse(Receiver.PostsTo(path)[0].Body);
        Assert.Equal($"{owner} rolled back qa of \"Login page\": tests fail", body.RootElement.GetProperty("text").GetString());
    }

    [Fact]
    public async Task A_4xx_answer_is_final()
    {
        var (project, owner, admin) = await ProjectAsync();
        var path = Path();
        var hook = await AutomationServer.AddWebhookAsync(admin, project, new { url = Receiver.Url(path), format = "slack", events = new[] { ProjectEventTypes.ItemCreated } });
        Receiver.AnswerNext(404);

        await Automation(project).Publish([AutomationServer.Event(project, 1, ProjectEventTypes.ItemCreated, owner)]);

        var log = await AutomationServer.LogWhereAsync(admin, project, hook, log => log.Length == 1 && log[0].GetProperty("status").GetString() != "pending",
            "the delivery is final");
        Assert.Equal("failed", log[0].GetProperty("status").GetString());
        Assert.Equal(1, log[0].GetProperty("attemptCount").GetInt32());
        Assert.Equal(404, log[0].GetProperty("attempts")[0].GetProperty("statusCode").GetInt32());
        Assert.Equal(JsonValueKind.Null, log[0].GetProperty("nextAttemptAt").ValueKind);
    }

    [Theory]
    [InlineData("http://10.0.0.1:9/hook")]
    [InlineData("http://192.168.1.10/hook")]
    [InlineData("http://100.64.0.1/hook")]
    [InlineData("http://169.254.169.254/latest/meta-data")]
    [InlineData("http://127.0.0.2:{port}/hook")]
    [InlineData("http://[::1]:{port}/hook")]
    [InlineData("http://[::ffff:10.1.2.3]/hook")]
    [InlineData("http://[fd00::1]/hook")]
    [InlineData("http://0.0.0.0:{port}/hook")]
    public async Task Internal_addresses_that_are_not_allow_listed_are_refused_when_connecting(string url)
    {
        var (project, owner, admin) = await ProjectAsync();
        var hook = await AutomationServer.AddWebhookAsync(admin, project,
            new { url = url.Replace("{port}", Receiver.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal), format = "json", events = new[] { ProjectEventTypes.ItemCreated } });

        await Automation(project).Publish([AutomationServer.Event(project, 1, ProjectEventTypes.ItemCreated, owner)]);

        var log = await AutomationServer.LogWhereAsync(admin, project, hook, log => log.Length == 1 && log[0].GetProperty("attemptCount").GetInt32() == 1,
            "the attempt is logged");
        Assert.Equal("failed", log[0].GetProperty("status").GetString());
        Assert.StartsWith("refused:", log[0].GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.StartsWith("refused:", log[0].GetProperty("attempts")[0].GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Equal(JsonValueKind.Null, log[0].GetProperty("nextAttemptAt").ValueKind);
    }

    [Fact]
    public async Task An_event_whose_actor_cannot_read_the_project_is_not_posted()
    {
        var (project, owner, admin) = await ProjectAsync();
        var kit = new AccessKit(Server);
        var (member, _) = await kit.UserAsync("dev");
        var (stranger, _) = await kit.UserAsync("out");
        var ownerToken = admin.DefaultRequestHeaders.Authorization!.Parameter!;
        await Server.ShareAsync(ownerToken, project, member, "editor");
        await Server.UnshareAsync(ownerToken, project, member);
        var path = Path();
        var hook = await AutomationServer.AddWebhookAsync(admin, project, new { url = Receiver.Url(path), format = "slack", events = new[] { ProjectEventTypes.ItemFieldChanged } });

        await Automation(project).Publish([
            AutomationServer.Event(project, 1, ProjectEventTypes.ItemFieldChanged, member),
            AutomationServer.Event(project, 2, ProjectEventTypes.ItemFieldChanged, stranger),
            AutomationServer.Event(project, 3, ProjectEventTypes.ItemFieldChanged, owner),
        ]);

        var log = await AutomationServer.LogWhereAsync(admin, project, hook, log => log.Any(d => d.GetProperty("status").GetString() == "delivered"),
            "the owner's event is delivered");
        Assert.Single(Receiver.PostsTo(path));
        Assert.Contains(owner, JsonDocument.Parse(Receiver.PostsTo(path)[0].Body).RootElement.GetProperty("text").GetString(), StringComparison.Ordinal);
        foreach (var skipped in log.Where(d => d.GetProperty("sequence").GetInt64() is 1 or 2))
        {
            Assert.Equal("skipped", skipped.GetProperty("status").GetString());
            Assert.Contains("cannot read the project", skipped.GetProperty("detail").GetString(), StringComparison.Ordinal);
            Assert.Equal(0, skipped.GetProperty("attemptCount").GetInt32());
        }
        Assert.Equal(3, log.Length);
    }

    [Fact]
    public async Task Events_at_the_depth_limit_trigger_nothing()
    {
        var (project, owner, admin) = await ProjectAsync();
        var path = Path();
        var hook = await AutomationServer.AddWebhookAsync(admin, project, new { url = Receiver.Url(path), format = "slack", events = new[] { ProjectEventTypes.ItemFieldChanged } });

        await Automation(project).Publish([
            AutomationServer.Event(project, 1, ProjectEventTypes.ItemFieldChanged, owner, depth: ProjectEventTypes.MaxDepth),
            AutomationServer.Event(project, 2, ProjectEventTypes.ItemFieldChanged, owner, depth: ProjectEventTypes.MaxDepth - 1),
        ]);

        var log = await AutomationServer.LogWhereAsync(admin, project, hook, log => log.Any(d => d.GetProperty("status").GetString() == "delivered"),
            "the event below the limit is delivered");
        Assert.Equal(2, Assert.Single(log).GetProperty("sequence").GetInt64());
        Assert.Single(Receiver.PostsTo(path));
    }

    [Fact]
    public async Task A_rule_posts_its_text_when_trigger_and_conditions_hold()
    {
        var (project, owner, admin) = await ProjectAsync();
        var path = Path();
        var hook = await AutomationServer.AddWebhookAsync(admin, project, new { url = Receiver.Url(path), format = "slack", events = Array.Empty<string>() });
        var created = await admin.PostAsJsonAsync($"/api/projects/{project}/rules", new
        {
            name = "QA done",
            trigger = new { @event = ProjectEventTypes.NodeCompleted, nodeKey = "qa" },
            conditions = new[] { new { field = "actor", op = "eq", value = owner } },
            actions = new[] { new { type = "webhook", hookId = hook, text = "QA passed: {item} ({actor})" } },
        });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var rule = (await AccessKit.JsonAsync(created)).GetProperty("id").GetString();
        var rules = await AccessKit.JsonAsync(await admin.GetAsync($"/api/projects/{project}/rules"));
        Assert.Equal("qa", Assert.Single(rules.EnumerateArray()).GetProperty("trigger").GetProperty("nodeKey").GetString());

        await Automation(project).Publish([
            AutomationServer.Event(project, 1, ProjectEventTypes.NodeCompleted, owner, node: "dev"),
            AutomationServer.Event(project, 2, ProjectEventTypes.NodeStarted, owner, node: "qa"),
            AutomationServer.Event(project, 3, ProjectEventTypes.NodeCompleted, "someone-else", node: "qa"),
            AutomationServer.Event(project, 4, ProjectEventTypes.NodeCompleted, owner, node: "qa"),
        ]);

        var log = await AutomationServer.LogWhereAsync(admin, project, hook, log => log.Any(d => d.GetProperty("status").GetString() == "delivered"),
            "the rule's post is delivered");
        var delivery = Assert.Single(log);
        Assert.Equal(4, delivery.GetProperty("sequence").GetInt64());
        Assert.Equal(rule, delivery.GetProperty("ruleId").GetString());
        var text = JsonDocument.Parse(Assert.Single(Receiver.PostsTo(path)).Body).RootElement.GetProperty("text").GetString();
        Assert.Equal($"QA passed: Login page ({owner})", text);

        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync($"/api/projects/{project}/rules/{rule}")).StatusCode);
        Assert.Empty((await AccessKit.JsonAsync(await admin.GetAsync($"/api/projects/{project}/rules"))).EnumerateArray());
    }

    [Fact]
    public async Task The_webhook_and_rule_api_is_for_project_admins_never_returns_secrets_and_answers_bad_input_with_typed_400s()
    {
        var (project, _, admin) = await ProjectAsync();
        var kit = new AccessKit(Server);
        var ownerToken = admin.DefaultRequestHeaders.Authorization!.Parameter!;
        var (editor, editorToken) = await kit.UserAsync("ed");
        var (viewer, viewerToken) = await kit.UserAsync("vi");
        var (_, strangerToken) = await kit.UserAsync("st");
        await Server.ShareAsync(ownerToken, project, editor, "editor");
        await Server.ShareAsync(ownerToken, project, viewer, "viewer");
        const string secret = "never-shown-secret";
        var hook = await AutomationServer.AddWebhookAsync(admin, project, new { url = "https://hooks.example.com/x", format = "json", secret, events = new[] { ProjectEventTypes.NodeRolledBack } });

        var list = await admin.GetAsync($"/api/projects/{project}/webhooks");
        var listed = await list.Content.ReadAsStringAsync();
        Assert.DoesNotContain(secret, listed, StringComparison.Ordinal);
        var entry = Assert.Single(JsonDocument.Parse(listed).RootElement.EnumerateArray());
        Assert.True(entry.GetProperty("hasSecret").GetBoolean());
        Assert.Equal("https://hooks.example.com/x", entry.GetProperty("url").GetString());

        var paths = new[] { $"/api/projects/{project}/webhooks", $"/api/projects/{project}/webhooks/{hook}/deliveries", $"/api/projects/{project}/rules" };
        foreach (var (token, status) in new[] { (editorToken, HttpStatusCode.Forbidden), (viewerToken, HttpStatusCode.Forbidden), (strangerToken, HttpStatusCode.NotFound) })
        {
            using var client = Server.Client(token);
            foreach (var path in paths) Assert.Equal(status, (await client.GetAsync(path)).StatusCode);
            Assert.Equal(status, (await client.PostAsJsonAsync(paths[0], new { url = "https://a.example/", format = "json", events = Array.Empty<string>() })).StatusCode);
            Assert.Equal(status, (await client.DeleteAsync($"{paths[0]}/{hook}")).StatusCode);
        }
        // Missing and invisible answer alike.
        Assert.Equal(HttpStatusCode.NotFound, (await admin.GetAsync($"/api/projects/project-{Guid.NewGuid():N}/webhooks")).StatusCode);

        async Task Problem(string path, object body, string code)
        {
            var response = await admin.PostAsJsonAsync(path, body);
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            Assert.Equal($"urn:spotter-collab:problem:{code}", problem.RootElement.GetProperty("type").GetString());
        }
        await Problem(paths[0], new { url = "https://a.example/", format = "teams", events = Array.Empty<string>() }, "unknown-format");
        await Problem(paths[0], new { url = "https://a.example/", format = "json", events = s_unknownEvent }, "unknown-event");
        await Problem(paths[0], new { url = "/relative", format = "json", events = Array.Empty<string>() }, "invalid-url");
        await Problem(paths[0], new { url = "ftp://a.example/", format = "json", events = Array.Empty<string>() }, "invalid-url");
        var trigger = new { @event = ProjectEventTypes.NodeCompleted };
        await Problem(paths[2], new { name = "r", trigger, actions = new[] { new { type = "webhook", hookId = "nope" } } }, "unknown-hook");
        await Problem(paths[2], new { name = "r", trigger = new { @event = "node.exploded" }, actions = new[] { new { type = "webhook", hookId = hook } } }, "unknown-event");
        await Problem(paths[2], new { name = "r", trigger, actions = new[] { new { type = "set-field", hookId = hook } } }, "unknown-action");
        await Problem(paths[2], new { name = "r", trigger, conditions = new[] { new { field = "secret", op = "eq", value = "x" } }, actions = new[] { new { type = "webhook", hookId = hook } } }, "invalid-condition");
        Assert.Single((await AccessKit.JsonAsync(await admin.GetAsync(paths[0]))).EnumerateArray());
        Assert.Empty((await AccessKit.JsonAsync(await admin.GetAsync(paths[2]))).EnumerateArray());

        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync($"{paths[0]}/{hook}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.GetAsync(paths[1])).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.DeleteAsync($"{paths[0]}/{hook}")).StatusCode);
    }

    [Fact]
    public async Task A_project_has_at_most_fifty_webhooks()
    {
        var (owner, token) = await new AccessKit(Server).UserAsync("pm");
        var project = await AutomationServer.ProjectAsync(Server, owner);
        using var admin = Server.Client(token);
        var body = new { url = "https://hooks.example.com/x", format = "slack", events = Array.Empty<string>() };
        for (var i = 0; i < AutomationRules.MaxWebhooks; i++) await AutomationServer.AddWebhookAsync(admin, project, body);

        var response = await admin.PostAsJsonAsync($"/api/projects/{project}/webhooks", body);
        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("urn:spotter-collab:problem:too-many", problem.RootElement.GetProperty("type").GetString());
        Assert.Equal(AutomationRules.MaxWebhooks, (await AccessKit.JsonAsync(await admin.GetAsync($"/api/projects/{project}/webhooks"))).GetArrayLength());
    }
}

/// <summary>The outbox across a restart: a delivery pending when the server stops is sent by the next one.</summary>
public sealed class AutomationRestartTests : IDisposable
{
    private readonly TempDirectory _directory = new();
    private static readonly string[] s_nodeStarted = [ProjectEventTypes.NodeStarted];
    private readonly AutomationReceiver _receiver = new();

    [Fact]
    public async Task A_pending_delivery_survives_a_restart_and_is_delivered_after_reactivation()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 12, 7, 9, 0, 0, TimeSpan.Zero));
        string project, hook, owner;
        _receiver.AnswerNext(503);
        await using (var first = await AutomationServer.StartAsync(_directory.Path, clock))
        {
            var kit = new AccessKit(first);
            (owner, var token) = await kit.UserAsync("pm");
            project = await AutomationServer.ProjectAsync(first, owner);
            using var admin = first.Client(token);
            hook = await AutomationServer.AddWebhookAsync(admin, project, new { url = _receiver.Url("restart"), format = "json", events = s_nodeStarted });
            await first.Services.GetRequiredService<IGrainFactory>().GetGrain<IProjectAutomationGrain>(project)
                .Publish([AutomationServer.Event(project, 5, ProjectEventTypes.NodeStarted, owner, node: "dev")]);
            await AutomationServer.LogWhereAsync(admin, project, hook, log => log.Length == 1 && log[0].GetProperty("attemptCount").GetInt32() == 1,
                "the failed first attempt is logged");
        }
        Assert.Single(_receiver.PostsTo("restart"));

        var restarted = new FakeTimeProvider(clock.GetUtcNow());
        await using var second = await AutomationServer.StartAsync(_directory.Path, restarted);
        restarted.Advance(TimeSpan.FromSeconds(10));
        await Eventually.HoldsAsync(() => _receiver.PostsTo("restart").Count == 2, "the retry is sent by the restarted server");
        var posts = _receiver.PostsTo("restart");
        Assert.Equal(posts[0].Header("Idempotency-Key"), posts[1].Header("Idempotency-Key"));
        using var admin2 = second.Client(await second.LoginAsync(owner, CollabTestServer.UserPassword));
        var log = await AutomationServer.LogWhereAsync(admin2, project, hook, log => log[0].GetProperty("status").GetString() == "delivered", "the log shows it delivered");
        Assert.Equal(2, log[0].GetProperty("attemptCount").GetInt32());
        Assert.Equal(503, log[0].GetProperty("attempts")[0].GetProperty("statusCode").GetInt32());
    }

    public void Dispose()
    {
        _receiver.Dispose();
        _directory.Dispose();
    }
}
