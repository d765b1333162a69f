using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Spotter.Collab.Server.Tests.Auth;
using Spotter.Collab.Server.Tests.Infrastructure;
using Spotter.Collab.WebHost.Auth;

namespace Spotter.Collab.Server.Tests.Security;

/// <summary>Issue 11, "Defences in depth": a password policy, change-my-password and admin reset.</summary>
[Collection(SessionServerGroup.Name)]
public sealed class PasswordPolicyTests(SessionServerFixture fixture)
{
    private CollabTestServer Server => fixture.Server;

    private async Task<HttpClient> AdminAsync() =>
        Server.Client((await Server.SignInAsync("admin", CollabTestServer.AdminPassword)).AccessToken);

    private static async Task<(HttpStatusCode Status, string? Title, string? Reason)> ProblemAsync(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync();
        if (body.Length == 0) return (response.StatusCode, null, null);
        using var json = JsonDocument.Parse(body);
        string? Text(string name) => json.RootElement.TryGetProperty(name, out var value) ? value.GetString() : null;
        return (response.StatusCode, Text("title"), Text("reason"));
    }

    [Theory]
    [InlineData("12345678", "too-short")]
    [InlineData("password1", "too-short")]
    [InlineData("1234567890", "common")]
    [InlineData("qwertyuiop", "common")]
    [InlineData("Password123", "common")]
    [InlineData("1q2w3e4r5t", "common")]
    public async Task Weak_passwords_are_refused_with_a_typed_problem_and_nothing_is_created(string password, string reason)
    {
        using var admin = await AdminAsync();
        var username = AuthTestHelpers.NewName("weak");
        foreach (var path in new[] { "/api/admin/users", "/api/users" })
        {
            var (status, title, why) = await ProblemAsync(await admin.PostAsJsonAsync(path, new { username, password }));
            Assert.Equal(HttpStatusCode.BadRequest, status);
            Assert.Equal("weak-password", title);
            Assert.Equal(reason, why);
        }
        var users = await admin.GetFromJsonAsync<JsonElement>("/api/admin/users");
        Assert.DoesNotContain(users.EnumerateArray(), u => u.GetProperty("username").GetString() == username);
        Assert.Equal(HttpStatusCode.Unauthorized, (await Server.PostLoginAsync(username, password)).StatusCode);
    }

    [Fact]
    public async Task The_username_as_password_is_refused_and_a_good_one_is_accepted()
    {
        using var admin = await AdminAsync();
        var username = AuthTestHelpers.NewName("samename");
        var (status, _, reason) = await ProblemAsync(await admin.PostAsJsonAsync("/api/admin/users", new { username, password = username }));
        Assert.Equal((HttpStatusCode.BadRequest, "username"), (status, reason));
        Assert.Equal(HttpStatusCode.Created, (await admin.PostAsJsonAsync("/api/admin/users", new { username, password = "correct horse battery" })).StatusCode);
    }

    [Fact]
    public void The_shipped_list_holds_thousands_of_common_passwords()
    {
        foreach (var common in new[] { "12345678", "password1", "password123", "qwerty123", "1234567890", "PASSWORD1" }) Assert.True(PasswordPolicy.IsCommon(common), common);
        Assert.False(PasswordPolicy.IsCommon(CollabTestServer.UserPassword));
        using var stream = typeof(PasswordPolicy).Assembly.GetManifestResourceStream(PasswordPolicy.ResourceName)!;
        using var reader = new StreamReader(stream);
        var entries = reader.ReadToEnd().Split('\n').Count(l => l.Length > 0 && l[0] != '#');
        Assert.InRange(entries, 2_000, 20_000);
    }

    [Fact]
    public async Task Changing_the_password_needs_the_current_one_and_then_only_the_new_one_works()
    {
        var username = await Server.NewAccountAsync("pwc");
        var tokens = await Server.SignInAsync(username);
        using var client = Server.Client(tokens.AccessToken);

        var wrong = await ProblemAsync(await client.PostAsJsonAsync("/api/auth/password", new { current = "not-my-password", @new = "a-new-passphrase-1" }));
        Assert.Equal((HttpStatusCode.Forbidden, "wrong-password"), (wrong.Status, wrong.Title));
        var weak = await ProblemAsync(await client.PostAsJsonAsync("/api/auth/password", new { current = CollabTestServer.UserPassword, @new = "password123" }));
        Assert.Equal((HttpStatusCode.BadRequest, "weak-password", "common"), weak);
        Assert.Equal(HttpStatusCode.OK, (await Server.PostLoginAsync(username, CollabTestServer.UserPassword)).StatusCode);

        var changed = await client.PostAsJsonAsync("/api/auth/password", new { current = CollabTestServer.UserPassword, @new = "a-new-passphrase-1" });
        Assert.Equal(HttpStatusCode.NoContent, changed.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await Server.PostLoginAsync(username, CollabTestServer.UserPassword)).StatusCode);
        await Server.SignInAsync(username, "a-new-passphrase-1");
        Assert.Contains(await Server.AuditAsync(username), e => e.Action == Spotter.Collab.Grains.Audit.AuditActions.PasswordChanged && e.Actor == username);
    }

    [Fact]
    public async Task An_admin_reset_gives_a_one_time_password_or_sets_the_chosen_one()
    {
        using var admin = await AdminAsync();
        var username = await Server.NewAccountAsync("rsp");
        var before = await Server.SignInAsync(username);

        var generated = await admin.PostAsJsonAsync($"/api/admin/users/{username}/password", new { password = (string?)null });
        Assert.Equal(HttpStatusCode.OK, generated.StatusCode);
        var oneTime = (await generated.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("password").GetString()!;
        Assert.True(oneTime.Length >= 16);
        Assert.Equal(HttpStatusCode.Unauthorized, await Server.MeStatusAsync(before.AccessToken));
        Assert.Equal(HttpStatusCode.Unauthorized, (await Server.PostLoginAsync(username, CollabTestServer.UserPassword)).StatusCode);
        await Server.SignInAsync(username, oneTime);

        var weak = await ProblemAsync(await admin.PostAsJsonAsync($"/api/admin/users/{username}/password", new { password = "12345678" }));
        Assert.Equal((HttpStatusCode.BadRequest, "weak-password"), (weak.Status, weak.Title));
        await Server.SignInAsync(username, oneTime);

        var chosen = await admin.PostAsJsonAsync($"/api/admin/users/{username}/password", new { password = "chosen-by-the-admin" });
        Assert.Equal(HttpStatusCode.OK, chosen.StatusCode);
        Assert.Equal(JsonValueKind.Null, (await chosen.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("password").ValueKind);
        await Server.SignInAsync(username, "chosen-by-the-admin");

        Assert.Equal(HttpStatusCode.NotFound, (await admin.PostAsJsonAsync($"/api/admin/users/{AuthTestHelpers.NewName("nobody")}/password", new { password = (string?)null })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.PostAsync($"/api/admin/users/{AuthTestHelpers.NewName("nobody")}/sessions/revoke", null)).StatusCode);
    }
}
