using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Spotter.Collab.Server.Tests.Infrastructure;

namespace Spotter.Collab.Server.Tests.Auth;

/// <summary>/api/me from the organisation directory, and what deactivation does to sign-in and sessions.</summary>
[Collection(LockoutServerGroup.Name)]
public sealed class DirectoryAuthTests(LockoutServerFixture fixture)
{
    private CollabTestServer Server => fixture.Server;

    private async Task<HttpClient> AdminAsync() => Server.Client((await Server.SignInAsync("admin", CollabTestServer.AdminPassword)).AccessToken);

    private async Task<JsonElement> MeAsync(string accessToken)
    {
        using var client = Server.Client(accessToken);
        using var json = JsonDocument.Parse(await client.GetStringAsync("/api/me"));
        return json.RootElement.Clone();
    }

    [Fact]
    public async Task Me_tells_employees_and_partners_apart()
    {
        using var admin = await AdminAsync();
        var partner = await admin.PostAsJsonAsync("/api/admin/partners", new { name = "Acme Logistics" });
        Assert.Equal(HttpStatusCode.Created, partner.StatusCode);
        var partnerOrgId = (await partner.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString();
        var partnerUser = AuthTestHelpers.NewName("partner");
        var created = await admin.PostAsJsonAsync("/api/admin/users", new
        {
            username = partnerUser, password = CollabTestServer.UserPassword, displayName = "Pat Partner", kind = "partner", partnerOrgId,
        });
        Assert.True(created.IsSuccessStatusCode, await created.Content.ReadAsStringAsync());
        var employee = await Server.NewAccountAsync("employee");

        var partnerMe = await MeAsync((await Server.SignInAsync(partnerUser)).AccessToken);
        Assert.Equal(partnerUser, partnerMe.GetProperty("username").GetString());
        Assert.Equal("Pat Partner", partnerMe.GetProperty("displayName").GetString());
        Assert.Equal("partner", partnerMe.GetProperty("kind").GetString());
        Assert.Equal(partnerOrgId, partnerMe.GetProperty("partnerOrgId").GetString());
        Assert.False(partnerMe.GetProperty("isAdmin").GetBoolean());

        var employeeMe = await MeAsync((await Server.SignInAsync(employee)).AccessToken);
        Assert.Equal("employee", employeeMe.GetProperty("kind").GetString());
        Assert.False(employeeMe.TryGetProperty("partnerOrgId", out _));

        var adminMe = await MeAsync((await Server.SignInAsync("admin", CollabTestServer.AdminPassword)).AccessToken);
        Assert.True(adminMe.GetProperty("isAdmin").GetBoolean());
        Assert.Equal("employee", adminMe.GetProperty("kind").GetString());
    }

    [Fact]
    public async Task Deactivation_ends_sessions_and_sign_in_and_reactivation_needs_a_new_sign_in()
    {
        var username = await Server.NewAccountAsync("leaver");
        var tokens = await Server.SignInAsync(username);
        using var admin = await AdminAsync();

        Assert.Equal(HttpStatusCode.NoContent, (await admin.PostAsync($"/api/admin/users/{username}/deactivate", null)).StatusCode);

        Assert.Equal(HttpStatusCode.Unauthorized, (await Server.PostRefreshAsync(tokens.RefreshToken)).StatusCode);
        await Eventually.HoldsAsync(async () => await Server.MeStatusAsync(tokens.AccessToken) == HttpStatusCode.Unauthorized, "the access token is refused");
        var login = await AuthTestHelpers.AnswerAsync(await Server.PostLoginAsync(username, CollabTestServer.UserPassword));
        Assert.Equal(HttpStatusCode.Forbidden, login.Status);
        Assert.Equal("urn:spotter-collab:problem:deactivated", login.Type);
        // Without the password nothing is revealed.
        var guess = await AuthTestHelpers.AnswerAsync(await Server.PostLoginAsync(username, "wrong"));
        Assert.Equal("urn:spotter-collab:problem:invalid-credentials", guess.Type);

        Assert.Equal(HttpStatusCode.NoContent, (await admin.PostAsync($"/api/admin/users/{username}/reactivate", null)).StatusCode);
        await Eventually.HoldsAsync(async () => (await Server.PostLoginAsync(username, CollabTestServer.UserPassword)).IsSuccessStatusCode, "sign-in works again");
        // The old session stays dead.
        Assert.Equal(HttpStatusCode.Unauthorized, (await Server.PostRefreshAsync(tokens.RefreshToken)).StatusCode);
    }
}
