using System.Net;
using System.Net.Http.Json;
using System.Reflection;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.SignalR;
using Spotter.Collab.Grains.Protocol;
using Spotter.Collab.Server.Tests.Host;
using Spotter.Collab.Server.Tests.Infrastructure;
using Spotter.Collab.WebHost.Hubs;
using Xunit.Abstractions;

namespace Spotter.Collab.Server.Tests.Access;

/// <summary>
/// The authorization table: every HTTP endpoint (from ASP.NET's endpoint data source) and every public hub method
/// has exactly one row, and each row says what each role gets. Adding an endpoint without a row fails
/// <see cref="Every_endpoint_and_hub_method_has_a_row"/>.
///
/// The scene: space S (made by the owner) with page P; on P the editor has edit, the commenter comment, the viewer
/// view, one partner user view; another partner user has nothing; a deactivated employee had edit; an anyone-link
/// on P gives its holder comment; the built-in administrator manages everything. P has a version, an attachment and a
/// comment thread, so their rows use real ids. Rows that change things work on a fresh child page of P (same
/// inherited grants), admin rows on fresh departments, groups and partner organisations. HTTP outcomes are status codes; hub outcomes:
/// 200 ok, 403 HubException "forbidden", 409 Rejected(read-only), 401 connection refused.
/// </summary>
public sealed class AuthorizationTableTests(AuthorizationScene scene, ITestOutputHelper output) : IClassFixture<AuthorizationScene>
{
    /// <summary>Column order of every expectation string.</summary>
    public static readonly string[] Roles = ["owner", "editor", "commenter", "viewer", "partner-shared", "partner-unshared", "deactivated", "anonymous", "link-holder", "admin"];

    // Common expectation shapes (columns as in Roles; the administrator manages everything).
    private const string AdminOnly200 = "403 403 403 403 403 403 401 401 403 200";
    private const string AdminOnly201 = "403 403 403 403 403 403 401 401 403 201";
    private const string AdminOnly204 = "403 403 403 403 403 403 401 401 403 204";
    private const string AnySignedIn200 = "200 200 200 200 200 200 401 401 200 200";
    private const string Manage200 = "200 403 403 403 403 404 401 401 403 200";
    private const string Manage204 = "204 403 403 403 403 404 401 401 403 204";
    private const string Edit204 = "204 204 403 403 403 404 401 401 403 204";
    private const string Edit200 = "200 200 403 403 403 404 401 401 403 200";
    private const string View200 = "200 200 200 200 200 404 401 401 200 200";
    private const string Comment200 = "200 200 200 403 403 404 401 401 200 200";
    private const string Public200 = "200 200 200 200 200 200 200 200 200 200";
    // Every account, partners included; a share link's session has no inbox.
    private static readonly long[] FirstNotification = [1];
    private const string Accounts200 = "200 200 200 200 200 200 401 401 403 200";

