using System.Net;
using System.Net.Http.Json;
using System.Security.Claims;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Spotter.Collab.Server.Tests.Auth;
using Spotter.Collab.Server.Tests.Infrastructure;
using Spotter.Collab.WebHost.Auth;

namespace Spotter.Collab.Server.Tests.Security;

/// <summary>A server with the default session settings, shared by the session and password tests.</summary>
public sealed class SessionServerFixture : AuthServerFixtureBase
{
    protected override IDictionary<string, string> Settings => new Dictionary<string, string>();
}

[CollectionDefinition(Name)]
public sealed class SessionServerGroup : ICollectionFixture<SessionServerFixture>
{
    public const string Name = "security: sessions";
}

/// <summary>Access tokens that live 3 s, so a connection's token expiry can be watched.</summary>
public sealed class ShortTokenServerFixture : AuthServerFixtureBase
{
    public static readonly TimeSpan TokenLifetime = TimeSpan.FromSeconds(3);

    protected override IDictionary<string, string> Settings => new Dictionary<string, string>
    {
        ["Auth:AccessTokenLifetime"] = "00:00:03",
        ["Auth:ClockSkew"] = "00:00:00",
    };
}

public static class SecurityTestHelpers
{
    /// <summary>The session id (<c>sid</c>) an access token was issued for.</summary>
    public static string SessionOf(string accessToken) => new JsonWebToken(accessToken).GetClaim(CollabClaims.SessionId).Value;

    /// <summary>A token signed with the server's own signing key, carrying exactly <paramref name="claims"/>: what an
    /// attacker who read the key could make.</summary>
    public static string Forge(this CollabTestServer server, params Claim[] claims)
    {
        var tokens = server.Services.GetRequiredService<TokenService>();
        return tokens.Issue(claims);
    }

    public static async Task LogoutAsync(this CollabTestServer server, string refreshToken)
    {
        var response = await server.Http.PostAsJsonAsync("/api/auth/logout", new { refreshToken });
        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
    }

    /// <summary>When the client saw its connection close, or null if it has not.</summary>
    public static DateTime? ClosedAt(this TestClient client) =>
        client.Events.Where(e => e.Kind == "Closed").Select(e => (DateTime?)e.At).FirstOrDefault();

    /// <summary>Waits (up to 10 s) for the connection to be closed by the server and returns how long after
    /// <paramref name="since"/> that happened.</summary>
    public static async Task<TimeSpan> ClosedWithinAsync(this TestClient client, DateTime since)
    {
        await Eventually.HoldsAsync(() => client.ClosedAt() is not null, "the server closed the connection", TimeSpan.FromSeconds(10));
        return client.ClosedAt()!.Value - since;
    }

    /// <summary>A signing key that is not the server's.</summary>
    public static SymmetricSecurityKey OtherKey() => new(System.Security.Cryptography.RandomNumberGenerator.GetBytes(64));
}
