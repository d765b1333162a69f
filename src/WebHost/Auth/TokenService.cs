using System.Security.Claims;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Spotter.Collab.Grains;
using Spotter.Collab.Grains.Storage;

namespace Spotter.Collab.WebHost.Auth;

/// <summary>Issues JWTs signed with the host's HMAC key, which is generated on first start and kept in the store.</summary>
public sealed class TokenService(ISecretStore secrets, IOptions<TokenOptions> options, TimeProvider timeProvider)
{
    private const string KeyName = "jwt-signing-key";
    private readonly Lazy<SymmetricSecurityKey> _key = new(() => new SymmetricSecurityKey(secrets.GetOrCreate(KeyName, () => SqliteDatabase.RandomSecret(64))));

    public SecurityKey SigningKey => _key.Value;

    public string Issue(UserProfile user)
    {
        ArgumentNullException.ThrowIfNull(user);
        var claims = new List<Claim>
        {
            new(CollabClaims.Username, user.Username),
            new(CollabClaims.DisplayName, user.DisplayName),
        };
        if (user.IsAdmin) claims.Add(new Claim(CollabClaims.Role, CollabClaims.AdminRole));
        var now = timeProvider.GetUtcNow().UtcDateTime;
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Subject = new ClaimsIdentity(claims),
            Issuer = options.Value.Issuer,
            Audience = options.Value.Audience,
            IssuedAt = now,
            NotBefore = now,
            Expires = now + options.Value.Lifetime,
            SigningCredentials = new SigningCredentials(SigningKey, SecurityAlgorithms.HmacSha256),
        });
    }
}
