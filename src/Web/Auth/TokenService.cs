using System.Security.Claims;
using System.Security.Cryptography;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Spotter.Collab.Grains;

namespace Spotter.Collab.WebHost.Auth;

/// <summary>Issues JWTs signed with the current key of the <see cref="SigningKeyRing"/> (kept outside the database).</summary>
public sealed class TokenService(SigningKeyRing keys, IOptions<TokenOptions> options, TimeProvider timeProvider)
{
    public SecurityKey SigningKey => keys.Current;

    /// <summary>Every key a token may be signed with: the current one and retired ones whose tokens may still be live.</summary>
    public IReadOnlyList<SecurityKey> ValidationKeys => keys.All;

    public TimeSpan AccessTokenLifetime => options.Value.EffectiveAccessTokenLifetime;

    /// <summary>An access token for <paramref name="user"/>, bound to <paramref name="sessionId"/> when given.</summary>
    public string Issue(TokenSubject user, string? sessionId = null, bool passwordChangeRequired = false)
    {
        ArgumentNullException.ThrowIfNull(user);
        var claims = new List<Claim>
        {
            new(CollabClaims.Username, user.Username),
            new(CollabClaims.DisplayName, user.DisplayName),
        };
        if (user.IsAdmin) claims.Add(new Claim(CollabClaims.Role, CollabClaims.AdminRole));
        if (sessionId is not null) claims.Add(new Claim(CollabClaims.SessionId, sessionId));
        if (passwordChangeRequired) claims.Add(new Claim(CollabClaims.PasswordChangeRequired, "1"));
        // Unique per token, so two tokens issued within the same second are still told apart.
        claims.Add(new Claim(JwtRegisteredClaimNames.Jti, Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16))));
        return Issue(claims);
    }

    /// <summary>A token with exactly these claims (e.g. a share-link session), living <paramref name="lifetime"/>
    /// or the configured access-token lifetime.</summary>
    public string Issue(IEnumerable<Claim> claims, TimeSpan? lifetime = null)
    {
        var now = timeProvider.GetUtcNow().UtcDateTime;
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Subject = new ClaimsIdentity(claims),
            Issuer = options.Value.Issuer,
            Audience = options.Value.Audience,
            IssuedAt = now,
            NotBefore = now,
            Expires = now + (lifetime ?? AccessTokenLifetime),
            SigningCredentials = new SigningCredentials(SigningKey, SecurityAlgorithms.HmacSha256),
        });
    }
}

/// <summary>The person an access token speaks for, as the organisation directory knows them when it is issued.</summary>
public sealed record TokenSubject(string Username, string DisplayName, bool IsAdmin);
