using System.Net.Http.Json;
using Microsoft.AspNetCore.SignalR;
using Spotter.Collab.Server.Tests.Infrastructure;

namespace Spotter.Collab.Server.Tests.Access;

/// <summary>The server and the people of the authorization table (see <see cref="AuthorizationTableTests"/>).</summary>
public sealed class AuthorizationScene : IAsyncLifetime, IDisposable
{
    private readonly TempDirectory _directory = new();
    private readonly Dictionary<string, string?> _tokens = new(StringComparer.Ordinal);
    private readonly AuthorizationScene? _real;
    private AccessKit _kit = null!;

    public AuthorizationScene()
    {
    }

    private AuthorizationScene(AuthorizationScene real)
    {
        _real = real;
        Server = real.Server;
        Space = Guid.NewGuid().ToString("N");
        Page = Guid.NewGuid().ToString("N");
        Bystander = real.Bystander;
        LinkToken = real.LinkToken;
        Version = real.Version;
        Attachment = Guid.NewGuid().ToString("N");
        Thread = Guid.NewGuid().ToString("N");
        Project = Spotter.Collab.Grains.Projects.ProjectSchema.NewId();
        ProjectItem = Guid.NewGuid().ToString("N");
        Cycle = Spotter.Collab.Grains.Okr.OkrSchema.NewCycleId();
        Objective = Spotter.Collab.Grains.Okr.OkrSchema.NewObjectiveId();
        KeyResult = Spotter.Collab.Grains.Okr.OkrSchema.NewKeyResultId(Objective);
        MilestoneKeyResult = Spotter.Collab.Grains.Okr.OkrSchema.NewKeyResultId(Objective);
    }

    public CollabTestServer Server { get; private set; } = null!;
    public string Space { get; private set; } = "";
    public string Page { get; private set; } = "";
    /// <summary>An employee with no part in the scene, named where an endpoint needs a username.</summary>
    public string Bystander { get; private set; } = "";
    /// <summary>The anyone-link on the page (comment).</summary>
    public string LinkToken { get; private set; } = "";
    /// <summary>A version of the page (made by an import).</summary>
    public long Version { get; private set; }
    /// <summary>An image attached to the page.</summary>
    public string Attachment { get; private set; } = "";
    /// <summary>A comment thread on the page.</summary>
    public string Thread { get; private set; } = "";
    /// <summary>A project made by the owner (its admin): the editor is a member; the commenter, the viewer and the
    /// shared partner are viewers.</summary>
    public string Project { get; private set; } = "";
    /// <summary>An item of the project.</summary>
    public string ProjectItem { get; private set; } = "";
    /// <summary>An OKR cycle (made by the administrator).</summary>
    public string Cycle { get; private set; } = "";
    /// <summary>An objective of the owner in the cycle: the editor contributes, the viewer is its one listed reader;
    /// the commenter is a colleague outside its visibility list.</summary>
    public string Objective { get; private set; } = "";
    /// <summary>A metric key result and a milestone checklist of the objective.</summary>
    public string KeyResult { get; private set; } = "";
    public string MilestoneKeyResult { get; private set; } = "";
    private bool Missing => _real is not null;
    private string OwnerToken => (_real ?? this)._tokens["owner"]!;

