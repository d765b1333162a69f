using System.Net;
using Microsoft.AspNetCore.SignalR.Client;
using Spotter.Collab.Server.Tests.Infrastructure;

namespace Spotter.Collab.Server.Tests.Auth;

/// <summary>Access tokens live 3 seconds with no clock-skew allowance.</summary>
public sealed class ShortTokenServerFixture : AuthServerFixtureBase
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(3);

    protected override IDictionary<string, string> Settings => new Dictionary<string, string>
    {
        ["Auth:AccessTokenLifetime"] = Lifetime.ToString("c"),
        ["Auth:ClockSkew"] = "00:00:00",
    };
}

public sealed class TokenExpiryTests(ShortTokenServerFixture fixture) : IClassFixture<ShortTokenServerFixture>
{
    private CollabTestServer Server => fixture.Server;

    [Fact]
    public async Task Expired_access_tokens_are_refused_on_http_and_the_hub_and_a_refreshed_one_works()
    {
        var username = await Server.NewAccountAsync("expiry");
        var tokens = await Server.SignInAsync(username);
        Assert.Equal(3, tokens.ExpiresIn);
        await using (await Server.ConnectAsync(tokens.AccessToken, messagePack: true))
        {
            // connects while the token is fresh
        }

        await Task.Delay(ShortTokenServerFixture.Lifetime + TimeSpan.FromMilliseconds(500));

        Assert.Equal(HttpStatusCode.Unauthorized, await Server.MeStatusAsync(tokens.AccessToken));
        var refused = await Assert.ThrowsAsync<HttpRequestException>(() => Server.ConnectAsync(tokens.AccessToken, messagePack: true));
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);

        // The refresh token outlives the access token: a client reconnects with a fresh one.
        var fresh = await Server.RefreshAsync(tokens.RefreshToken);
        Assert.Equal(HttpStatusCode.OK, await Server.MeStatusAsync(fresh.AccessToken));
        await using var client = await Server.ConnectAsync(fresh.AccessToken, messagePack: false);
        var docId = await Server.CreateDocumentAsync(fresh.AccessToken);
        Assert.Equal("owner", await client.JoinAsync(docId));
    }
}