    /// <summary>One row per endpoint. <c>Build</c> makes the request for one role (ids from the scene).</summary>
    public static readonly IReadOnlyList<HttpRow> HttpRows =
    [
        // Hosting and transport
        new("GET", "/healthz", Public200, _ => Get("/healthz")),
        new("GET", "/readyz", Public200, _ => Get("/readyz")),
        // Administrators, or a scraper with Telemetry:ScrapeToken (TelemetryTests).
        new("GET", "/metrics", AdminOnly200, _ => Get("/metrics")),
        new("GET", "/openapi/{documentName}.json", Public200, _ => Get("/openapi/v1.json")),
        HttpRow.CoveredElsewhere("*", "/hubs/collab", "the hub: see HubRows"),
        HttpRow.CoveredElsewhere("*", "/hubs/collab/negotiate", "the hub: see HubRows"),
        HttpRow.CoveredElsewhere("*", "/{*path:nonfile}", "the static web client (index.html for everyone)"),

        // Auth and users
        // A fresh unknown name each time: repeated failures for one name lock it out (429 locked-out).
        new("POST", "/api/auth/login", "401 401 401 401 401 401 401 401 401 401", _ => Post("/api/auth/login", new { username = AccessKit.NewName("nobody"), password = "wrong-password" })),
        new("POST", "/api/auth/refresh", "401 401 401 401 401 401 401 401 401 401", _ => Post("/api/auth/refresh", new { refreshToken = "YWRtaW4.no-such-session.secret" })),
        new("POST", "/api/auth/logout", "204 204 204 204 204 204 204 204 204 204", _ => Post("/api/auth/logout", new { refreshToken = "YWRtaW4.no-such-session.secret" })),
        // A too-short new password: refused before anything is checked or changed (link sessions have no password).
        new("POST", "/api/auth/password", "400 400 400 400 400 400 401 401 403 400", _ => Post("/api/auth/password", new { current = "whatever", @new = "short" })),
        new("GET", "/api/me", AnySignedIn200, _ => Get("/api/me")),
        new("POST", "/api/users", AdminOnly201, _ => Post("/api/users", new { username = AccessKit.NewName("u"), password = "long-enough-1" })),
        new("GET", "/api/admin/audit", AdminOnly200, _ => Get("/api/admin/audit")),
        new("POST", "/api/admin/backup", AdminOnly200, _ => Post("/api/admin/backup", null)),
        new("GET", "/api/admin/audit/export", AdminOnly200, _ => Get("/api/admin/audit/export?format=json")),

        // Documents (P is a page, i.e. a document too)
        new("POST", "/api/docs", "201 201 201 201 403 403 401 401 403 201", _ => Post("/api/docs", new { title = "t" })),
        new("GET", "/api/docs/{id}", View200, s => Get($"/api/docs/{s.Page}")),
        new("PUT", "/api/docs/{id}/members/{username}", Manage204, s => Put($"/api/docs/{s.Page}/members/{s.Bystander}", new { role = "viewer" })),
        new("DELETE", "/api/docs/{id}/members/{username}", Manage204, s => Delete($"/api/docs/{s.Page}/members/{s.Bystander}")),
        new("GET", "/api/docs/{id}/roots/{name}", View200, s => Get($"/api/docs/{s.Page}/roots/t")),
        new("POST", "/api/docs/{id}/updates", Edit204, s => Octets($"/api/docs/{s.Page}/updates", AuthorizationScene.TextUpdate())),

        // Directory and policy (admin)
        new("GET", "/api/admin/users", AdminOnly200, _ => Get("/api/admin/users")),
        new("POST", "/api/admin/users", AdminOnly201, _ => Post("/api/admin/users", new { username = AccessKit.NewName("u"), password = "long-enough-1" })),
        new("PATCH", "/api/admin/users/{username}", AdminOnly200, s => Patch($"/api/admin/users/{s.Bystander}", new { displayName = "X" })),
        new("POST", "/api/admin/users/{username}/deactivate", AdminOnly204, s => Post($"/api/admin/users/{s.Bystander}/deactivate", null)),
        new("POST", "/api/admin/users/{username}/reactivate", AdminOnly204, s => Post($"/api/admin/users/{s.Bystander}/reactivate", null)),
        new("POST", "/api/admin/users/{username}/password", AdminOnly200, s => Post($"/api/admin/users/{s.Bystander}/password", new { password = (string?)null })),
        new("POST", "/api/admin/users/{username}/sessions/revoke", AdminOnly204, s => Post($"/api/admin/users/{s.Bystander}/sessions/revoke", null)),
        new("POST", "/api/admin/users/{username}/unlock", AdminOnly204, s => Post($"/api/admin/users/{s.Bystander}/unlock", null)),
        new("GET", "/api/admin/departments", AdminOnly200, _ => Get("/api/admin/departments")),
        new("POST", "/api/admin/departments", AdminOnly201, _ => Post("/api/admin/departments", new { name = "D" })),
        new("PATCH", "/api/admin/departments/{id}", AdminOnly204, async s => Patch($"/api/admin/departments/{await s.FreshDepartmentAsync()}", new { name = "D2" })),
        new("DELETE", "/api/admin/departments/{id}", AdminOnly204, async s => Delete($"/api/admin/departments/{await s.FreshDepartmentAsync()}")),
        new("GET", "/api/admin/groups", AdminOnly200, _ => Get("/api/admin/groups")),
        new("POST", "/api/admin/groups", AdminOnly201, _ => Post("/api/admin/groups", new { name = "G" })),
        new("DELETE", "/api/admin/groups/{id}", AdminOnly204, async s => Delete($"/api/admin/groups/{await s.FreshGroupAsync()}")),
        new("PUT", "/api/admin/groups/{id}/members/{username}", AdminOnly204, async s => Put($"/api/admin/groups/{await s.FreshGroupAsync()}/members/{s.Bystander}", null)),
        new("DELETE", "/api/admin/groups/{id}/members/{username}", AdminOnly204, async s => Delete($"/api/admin/groups/{await s.FreshGroupAsync()}/members/{s.Bystander}")),
        new("GET", "/api/admin/partners", AdminOnly200, _ => Get("/api/admin/partners")),
        new("POST", "/api/admin/partners", AdminOnly201, _ => Post("/api/admin/partners", new { name = "P" })),
        new("PATCH", "/api/admin/partners/{id}", AdminOnly204, async s => Patch($"/api/admin/partners/{await s.FreshPartnerOrgAsync()}", new { name = "P2" })),
        new("DELETE", "/api/admin/partners/{id}", AdminOnly204, async s => Delete($"/api/admin/partners/{await s.FreshPartnerOrgAsync()}")),
        new("GET", "/api/admin/policy", AdminOnly200, _ => Get("/api/admin/policy")),
        new("PUT", "/api/admin/policy", AdminOnly200, _ => Put("/api/admin/policy", new { externalSharing = "on", trustedPartnerOrgs = Array.Empty<string>() })),
        new("GET", "/api/admin/links", AdminOnly200, _ => Get("/api/admin/links")),
        new("GET", "/api/admin/preview/{username}", AdminOnly200, s => Get($"/api/admin/preview/{s.Bystander}")),
        new("GET", "/api/directory/search", "200 200 200 200 403 403 401 401 403 200", _ => Get("/api/directory/search?q=a")),

        // Spaces and pages
        new("GET", "/api/spaces", AnySignedIn200, _ => Get("/api/spaces")),
        new("POST", "/api/spaces", "201 201 201 201 403 403 401 401 403 201", _ => Post("/api/spaces", new { name = "S" })),
        new("GET", "/api/spaces/{id}/tree", View200, s => Get($"/api/spaces/{s.Space}/tree")),
        // Space managers only; the others who see a page of the space (a link holder too) are refused, the rest do not find it.
        new("GET", "/api/spaces/{id}/export", "200 403 403 403 403 404 401 401 403 200", s => Get($"/api/spaces/{s.Space}/export")),
        new("GET", "/api/spaces/{id}/trash", "200 404 404 404 404 404 401 401 404 200", s => Get($"/api/spaces/{s.Space}/trash")),
        new("POST", "/api/pages", "201 201 403 403 403 404 401 401 403 201", s => Post("/api/pages", new { spaceId = s.Space, parentId = s.Page, title = "New" })),
        new("PATCH", "/api/pages/{id}", Edit204, async s => Patch($"/api/pages/{await s.FreshPageAsync()}", new { title = "Renamed" })),
        new("POST", "/api/pages/{id}/move/preview", Edit200, async s => Post($"/api/pages/{await s.FreshPageAsync()}/move/preview", new { parentId = s.Page, index = 0 })),
        new("POST", "/api/pages/{id}/move", Edit204, async s => Post($"/api/pages/{await s.FreshPageAsync()}/move", new { parentId = s.Page, index = 0 })),
        new("POST", "/api/pages/{id}/trash", Manage204, async s => Post($"/api/pages/{await s.FreshPageAsync()}/trash", null)),
        new("POST", "/api/pages/{id}/restore", "204 404 404 404 404 404 401 401 404 204", async s => Post($"/api/pages/{await s.FreshPageAsync(trashed: true)}/restore", null)),

        // Grants, settings, explanation
        new("GET", "/api/resources/{id}/grants", Manage200, s => Get($"/api/resources/{s.Page}/grants")),
        new("POST", "/api/resources/{id}/grants", Manage200, async s => Post($"/api/resources/{await s.FreshPageAsync()}/grants", new { principal = "company", level = "view" })),
        new("DELETE", "/api/resources/{id}/grants/{grantId}", Manage204, async s =>
        {
            var (page, grant) = await s.FreshGrantAsync();
            return Delete($"/api/resources/{page}/grants/{grant}");
        }),
        new("PATCH", "/api/resources/{id}/settings", Manage204, async s => Patch($"/api/resources/{await s.FreshPageAsync()}/settings", new { noExport = true })),
        new("POST", "/api/resources/{id}/settings/preview", Manage200, s => Post($"/api/resources/{s.Page}/settings/preview", new { restricted = true })),
        new("GET", "/api/resources/{id}/settings", Manage200, s => Get($"/api/resources/{s.Page}/settings")),
        new("GET", "/api/resources/{id}/access", Manage200, s => Get($"/api/resources/{s.Page}/access")),

        // Share links
        new("GET", "/api/resources/{id}/links", Manage200, s => Get($"/api/resources/{s.Page}/links")),
        new("POST", "/api/resources/{id}/links", Manage200, async s => Post($"/api/resources/{await s.FreshPageAsync()}/links", new { scope = "company", role = "view" })),
        // Not yours to revoke and missing are the same 404: link ids cannot be probed.
        new("DELETE", "/api/links/{id}", "204 404 404 404 404 404 401 401 404 204", async s => Delete($"/api/links/{await s.FreshLinkAsync()}")),
        // Anonymous by design; a dead token for a deactivated user simply counts as anonymous here.
        new("POST", "/api/links/redeem", Public200, s => Post("/api/links/redeem", new { token = s.LinkToken })),

        // Knowledge base (docs/knowledge-base.md), on real versions, attachments and threads of the page.
        // History is for editors by default (the space may widen it; partners and link sessions never by default).
        new("GET", "/api/docs/{id}/versions", Edit200, s => Get($"/api/docs/{s.Page}/versions")),
        new("GET", "/api/docs/{id}/versions/compare", Edit200, s => Get($"/api/docs/{s.Page}/versions/compare?from={s.Version}&to=current")),
        new("GET", "/api/docs/{id}/versions/{versionId:long}", Edit200, s => Get($"/api/docs/{s.Page}/versions/{s.Version}")),
        new("POST", "/api/docs/{id}/versions/{versionId:long}/restore", Edit204, s => Post($"/api/docs/{s.Page}/versions/{s.Version}/restore", null)),
        new("POST", "/api/docs/{id}/attachments", "201 201 403 403 403 404 401 401 403 201", s => Raw($"/api/docs/{s.Page}/attachments", [.. "GIF89a"u8, 1, 0, 1, 0], "image/gif")),
        new("GET", "/api/attachments/{attachmentId}", View200, s => Get($"/api/attachments/{s.Attachment}")),
        new("GET", "/api/docs/{id}/comments", View200, s => Get($"/api/docs/{s.Page}/comments")),
        new("POST", "/api/docs/{id}/comments", "201 201 201 403 403 404 401 401 201 201", s => Post($"/api/docs/{s.Page}/comments",
            new { anchor = new { start = AuthorizationScene.FragmentStart, end = AuthorizationScene.FragmentStart }, quote = "q", text = "t" })),
        new("POST", "/api/docs/{id}/comments/{threadId}/replies", Comment200, s => Post($"/api/docs/{s.Page}/comments/{s.Thread}/replies", new { text = "t" })),
        new("POST", "/api/docs/{id}/comments/{threadId}/resolve", Comment200, async s => Post($"/api/docs/{s.Page}/comments/{await s.FreshThreadAsync()}/resolve", null)),
        new("GET", "/api/search", AnySignedIn200, _ => Get("/api/search?q=anything")),

        // Notifications (docs/notifications.md)
        new("GET", "/api/notifications", Accounts200, _ => Get("/api/notifications")),
        new("GET", "/api/notifications/unread", Accounts200, _ => Get("/api/notifications/unread")),
        new("POST", "/api/notifications/read", Accounts200, _ => Post("/api/notifications/read", new { ids = FirstNotification })),
        new("POST", "/api/notifications/read-all", Accounts200, _ => Post("/api/notifications/read-all", null)),
        new("GET", "/api/notifications/settings", Accounts200, _ => Get("/api/notifications/settings")),
        new("PUT", "/api/notifications/settings", Accounts200, _ => Put("/api/notifications/settings", new { mutedKinds = Array.Empty<string>() })),
        // Who may read a page is for employees who may read it themselves.
        new("POST", "/api/docs/{id}/mention-check", "200 200 200 200 403 404 401 401 403 200", s => Post($"/api/docs/{s.Page}/mention-check", new { usernames = new[] { s.Bystander } })),

        // The assistant answers everyone signed in from what they may read; conversations are their asker's alone.
        new("POST", "/api/assistant/ask", AnySignedIn200, _ => Post("/api/assistant/ask", new { question = "anything" })),
        new("GET", "/api/assistant/conversations/{id}", "404 404 404 404 404 404 401 401 404 404", _ => Get("/api/assistant/conversations/nobodys")),
        new("POST", "/api/assistant/conversations/{id}/turns/{turn:int}/feedback", "404 404 404 404 404 404 401 401 404 404",
            _ => Post("/api/assistant/conversations/nobodys/turns/0/feedback", new { helpful = true })),
        new("GET", "/api/admin/assistant", AdminOnly200, _ => Get("/api/admin/assistant")),
        new("PUT", "/api/admin/assistant", AdminOnly200, _ => Put("/api/admin/assistant", new { })),
        new("GET", "/api/admin/assistant/unanswered", AdminOnly200, _ => Get("/api/admin/assistant/unanswered")),
        new("POST", "/api/docs/{id}/import", Edit204, async s => Raw($"/api/docs/{await s.FreshPageAsync()}/import", "# imported\n"u8.ToArray(), "text/markdown")),
        new("GET", "/api/docs/{id}/export", View200, s => Get($"/api/docs/{s.Page}/export?format=md")),

        // Projects (docs/projects.md): the owner made the project (its admin), the editor is a member, the commenter,
        // the viewer are viewers; partners and link sessions get nothing from a project (no partner projection yet).
        new("POST", "/api/projects", "201 201 201 201 403 403 401 401 403 201", _ => Post("/api/projects", new { name = "P" })),
        new("GET", "/api/projects", AnySignedIn200, _ => Get("/api/projects")),
        new("GET", "/api/projects/{id}", ProjectView200, s => Get($"/api/projects/{s.Project}")),
        new("GET", "/api/projects/{id}/metrics", ProjectView200, s => Get($"/api/projects/{s.Project}/metrics")),
        new("PUT", "/api/projects/{id}/members/{username}", ProjectAdmin204, s => Put($"/api/projects/{s.Project}/members/{s.Bystander}", new { role = "viewer" })),
        new("DELETE", "/api/projects/{id}/members/{username}", ProjectAdmin204, s => Delete($"/api/projects/{s.Project}/members/{s.Bystander}")),
        new("PUT", "/api/projects/{id}/types/{type}", ProjectAdmin204, s => Put($"/api/projects/{s.Project}/types/chore",
            new { name = "Chore", nodes = new[] { new { key = "do", name = "Do", after = Array.Empty<string>() } } })),
        new("POST", "/api/projects/{id}/items", "201 201 403 403 404 404 401 401 404 201", s => Post($"/api/projects/{s.Project}/items", new { title = "I" })),
        new("GET", "/api/projects/{id}/items", ProjectView200, s => Get($"/api/projects/{s.Project}/items")),
        new("GET", "/api/projects/{id}/items/{itemId}", ProjectView200, s => Get($"/api/projects/{s.Project}/items/{s.ProjectItem}")),
        new("PATCH", "/api/projects/{id}/items/{itemId}", "204 204 403 403 404 404 401 401 404 204", async s => Patch($"/api/projects/{s.Project}/items/{await s.FreshProjectItemAsync()}", new { priority = "high" })),
        new("GET", "/api/projects/{id}/items/{itemId}/history", ProjectView200, s => Get($"/api/projects/{s.Project}/items/{s.ProjectItem}/history")),
        // Nobody in the scene holds a functional role: only admins own the nodes.
        new("POST", "/api/projects/{id}/items/{itemId}/nodes/{key}/start", ProjectAdmin204, async s => Post($"/api/projects/{s.Project}/items/{await s.FreshProjectItemAsync()}/nodes/plan/start", null)),
        new("POST", "/api/projects/{id}/items/{itemId}/nodes/{key}/complete", ProjectAdmin204, async s => Post($"/api/projects/{s.Project}/items/{await s.FreshProjectItemAsync("start")}/nodes/plan/complete", null)),
        new("POST", "/api/projects/{id}/items/{itemId}/nodes/{key}/rollback", ProjectAdmin204, async s => Post($"/api/projects/{s.Project}/items/{await s.FreshProjectItemAsync("start", "complete")}/nodes/plan/rollback", new { reason = "r" })),
        new("POST", "/api/projects/{id}/items/{itemId}/nodes/{key}/block", ProjectAdmin204, async s => Post($"/api/projects/{s.Project}/items/{await s.FreshProjectItemAsync()}/nodes/plan/block", new { reason = "r" })),
        new("POST", "/api/projects/{id}/items/{itemId}/nodes/{key}/skip", ProjectAdmin204, async s => Post($"/api/projects/{s.Project}/items/{await s.FreshProjectItemAsync()}/nodes/plan/skip", null)),
        new("PATCH", "/api/projects/{id}/items/{itemId}/nodes/{key}", ProjectAdmin204, async s => Patch($"/api/projects/{s.Project}/items/{await s.FreshProjectItemAsync()}/nodes/plan", new { plannedEnd = "2026-12-31", estimate = 4 })),
        new("PUT", "/api/projects/{id}/items/{itemId}/dependencies/{predecessorId}", "204 204 403 403 404 404 401 401 404 204",
            async s => Put($"/api/projects/{s.Project}/items/{await s.FreshProjectItemAsync()}/dependencies/{s.ProjectItem}", new { lag = 1 })),
        new("DELETE", "/api/projects/{id}/items/{itemId}/dependencies/{predecessorId}", "204 204 403 403 404 404 401 401 404 204",
            async s => Delete($"/api/projects/{s.Project}/items/{await s.FreshProjectItemAsync()}/dependencies/{s.ProjectItem}")),
        new("POST", "/api/projects/{id}/items/{itemId}/reschedule", "204 204 403 403 404 404 401 401 404 204",
            async s => Post($"/api/projects/{s.Project}/items/{await s.FreshProjectItemAsync()}/reschedule", new { plannedStart = "2026-12-01", plannedEnd = "2026-12-02" })),
        // Project automation (project admins only)
        new("POST", "/api/projects/{id}/webhooks", "201 403 403 403 404 404 401 401 404 201",
            s => Post($"/api/projects/{s.Project}/webhooks", new { url = "https://hooks.example.com/x", format = "json", events = new[] { "item.created" } })),
        new("GET", "/api/projects/{id}/webhooks", ProjectAdmin200, s => Get($"/api/projects/{s.Project}/webhooks")),
        new("DELETE", "/api/projects/{id}/webhooks/{hookId}", ProjectAdmin204, async s => Delete($"/api/projects/{s.Project}/webhooks/{await s.FreshWebhookAsync()}")),
        new("GET", "/api/projects/{id}/webhooks/{hookId}/deliveries", ProjectAdmin200, async s => Get($"/api/projects/{s.Project}/webhooks/{await s.FreshWebhookAsync()}/deliveries")),
        new("POST", "/api/projects/{id}/rules", "201 403 403 403 404 404 401 401 404 201", async s => Post($"/api/projects/{s.Project}/rules",
            new { name = "r", trigger = new { @event = "node.completed" }, actions = new[] { new { type = "webhook", hookId = await s.FreshWebhookAsync() } } })),
        new("GET", "/api/projects/{id}/rules", ProjectAdmin200, s => Get($"/api/projects/{s.Project}/rules")),
        new("DELETE", "/api/projects/{id}/rules/{ruleId}", ProjectAdmin204, async s => Delete($"/api/projects/{s.Project}/rules/{await s.FreshRuleAsync()}")),

        // OKRs (docs/okr.md): the owner made the objective, the editor contributes, the viewer is its one listed
        // reader; the commenter is a colleague outside that list and sees nothing of it, like partners and links.
        new("POST", "/api/okr/cycles", AdminOnly201, _ => Post("/api/okr/cycles", new { name = "C", start = "2026-01-01", end = "2026-03-31" })),
        new("GET", "/api/okr/cycles", OkrEmployees200, _ => Get("/api/okr/cycles")),
        new("PATCH", "/api/okr/cycles/{id}", AdminOnly200, s => Patch($"/api/okr/cycles/{s.Cycle}", new { status = "active" })),
        new("GET", "/api/okr/cycles/{id}/objectives", OkrEmployees200, s => Get($"/api/okr/cycles/{s.Cycle}/objectives")),
        new("GET", "/api/okr/cycles/{id}/graph", OkrEmployees200, s => Get($"/api/okr/cycles/{s.Cycle}/graph")),
        new("POST", "/api/okr/objectives", "201 201 201 201 403 403 401 401 403 201", s => Post("/api/okr/objectives", new { cycleId = s.Cycle, title = "O" })),
        new("GET", "/api/okr/objectives/{id}", OkrView200, s => Get($"/api/okr/objectives/{s.Objective}")),
        new("PATCH", "/api/okr/objectives/{id}", "204 403 404 403 404 404 401 401 404 204", s => Patch($"/api/okr/objectives/{s.Objective}", new { category = "committed" })),
        new("POST", "/api/okr/objectives/{id}/key-results", "201 403 404 403 404 404 401 401 404 201",
            s => Post($"/api/okr/objectives/{s.Objective}/key-results", new { title = "K", start = 0, target = 1 })),
        new("POST", "/api/okr/key-results/{id}/check-ins", "201 201 404 403 404 404 401 401 404 201",
            s => Post($"/api/okr/key-results/{s.KeyResult}/check-ins", new { value = 3, confidence = 7 })),
        new("GET", "/api/okr/key-results/{id}/check-ins", OkrView200, s => Get($"/api/okr/key-results/{s.KeyResult}/check-ins")),
        new("PUT", "/api/okr/key-results/{id}/milestones/{index:int}", "204 204 404 403 404 404 401 401 404 204",
            s => Put($"/api/okr/key-results/{s.MilestoneKeyResult}/milestones/0", new { done = true })),
        new("POST", "/api/okr/alignments", "201 403 404 403 404 404 401 401 404 201", async s => Post("/api/okr/alignments", new { from = await s.FreshObjectiveAsync(), to = s.Objective })),
        new("DELETE", "/api/okr/alignments", "204 403 404 403 404 404 401 401 404 204", async s => Delete($"/api/okr/alignments?from={await s.FreshObjectiveAsync(aligned: true)}&to={s.Objective}")),
    ];