    public async Task InitializeAsync()
    {
        Server = await CollabTestServer.StartAsync(_directory.Path);
        _kit = new AccessKit(Server);
        var partnerOrg = await _kit.CreatePartnerOrgAsync("Acme");
        foreach (var role in new[] { "owner", "editor", "commenter", "viewer", "deactivated" }) _tokens[role] = (await _kit.UserAsync(role[..3])).Token;
        _tokens["admin"] = await Server.LoginAsync("admin", CollabTestServer.AdminPassword);
        _tokens["partner-shared"] = (await _kit.UserAsync("pts", partnerOrg)).Token;
        _tokens["partner-unshared"] = (await _kit.UserAsync("ptu", partnerOrg)).Token;
        _tokens["anonymous"] = null;
        Bystander = (await _kit.UserAsync("bys")).Username;

        Space = await _kit.SpaceAsync(OwnerToken, "S");
        Page = await _kit.PageAsync(OwnerToken, Space, title: "P");
        foreach (var (role, level) in new[] { ("editor", "edit"), ("commenter", "comment"), ("viewer", "view"), ("partner-shared", "view"), ("deactivated", "edit") })
        {
            await _kit.GrantAsync(OwnerToken, Page, $"user:{Subject(_tokens[role]!)}", level);
        }
        var (_, linkToken) = await _kit.LinkAsync(OwnerToken, Page, "anyone", "comment");
        LinkToken = linkToken;
        _tokens["link-holder"] = await _kit.RedeemAsync(linkToken);
        var admin = await _kit.AdminAsync();
        (await admin.PostAsync($"/api/admin/users/{Subject(_tokens["deactivated"]!)}/deactivate", null)).EnsureSuccessStatusCode();

        // Real version, attachment and thread ids, so their rows test permissions rather than "no such id".
        using var owner = Server.Client(OwnerToken);
        using var markdown = new ByteArrayContent("# Versioned\n"u8.ToArray()) { Headers = { ContentType = new("text/markdown") } };
        (await owner.PostAsync($"/api/docs/{Page}/import", markdown)).EnsureSuccessStatusCode();
        Version = (await AccessKit.JsonAsync(await owner.GetAsync($"/api/docs/{Page}/versions"))).EnumerateArray().First().GetProperty("id").GetInt64();
        using var image = new ByteArrayContent(Png) { Headers = { ContentType = new("image/png") } };
        Attachment = (await AccessKit.JsonAsync(await owner.PostAsync($"/api/docs/{Page}/attachments", image))).GetProperty("id").GetString()!;
        Thread = (await AccessKit.JsonAsync(await owner.PostAsJsonAsync($"/api/docs/{Page}/comments",
            new { anchor = new { start = FragmentStart, end = FragmentStart }, quote = "q", text = "t" }))).GetProperty("id").GetString()!;

        Project = (await AccessKit.JsonAsync(await owner.PostAsJsonAsync("/api/projects", new { name = "Pr" }))).GetProperty("id").GetString()!;
        foreach (var (role, projectRole) in new[] { ("editor", "member"), ("commenter", "viewer"), ("viewer", "viewer") })
        {
            (await owner.PutAsJsonAsync($"/api/projects/{Project}/members/{Subject(_tokens[role]!)}", new { role = projectRole })).EnsureSuccessStatusCode();
        }
        ProjectItem = await NewProjectItemAsync(owner);

        Cycle = (await AccessKit.JsonAsync(await admin.PostAsJsonAsync("/api/okr/cycles", new { name = "Q", start = "2026-10-01", end = "2026-12-31", kind = "quarter" })))
            .GetProperty("id").GetString()!;
        Objective = await NewObjectiveAsync(owner);
        KeyResult = (await AccessKit.JsonAsync(await owner.PostAsJsonAsync($"/api/okr/objectives/{Objective}/key-results", new { title = "K", start = 0, target = 10 })))
            .GetProperty("id").GetString()!;
        MilestoneKeyResult = (await AccessKit.JsonAsync(await owner.PostAsJsonAsync($"/api/okr/objectives/{Objective}/key-results",
            new { title = "M", milestones = s_milestones }))).GetProperty("id").GetString()!;
    }

    private async Task<string> NewObjectiveAsync(HttpClient owner) =>
        (await AccessKit.JsonAsync(await owner.PostAsJsonAsync("/api/okr/objectives", new
        {
            cycleId = Cycle,
            title = "O",
            contributors = new[] { Subject(_tokens["editor"]!) },
            visibility = new { kind = "people", people = new[] { Subject(_tokens["viewer"]!) } },
        }))).GetProperty("id").GetString()!;

    /// <summary>A new objective of the owner like <see cref="Objective"/>, aligned to it when <paramref name="aligned"/>.</summary>
    public async Task<string> FreshObjectiveAsync(bool aligned = false)
    {
        if (Missing) return Spotter.Collab.Grains.Okr.OkrSchema.NewObjectiveId();
        using var owner = Server.Client(OwnerToken);
        var objective = await NewObjectiveAsync(owner);
        if (aligned) (await owner.PostAsJsonAsync("/api/okr/alignments", new { from = objective, to = Objective })).EnsureSuccessStatusCode();
        return objective;
    }

    private async Task<string> NewProjectItemAsync(HttpClient owner) =>
        (await AccessKit.JsonAsync(await owner.PostAsJsonAsync($"/api/projects/{Project}/items", new { title = "I", type = "task" }))).GetProperty("id").GetString()!;

