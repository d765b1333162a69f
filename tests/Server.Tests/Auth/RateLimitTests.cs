using System.Net;
using System.Net.Http.Json;
using Spotter.Collab.Server.Tests.Infrastructure;

namespace Spotter.Collab.Server.Tests.Auth;

/// <summary>At most 5 requests a minute per client address on /api/auth/*.</summary>
public sealed class RateLimitServerFixture : AuthServerFixtureBase
{
    protected override IDictionary<string, string> Settings => new Dictionary<string, string>
    {
        ["Auth:RateLimit:PermitLimit"] = "5",
        ["Auth:RateLimit:Window"] = "00:01:00",
    };
}

public sealed class RateLimitTests(RateLimitServerFixture fixture) : IClassFixture<RateLimitServerFixture>
{
    private CollabTestServer Server => fixture.Server;

    [Fact]
    public async Task The_auth_endpoints_are_rate_limited_per_address_and_other_endpoints_are_not()
    {
        // One successful sign-in and four failures of various kinds use up the window's five requests.
        var tokens = await Server.SignInAsync("admin", CollabTestServer.AdminPassword);
        Assert.Equal(HttpStatusCode.Unauthorized, (await Server.PostLoginAsync("admin", "wrong")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await Server.PostLoginAsync("nobody", "wrong")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await Server.PostRefreshAsync("garbage")).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await Server.Http.PostAsJsonAsync("/api/auth/logout", new { refreshToken = "garbage" })).StatusCode);

        foreach (var attempt in new Func<Task<HttpResponseMessage>>[]
        {
            () => Server.PostLoginAsync("admin", CollabTestServer.AdminPassword),
            () => Server.PostRefreshAsync(tokens.RefreshToken),
        })
        {
            var answer = await AuthTestHelpers.AnswerAsync(await attempt());
            Assert.Equal(HttpStatusCode.TooManyRequests, answer.Status);
            Assert.Equal("urn:spotter-collab:problem:rate-limited", answer.Type);
            Assert.True(answer.HasRetryAfter);
        }

        // Signed-in work goes on: only /api/auth/* is limited.
        Assert.Equal(HttpStatusCode.OK, await Server.MeStatusAsync(tokens.AccessToken));
        await Server.CreateDocumentAsync(tokens.AccessToken);
    }
}
