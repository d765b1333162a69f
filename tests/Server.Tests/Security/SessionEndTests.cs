using System.Net;
using System.Net.Http.Json;
using System.Security.Claims;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Spotter.Collab.Crdt.Protocols;
using Spotter.Collab.Grains.Protocol;
using Spotter.Collab.Server.Tests.Access;
using Spotter.Collab.Server.Tests.Auth;
using Spotter.Collab.Server.Tests.Infrastructure;
using Spotter.Collab.WebHost.Auth;

namespace Spotter.Collab.Server.Tests.Security;

/// <summary>Issue 11, "Sessions end everywhere": whatever ends a session ends its live hub connections within 1 s,
/// and tokens without a session or with a role the directory does not give are worth nothing.</summary>
[Collection(SessionServerGroup.Name)]
public sealed class SessionEndTests(SessionServerFixture fixture)
{
    private static readonly TimeSpan Promptly = TimeSpan.FromSeconds(1);

    private CollabTestServer Server => fixture.Server;

    /// <summary>A user with a fresh session, a document of theirs and a live hub connection that joined it.</summary>
    private async Task<(string Username, Tokens Tokens, string Doc, TestClient Client)> LiveEditorAsync(string prefix)
    {
        var username = await Server.NewAccountAsync(prefix);
        var tokens = await Server.SignInAsync(username);
        var doc = await Server.CreateDocumentAsync(tokens.AccessToken);
        var client = await Server.ConnectAsync(tokens.AccessToken, messagePack: true);
        await client.JoinAsync(doc);
        return (username, tokens, doc, client);
    }

