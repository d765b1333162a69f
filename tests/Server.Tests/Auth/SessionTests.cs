using System.Net;
using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Spotter.Collab.Grains;
using Spotter.Collab.Grains.Audit;
using Spotter.Collab.Server.Tests.Infrastructure;

namespace Spotter.Collab.Server.Tests.Auth;

[Collection(LockoutServerGroup.Name)]
public sealed class SessionTests(LockoutServerFixture fixture)
{
    private CollabTestServer Server => fixture.Server;

    [Fact]
    public async Task Refresh_rotates_the_refresh_token_and_issues_a_working_access_token()
    {
        var username = await Server.NewAccountAsync("rotate");
        var first = await Server.SignInAsync(username);

        var second = await Server.RefreshAsync(first.RefreshToken);
        Assert.NotEqual(first.RefreshToken, second.RefreshToken);
        Assert.Equal(second.AccessToken, second.Token);
        Assert.Equal(HttpStatusCode.OK, await Server.MeStatusAsync(second.AccessToken));
        var third = await Server.RefreshAsync(second.RefreshToken);
        Assert.Equal(HttpStatusCode.OK, await Server.MeStatusAsync(third.AccessToken));
        // Rotation keeps the session: the first access token still works.
        Assert.Equal(HttpStatusCode.OK, await Server.MeStatusAsync(first.AccessToken));

        var audited = (await Server.AuditAsync(username)).Where(e => e.Action == AuditActions.TokenRefreshed).ToList();
        Assert.Equal(2, audited.Count);
        Assert.All(audited, e => Assert.Equal(username, e.Actor));
    }

    [Fact]
    public async Task Reusing_a_rotated_refresh_token_revokes_the_whole_family()
    {
        var username = await Server.NewAccountAsync("reuse");
        var stolen = await Server.SignInAsync(username);
        var legit = await Server.RefreshAsync(stolen.RefreshToken);
        var other = await Server.SignInAsync(username); // a second, unrelated session of the same user

        var reuse = await AuthTestHelpers.AnswerAsync(await Server.PostRefreshAsync(stolen.RefreshToken));
        Assert.Equal(HttpStatusCode.Unauthorized, reuse.Status);
        Assert.Equal("urn:spotter-collab:problem:invalid-refresh-token", reuse.Type);

        // The newest token of the family is dead too, and so are the family's access tokens.
        Assert.Equal(HttpStatusCode.Unauthorized, (await Server.PostRefreshAsync(legit.RefreshToken)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, await Server.MeStatusAsync(legit.AccessToken));
        Assert.Equal(HttpStatusCode.Unauthorized, await Server.MeStatusAsync(stolen.AccessToken));
        // Other sessions live on.
        Assert.Equal(HttpStatusCode.OK, await Server.MeStatusAsync(other.AccessToken));
        await Server.RefreshAsync(other.RefreshToken);

        var entry = Assert.Single(await Server.AuditAsync(username), e => e.Action == AuditActions.RefreshReuse);
        Assert.Equal(username, entry.Actor);
        Assert.Equal("127.0.0.1", entry.SourceAddress);
    }

    [Fact]
    public async Task Logout_revokes_the_session_and_its_access_tokens()
    {
        var username = await Server.NewAccountAsync("logout");
        var tokens = await Server.SignInAsync(username);
        var other = await Server.SignInAsync(username);
        Assert.Equal(HttpStatusCode.OK, await Server.MeStatusAsync(tokens.AccessToken));

        var logout = await Server.Http.PostAsJsonAsync("/api/auth/logout", new { refreshToken = tokens.RefreshToken });
        Assert.Equal(HttpStatusCode.NoContent, logout.StatusCode);

        Assert.Equal(HttpStatusCode.Unauthorized, (await Server.PostRefreshAsync(tokens.RefreshToken)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, await Server.MeStatusAsync(tokens.AccessToken));
        var refused = await Assert.ThrowsAsync<HttpRequestException>(() => Server.ConnectAsync(tokens.AccessToken, messagePack: true));
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Equal(HttpStatusCode.OK, await Server.MeStatusAsync(other.AccessToken));
        await using (await Server.ConnectAsync(other.AccessToken, messagePack: true))
        {
            // the user's other session still opens hub connections
        }
        // Logging out again, or with garbage, changes nothing and tells nothing.
        Assert.Equal(HttpStatusCode.NoContent, (await Server.Http.PostAsJsonAsync("/api/auth/logout", new { refreshToken = tokens.RefreshToken })).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await Server.Http.PostAsJsonAsync("/api/auth/logout", new { refreshToken = "garbage" })).StatusCode);
        Assert.Single(await Server.AuditAsync(username), e => e.Action == AuditActions.Logout);
    }

    [Fact]
    public async Task Revoking_all_sessions_ends_every_refresh_and_access_token_of_the_user()
    {
        var username = await Server.NewAccountAsync("revall");
        var first = await Server.SignInAsync(username);
        var second = await Server.SignInAsync(username);
        var bystander = await Server.SignInAsync(await Server.NewAccountAsync("bystand"));

        var revoked = await Server.Services.GetRequiredService<IGrainFactory>().GetGrain<IUserGrain>(username).RevokeAllSessions();

        Assert.Equal(2, revoked);
        foreach (var tokens in new[] { first, second })
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await Server.PostRefreshAsync(tokens.RefreshToken)).StatusCode);
            Assert.Equal(HttpStatusCode.Unauthorized, await Server.MeStatusAsync(tokens.AccessToken));
        }
        Assert.Equal(HttpStatusCode.OK, await Server.MeStatusAsync(bystander.AccessToken));
        // Signing in again opens a new session.
        Assert.Equal(HttpStatusCode.OK, await Server.MeStatusAsync((await Server.SignInAsync(username)).AccessToken));
    }

    [Theory]
    [InlineData("")]
    [InlineData("not-a-token")]
    [InlineData("YWRtaW4.0123.secret")] // admin's name, made-up session
    public async Task Malformed_or_forged_refresh_tokens_are_refused(string refreshToken)
    {
        var answer = await AuthTestHelpers.AnswerAsync(await Server.PostRefreshAsync(refreshToken));
        Assert.Equal(HttpStatusCode.Unauthorized, answer.Status);
        Assert.Equal("urn:spotter-collab:problem:invalid-refresh-token", answer.Type);
    }

    [Fact]
    public async Task A_refresh_token_works_only_for_the_account_it_was_issued_to()
    {
        var alice = await Server.SignInAsync(await Server.NewAccountAsync("alice"));
        var mallory = await Server.NewAccountAsync("mallory");
        // Same session id and secret, another user's name in front.
        var parts = alice.RefreshToken.Split('.');
        var forged = $"{Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(mallory)).TrimEnd('=').Replace('+', '-').Replace('/', '_')}.{parts[1]}.{parts[2]}";
        Assert.Equal(HttpStatusCode.Unauthorized, (await Server.PostRefreshAsync(forged)).StatusCode);
        await Server.RefreshAsync(alice.RefreshToken);
    }
}