    /// <summary>A new item of the project whose first node ("plan") has been taken through <paramref name="actions"/>.</summary>
    public async Task<string> FreshProjectItemAsync(params string[] actions)
    {
        if (Missing) return Guid.NewGuid().ToString("N");
        using var owner = Server.Client(OwnerToken);
        var item = await NewProjectItemAsync(owner);
        foreach (var action in actions)
        {
            using var body = action == "rollback" ? JsonContent.Create(new { reason = "r" }) : null;
            (await owner.PostAsync($"/api/projects/{Project}/items/{item}/nodes/plan/{action}", body)).EnsureSuccessStatusCode();
        }
        return item;
    }

    /// <summary>base64 of Y.encodeRelativePosition for the start of the root fragment "default".</summary>
    public const string FragmentStart = "AQdkZWZhdWx0AA==";

    /// <summary>The token's subject (username), read from its payload.</summary>
    private static string Subject(string token)
    {
        var payload = token.Split('.')[1].Replace('-', '+').Replace('_', '/');
        payload = payload.PadRight(payload.Length + (4 - payload.Length % 4) % 4, '=');
        using var json = System.Text.Json.JsonDocument.Parse(Convert.FromBase64String(payload));
        return json.RootElement.GetProperty("sub").GetString()!;
    }

    /// <summary>A V1 update inserting <paramref name="text"/> (from a fresh client each time, so it always changes the page).</summary>
    public static byte[] TextUpdate(string text = "x")
    {
        var doc = new Spotter.Collab.Crdt.Doc();
        byte[] update = [];
        doc.Updated += (_, e) => update = e.Update;
        doc.GetText("t").Insert(0, text);
        return update;
    }

    /// <summary>Whether the page's text root "t" holds <paramref name="marker"/>, read by the owner over HTTP.</summary>
    public async Task<bool> PageTextContainsAsync(string marker)
    {
        using var owner = Server.Client(OwnerToken);
        using var response = await owner.GetAsync($"/api/docs/{Page}/roots/t?type=text");
        // No text root yet: nothing has landed.
        if (response.StatusCode == System.Net.HttpStatusCode.NotFound) return false;
        var root = await AccessKit.JsonAsync(response);
        return root.GetProperty("value").GetString()!.Contains(marker, StringComparison.Ordinal);
    }

    /// <summary>A 1x1 PNG (for attachment rows).</summary>
    public static byte[] Png { get; } = Convert.FromBase64String("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==");

    /// <summary>The same scene, but every resource id it hands out names nothing.</summary>
    public AuthorizationScene WithMissingResources() => new(this);

    /// <summary>The role's access token (null for anonymous).</summary>
    public string? TokenOf(string role) => (_real ?? this)._tokens[role];

    public HttpClient ClientFor(string role)
    {
        var token = (_real ?? this)._tokens[role];
        return token is null ? new HttpClient { BaseAddress = Server.BaseAddress } : Server.Client(token);
    }

    /// <summary>A new child page of the page (inheriting its grants), optionally already in the trash.</summary>
    public async Task<string> FreshPageAsync(bool trashed = false)
    {
        if (Missing) return Guid.NewGuid().ToString("N");
        var page = await _kit.PageAsync(OwnerToken, Space, Page, "Fresh");
        if (trashed)
        {
            using var owner = Server.Client(OwnerToken);
            (await owner.PostAsync($"/api/pages/{page}/trash", null)).EnsureSuccessStatusCode();
        }
        return page;
    }

    /// <summary>A department (admin rows need a real one to succeed).</summary>
    public async Task<string> FreshDepartmentAsync()
    {
        if (Missing) return Guid.NewGuid().ToString("N");
        var admin = await _kit.AdminAsync();
        return (await AccessKit.JsonAsync(await admin.PostAsJsonAsync("/api/admin/departments", new { name = "D" }))).GetProperty("id").GetString()!;
    }

    /// <summary>A group (admin rows need a real one to succeed).</summary>
    public async Task<string> FreshGroupAsync()
    {
        if (Missing) return Guid.NewGuid().ToString("N");
        return await _kit.CreateGroupAsync("G");
    }