    private const string OkrEmployees200 = "200 200 200 200 404 404 401 401 404 200";
    private const string OkrView200 = "200 200 404 200 404 404 401 401 404 200";

    private const string ProjectView200 = "200 200 200 200 404 404 401 401 404 200";
    private const string ProjectAdmin204 = "204 403 403 403 404 404 401 401 404 204";
    private const string ProjectAdmin200 = "200 403 403 403 404 404 401 401 404 200";

    private static HttpRequestMessage Raw(string url, byte[] body, string contentType) => new(HttpMethod.Post, url)
    {
        Content = new ByteArrayContent(body) { Headers = { ContentType = new(contentType) } },
    };

    /// <summary>One row per public hub method.</summary>
    public static readonly IReadOnlyList<HubRow> HubRows =
    [
        new("JoinDocument", "200 200 200 200 200 403 401 401 200 200", async (s, c, _) => await c.JoinAsync(s.Page)),
        // 200 only counts when the text reached the page, and a refusal only when it did not.
        new("Send", "200 200 409 409 409 403 401 401 409 200", async (s, c, marker) =>
        {
            try
            {
                await c.JoinAsync(s.Page);
            }
            catch (HubException)
            {
                // Not joined: Send itself must refuse.
            }
            await c.SendAsync(s.Page, Frames.Sync(Spotter.Collab.Crdt.Protocols.SyncMessageType.Update, AuthorizationScene.TextUpdate(marker)));
        }, (s, marker) => s.PageTextContainsAsync(marker)),
        new("LeaveDocument", "200 200 200 200 200 200 401 401 200 200", (s, c, _) => c.LeaveAsync(s.Page)),
        new("WatchSpace", "200 200 200 200 200 403 401 401 200 200", (s, c, _) => c.InvokeAsync("WatchSpace", s.Space)),
        new("UnwatchSpace", "200 200 200 200 200 200 401 401 200 200", (s, c, _) => c.InvokeAsync("UnwatchSpace", s.Space)),
        // Only a token of the connection's own user and session renews it: here the owner's.
        new("RenewToken", "200 403 403 403 403 403 401 401 403 403", async (s, c, _) =>
        {
            try
            {
                await c.InvokeAsync("RenewToken", s.TokenOf("owner")!);
            }
            catch (HubException ex) when (ex.Message.Contains(CollabHub.InvalidToken, StringComparison.Ordinal))
            {
                throw new HubException("forbidden: " + ex.Message);
            }
        }),
    ];