    private async Task<bool> TextContainsAsync(string token, string doc, string marker)
    {
        using var client = Server.Client(token);
        using var response = await client.GetAsync($"/api/docs/{doc}/roots/t?type=text");
        if (response.StatusCode == HttpStatusCode.NotFound) return false;
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadAsStringAsync()).Contains(marker, StringComparison.Ordinal);
    }

    private static byte[] TextFrame(string marker) => Frames.Sync(SyncMessageType.Update, AuthorizationScene.TextUpdate(marker));

    [Fact]
    public async Task Logout_ends_the_live_connection_which_can_no_longer_send_or_join()
    {
        var (username, tokens, doc, client) = await LiveEditorAsync("lgo");
        await using var _ = client;
        var otherDoc = await Server.CreateDocumentAsync(tokens.AccessToken);
        // The connection works before.
        await client.SendAsync(doc, TextFrame("before"));

        var loggedOut = DateTime.UtcNow;
        await Server.LogoutAsync(tokens.RefreshToken);

        Assert.True(await client.ClosedWithinAsync(loggedOut) < Promptly, "the connection outlived the logout by more than 1 s");
        Assert.Contains(client.Revocations, r => r.DocId == doc && r.Reason == "signed-out");
        await Assert.ThrowsAnyAsync<Exception>(() => client.SendAsync(doc, TextFrame("after-logout")));
        await Assert.ThrowsAnyAsync<Exception>(() => client.JoinAsync(otherDoc));

        var witness = await Server.SignInAsync(username);
        Assert.True(await TextContainsAsync(witness.AccessToken, doc, "before"));
        Assert.False(await TextContainsAsync(witness.AccessToken, doc, "after-logout"));
    }

    [Fact]
    public async Task A_copied_access_token_opens_no_socket_after_logout()
    {
        var username = await Server.NewAccountAsync("cpy");
        var tokens = await Server.SignInAsync(username);
        await using (await Server.ConnectAsync(tokens.AccessToken, messagePack: false))
        {
            // the copy works while the session lives
        }
        await Server.LogoutAsync(tokens.RefreshToken);

        var refused = await Assert.ThrowsAsync<HttpRequestException>(() => Server.ConnectAsync(tokens.AccessToken, messagePack: false));
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
    }

    [Fact]
    public async Task Refresh_token_reuse_ends_the_live_connections_of_that_session_only()
    {
        var (username, stolen, doc, client) = await LiveEditorAsync("rus");
        await using var _ = client;
        var otherSession = await Server.SignInAsync(username);
        await using var bystander = await Server.ConnectAsync(otherSession.AccessToken, messagePack: true);
        await bystander.JoinAsync(doc);
        await Server.RefreshAsync(stolen.RefreshToken);

        var reused = DateTime.UtcNow;
        Assert.Equal(HttpStatusCode.Unauthorized, (await Server.PostRefreshAsync(stolen.RefreshToken)).StatusCode);

        Assert.True(await client.ClosedWithinAsync(reused) < Promptly);
        // The user's other session keeps its connection.
        await bystander.SendAsync(doc, TextFrame("still-here"));
        Assert.Null(bystander.ClosedAt());
        Assert.True(await TextContainsAsync(otherSession.AccessToken, doc, "still-here"));
    }

    [Fact]
    public async Task Changing_the_password_ends_the_other_sessions_connections_and_keeps_this_one()
    {
        var (username, other, doc, otherClient) = await LiveEditorAsync("chg");
        await using var _ = otherClient;
        var current = await Server.SignInAsync(username);
        await using var currentClient = await Server.ConnectAsync(current.AccessToken, messagePack: true);
        await currentClient.JoinAsync(doc);

        using var http = Server.Client(current.AccessToken);
        var changed = DateTime.UtcNow;
        var response = await http.PostAsJsonAsync("/api/auth/password", new { current = CollabTestServer.UserPassword, @new = "a-much-better-passphrase" });
        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);

        Assert.True(await otherClient.ClosedWithinAsync(changed) < Promptly);
        Assert.Equal(HttpStatusCode.Unauthorized, await Server.MeStatusAsync(other.AccessToken));
        Assert.Equal(HttpStatusCode.Unauthorized, (await Server.PostRefreshAsync(other.RefreshToken)).StatusCode);
        await currentClient.SendAsync(doc, TextFrame("kept"));
        Assert.Null(currentClient.ClosedAt());
        Assert.Equal(HttpStatusCode.OK, await Server.MeStatusAsync(current.AccessToken));
        await Server.RefreshAsync(current.RefreshToken);
    }

    [Fact]
    public async Task An_admin_reset_or_sign_out_everywhere_ends_every_connection_of_the_user()
    {
        using var admin = Server.Client((await Server.SignInAsync("admin", CollabTestServer.AdminPassword)).AccessToken);

        var (resetUser, resetTokens, _, resetClient) = await LiveEditorAsync("rst");
        await using (resetClient)
        {
            var reset = DateTime.UtcNow;
            var response = await admin.PostAsJsonAsync($"/api/admin/users/{resetUser}/password", new { password = (string?)null });
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.True(await resetClient.ClosedWithinAsync(reset) < Promptly);
            Assert.Equal(HttpStatusCode.Unauthorized, await Server.MeStatusAsync(resetTokens.AccessToken));
        }

        var (outUser, outTokens, _, outClient) = await LiveEditorAsync("out");
        await using (outClient)
        {
            var revoked = DateTime.UtcNow;
            Assert.Equal(HttpStatusCode.NoContent, (await admin.PostAsync($"/api/admin/users/{outUser}/sessions/revoke", null)).StatusCode);
            Assert.True(await outClient.ClosedWithinAsync(revoked) < Promptly);
            Assert.Equal(HttpStatusCode.Unauthorized, await Server.MeStatusAsync(outTokens.AccessToken));
            Assert.Equal(HttpStatusCode.Unauthorized, (await Server.PostRefreshAsync(outTokens.RefreshToken)).StatusCode);
        }
        Assert.Contains(await Server.AuditAsync(outUser), e => e.Action == Spotter.Collab.Grains.Audit.AuditActions.SessionsRevoked && e.Actor == "admin");
    }

    [Fact]
    public async Task A_forged_admin_token_without_a_session_is_refused()
    {
        var forged = Server.Forge(
            new Claim(CollabClaims.Username, "admin"),
            new Claim(CollabClaims.DisplayName, "Administrator"),
            new Claim(CollabClaims.Role, CollabClaims.AdminRole));

        using var client = Server.Client(forged);
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/api/admin/users")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/api/me")).StatusCode);
        var refused = await Assert.ThrowsAsync<HttpRequestException>(() => Server.ConnectAsync(forged, messagePack: true));
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
    }

    [Fact]
    public async Task An_admin_role_claim_of_a_user_who_is_no_admin_in_the_directory_gets_403()
    {
        var username = await Server.NewAccountAsync("rol");
        var tokens = await Server.SignInAsync(username);
        // A live session of the user, with the admin role added: only the directory's answer counts.
        var forged = Server.Forge(
            new Claim(CollabClaims.Username, username),
            new Claim(CollabClaims.Role, CollabClaims.AdminRole),
            new Claim(CollabClaims.SessionId, SecurityTestHelpers.SessionOf(tokens.AccessToken)));

        using var client = Server.Client(forged);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/me")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await client.GetAsync("/api/admin/users")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await client.GetAsync("/api/search?q=x&as=admin")).StatusCode);
        var me = await client.GetFromJsonAsync<System.Text.Json.JsonElement>("/api/me");
        Assert.False(me.GetProperty("isAdmin").GetBoolean());
    }

    [Fact]
    public async Task A_token_signed_with_another_key_is_refused()
    {
        var username = await Server.NewAccountAsync("key");
        var tokens = await Server.SignInAsync(username);
        var handler = new Microsoft.IdentityModel.JsonWebTokens.JsonWebTokenHandler();
        var foreign = handler.CreateToken(new Microsoft.IdentityModel.Tokens.SecurityTokenDescriptor
        {
            Subject = new ClaimsIdentity([new Claim(CollabClaims.Username, username), new Claim(CollabClaims.SessionId, SecurityTestHelpers.SessionOf(tokens.AccessToken))]),
            Issuer = "spotter-collab",
            Audience = "spotter-collab",
            Expires = DateTime.UtcNow.AddMinutes(5),
            SigningCredentials = new Microsoft.IdentityModel.Tokens.SigningCredentials(SecurityTestHelpers.OtherKey(), "HS256"),
        });
        Assert.Equal(HttpStatusCode.Unauthorized, await Server.MeStatusAsync(foreign));
    }

    [Fact]
    public async Task An_admin_cannot_deactivate_themselves()
    {
        using var admin = Server.Client((await Server.SignInAsync("admin", CollabTestServer.AdminPassword)).AccessToken);
        var answer = await AuthTestHelpers.AnswerAsync(await admin.PostAsync("/api/admin/users/admin/deactivate", null));
        Assert.Equal(HttpStatusCode.Conflict, answer.Status);
        Assert.Equal("urn:spotter-collab:problem:self-deactivation", answer.Type);
        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync("/api/admin/users")).StatusCode);
    }
}