    /// <summary>A partner organisation with no users (admin rows need one that can be deleted).</summary>
    public async Task<string> FreshPartnerOrgAsync()
    {
        if (Missing) return Guid.NewGuid().ToString("N");
        return await _kit.CreatePartnerOrgAsync("O");
    }

    public async Task<(string Page, string Grant)> FreshGrantAsync()
    {
        if (Missing) return (Guid.NewGuid().ToString("N"), Guid.NewGuid().ToString("N"));
        var page = await FreshPageAsync();
        return (page, await _kit.GrantAsync(OwnerToken, page, "company", "view"));
    }

    /// <summary>A new open comment thread on the page (resolving one makes it history, hidden from most roles).</summary>
    public async Task<string> FreshThreadAsync()
    {
        if (Missing) return Guid.NewGuid().ToString("N");
        using var owner = Server.Client(OwnerToken);
        return (await AccessKit.JsonAsync(await owner.PostAsJsonAsync($"/api/docs/{Page}/comments",
            new { anchor = new { start = FragmentStart, end = FragmentStart }, quote = "q", text = "t" }))).GetProperty("id").GetString()!;
    }

    private static readonly string[] s_itemCreated = ["item.created"];
    private static readonly string[] s_milestones = ["a", "b"];

    /// <summary>A webhook of the page's automation (the page stands in for a project).</summary>
    public async Task<string> FreshWebhookAsync()
    {
        if (Missing) return Guid.NewGuid().ToString("N");
        using var owner = Server.Client(OwnerToken);
        return (await AccessKit.JsonAsync(await owner.PostAsJsonAsync($"/api/projects/{Project}/webhooks",
            new { url = "https://hooks.example.com/x", format = "json", events = s_itemCreated }))).GetProperty("id").GetString()!;
    }

    /// <summary>A rule of the project's automation posting to a fresh webhook.</summary>
    public async Task<string> FreshRuleAsync()
    {
        if (Missing) return Guid.NewGuid().ToString("N");
        var hook = await FreshWebhookAsync();
        using var owner = Server.Client(OwnerToken);
        return (await AccessKit.JsonAsync(await owner.PostAsJsonAsync($"/api/projects/{Project}/rules",
            new { name = "r", trigger = new { @event = "node.completed" }, actions = new[] { new { type = "webhook", hookId = hook } } }))).GetProperty("id").GetString()!;
    }

    public async Task<string> FreshLinkAsync()
    {
        if (Missing) return Guid.NewGuid().ToString("N");
        return (await _kit.LinkAsync(OwnerToken, await FreshPageAsync(), "company", "view")).Id;
    }

    /// <summary>Connects as the role; null when the hub refuses the connection.</summary>
    public async Task<TestClient?> ConnectAsync(string role)
    {
        var token = (_real ?? this)._tokens[role];
        try
        {
            return await Server.ConnectAsync(token ?? "", messagePack: false);
        }
        catch (HttpRequestException)
        {
            return null;
        }
    }

    /// <summary>200 ok, 403 HubException, 409 Rejected(read-only), 401 connection refused. A row with a
    /// <see cref="HubRow.Landed"/> check must also show its effect exactly when it answered 200 ("200-dropped": the
    /// call looked fine but its effect is missing; "-leaked": refused, yet the effect is there).</summary>
    public async Task<string> HubOutcomeAsync(string role, HubRow row)
    {
        ArgumentNullException.ThrowIfNull(row);
        var marker = $"m{Guid.NewGuid():N}";
        await using var client = await ConnectAsync(role);
        if (client is null) return "401";
        string outcome;
        try
        {
            await row.Invoke(this, client, marker);
            // Rejected is sent before the invocation completes; give the handler a moment to run.
            await Task.Delay(100);
            outcome = client.Rejections.Any(r => r.Code == "read-only") ? "409" : "200";
        }
        catch (HubException ex) when (ex.Message.Contains("forbidden", StringComparison.Ordinal))
        {
            outcome = "403";
        }
        if (row.Landed is null) return outcome;
        var landed = await row.Landed(this, marker);
        return (outcome, landed) switch
        {
            ("200", false) => "200-dropped",
            (not "200", true) => outcome + "-leaked",
            _ => outcome,
        };
    }

    public async Task DisposeAsync()
    {
        if (_real is not null) return;
        _kit?.Dispose();
        await Server.DisposeAsync();
    }

    public void Dispose()
    {
        if (_real is null) _directory.Dispose();
    }
}