    private static HttpRequestMessage Get(string url) => new(HttpMethod.Get, url);
    private static HttpRequestMessage Delete(string url) => new(HttpMethod.Delete, url);
    private static HttpRequestMessage Post(string url, object? body) => new(HttpMethod.Post, url) { Content = body is null ? null : JsonContent.Create(body) };
    private static HttpRequestMessage Put(string url, object? body) => new(HttpMethod.Put, url) { Content = body is null ? null : JsonContent.Create(body) };
    private static HttpRequestMessage Patch(string url, object body) => new(HttpMethod.Patch, url) { Content = JsonContent.Create(body) };
    private static HttpRequestMessage Octets(string url, byte[] body) => new(HttpMethod.Post, url)
    {
        Content = new ByteArrayContent(body) { Headers = { ContentType = new("application/octet-stream") } },
    };

    [Fact]
    public void Every_endpoint_and_hub_method_has_a_row()
    {
        var rows = HttpRows.Select(r => r.Key).ToList();
        Assert.Equal(rows.Count, rows.Distinct(StringComparer.Ordinal).Count());
        var endpoints = EndpointInventory.Keys(scene.Server.Services);
        var missing = endpoints.Except(rows, StringComparer.Ordinal).ToList();
        Assert.True(missing.Count == 0, "endpoints without a row in AuthorizationTableTests.HttpRows:\n" + string.Join('\n', missing));
        var stale = rows.Except(endpoints, StringComparer.Ordinal).Where(k => !k.EndsWith("{*path:nonfile}", StringComparison.Ordinal)).ToList();
        Assert.True(stale.Count == 0, "rows for endpoints that do not exist:\n" + string.Join('\n', stale));

        var methods = typeof(CollabHub).GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly)
            .Where(m => !m.IsSpecialName && !m.Name.StartsWith("On", StringComparison.Ordinal)).Select(m => m.Name).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(methods, HubRows.Select(r => r.Method).Order(StringComparer.Ordinal).ToList());
        Assert.All(HttpRows.Select(r => r.Expect).Concat(HubRows.Select(r => r.Expect)), e => Assert.Equal(Roles.Length, e.Split(' ').Length));
    }

    [Fact]
    public async Task Every_http_endpoint_gives_each_role_the_expected_answer()
    {
        var failures = new List<string>();
        foreach (var row in HttpRows.Where(r => r.Build is not null))
        {
            var expected = row.Expect.Split(' ');
            for (var i = 0; i < Roles.Length; i++)
            {
                using var request = await row.Build!(scene);
                using var client = scene.ClientFor(Roles[i]);
                using var response = await client.SendAsync(request);
                var actual = ((int)response.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture);
                if (actual != expected[i]) failures.Add($"{row.Key} as {Roles[i]}: expected {expected[i]}, got {actual} {await response.Content.ReadAsStringAsync()}");
            }
        }
        output.WriteLine($"{HttpRows.Count(r => r.Build is not null)} endpoints x {Roles.Length} roles checked");
        Assert.True(failures.Count == 0, string.Join('\n', failures));
    }

    [Fact]
    public async Task Every_hub_method_gives_each_role_the_expected_answer()
    {
        var failures = new List<string>();
        foreach (var row in HubRows)
        {
            var expected = row.Expect.Split(' ');
            for (var i = 0; i < Roles.Length; i++)
            {
                var actual = await scene.HubOutcomeAsync(Roles[i], row);
                if (actual != expected[i]) failures.Add($"hub {row.Method} as {Roles[i]}: expected {expected[i]}, got {actual}");
            }
        }
        Assert.True(failures.Count == 0, string.Join('\n', failures));
    }

    /// <summary>For every row where the unshared partner gets 404, the same request naming a resource that does not
    /// exist gives the same status and problem type: a partner cannot learn that an unshared page exists.</summary>
    [Fact]
    public async Task A_partner_cannot_tell_an_unshared_resource_from_a_missing_one()
    {
        var unsharedColumn = Array.IndexOf(Roles, "partner-unshared");
        var compared = 0;
        foreach (var row in HttpRows.Where(r => r.Build is not null && r.Expect.Split(' ')[unsharedColumn] == "404"))
        {
            using var client = scene.ClientFor("partner-unshared");
            using var real = await row.Build!(scene);
            using var realResponse = await client.SendAsync(real);
            using var missing = await row.Build!(scene.WithMissingResources());
            using var missingResponse = await client.SendAsync(missing);
            Assert.Equal(realResponse.StatusCode, missingResponse.StatusCode);
            Assert.Equal(await ProblemTypeAsync(realResponse), await ProblemTypeAsync(missingResponse));
            compared++;
        }
        Assert.True(compared >= 15, $"only {compared} rows compared");

        await using var partner = await scene.ConnectAsync("partner-unshared");
        var unshared = await Assert.ThrowsAsync<HubException>(() => partner!.JoinAsync(scene.Page));
        var absent = await Assert.ThrowsAsync<HubException>(() => partner!.JoinAsync(Guid.NewGuid().ToString("N")));
        Assert.Equal(unshared.Message, absent.Message);
    }

    private static async Task<string?> ProblemTypeAsync(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync();
        if (body.Length == 0) return null;
        using var json = JsonDocument.Parse(body);
        return json.RootElement.TryGetProperty("type", out var type) ? type.GetString() : null;
    }
}

public sealed record HttpRow(string Method, string Route, string Expect, Func<AuthorizationScene, Task<HttpRequestMessage>>? Build)
{
    public HttpRow(string method, string route, string expect, Func<AuthorizationScene, HttpRequestMessage> build)
        : this(method, route, expect, s => Task.FromResult(build(s)))
    {
    }

    public string Key => $"{Method} {Route}";

    /// <summary>A row for an endpoint whose access is checked elsewhere (listed so the inventory stays complete).</summary>
    public static HttpRow CoveredElsewhere(string method, string route, string why) =>
        new(method, route, string.Join(' ', Enumerable.Repeat("-", AuthorizationTableTests.Roles.Length)), (Func<AuthorizationScene, Task<HttpRequestMessage>>?)null) { Why = why };

    public string? Why { get; init; }
}

/// <summary>A hub method's row: <c>Invoke</c> gets a fresh marker per call; <c>Landed</c>, when given, says whether
/// the call's effect (carrying the marker) can be seen afterwards.</summary>
public sealed record HubRow(string Method, string Expect, Func<AuthorizationScene, TestClient, string, Task> Invoke, Func<AuthorizationScene, string, Task<bool>>? Landed = null);