/// <summary>A hub connection never outlives its token without a renewal.</summary>
public sealed class TokenExpiryOnHubTests : IClassFixture<ShortTokenServerFixture>
{
    private readonly ShortTokenServerFixture _fixture;

    public TokenExpiryOnHubTests(ShortTokenServerFixture fixture) => _fixture = fixture;

    private CollabTestServer Server => _fixture.Server;

    [Fact]
    public async Task A_connection_closes_when_its_token_expires_unless_renewed()
    {
        var username = await Server.NewAccountAsync("exp");
        var tokens = await Server.SignInAsync(username);
        var connected = DateTime.UtcNow;
        await using var lapsed = await Server.ConnectAsync(tokens.AccessToken, messagePack: true);
        await using var renewed = await Server.ConnectAsync(tokens.AccessToken, messagePack: true);

        // Before the first token expires, the second connection presents a fresh one of the same session (issued a
        // couple of seconds later, as `exp` counts whole seconds).
        await Task.Delay(TimeSpan.FromSeconds(2));
        var fresh = await Server.RefreshAsync(tokens.RefreshToken);
        await renewed.InvokeAsync("RenewToken", fresh.AccessToken);

        var closedAfter = await lapsed.ClosedWithinAsync(connected);
        Assert.InRange(closedAfter, ShortTokenServerFixture.TokenLifetime - TimeSpan.FromSeconds(1), ShortTokenServerFixture.TokenLifetime + TimeSpan.FromSeconds(3));
        // The renewed one outlives the first token (but not its own).
        Assert.Null(renewed.ClosedAt());
        Assert.Equal(HubConnectionState.Connected, renewed.State);
        await renewed.InvokeAsync("UnwatchSpace", "any");
    }

    [Fact]
    public async Task Another_users_token_or_a_garbage_token_renews_nothing()
    {
        var alice = await Server.SignInAsync(await Server.NewAccountAsync("ali"));
        var bob = await Server.SignInAsync(await Server.NewAccountAsync("bob"));
        await using var client = await Server.ConnectAsync(alice.AccessToken, messagePack: false);

        var stranger = await Assert.ThrowsAsync<HubException>(() => client.InvokeAsync("RenewToken", bob.AccessToken));
        Assert.Contains("invalid-token", stranger.Message, StringComparison.Ordinal);
        var garbage = await Assert.ThrowsAsync<HubException>(() => client.InvokeAsync("RenewToken", "not.a.token"));
        Assert.Contains("invalid-token", garbage.Message, StringComparison.Ordinal);
    }
}
