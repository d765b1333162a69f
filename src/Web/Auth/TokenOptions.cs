namespace Spotter.Collab.WebHost.Auth;

/// <summary>Access-token and login-endpoint settings (section <c>Auth</c>; the user grains read lockout, hashing and
/// session lifetimes from the same section, see <c>UserAccountOptions</c>).</summary>
public sealed class TokenOptions
{
    public const string SectionName = "Auth";
    public static readonly TimeSpan DefaultAccessTokenLifetime = TimeSpan.FromMinutes(15);

    public string Issuer { get; set; } = "spotter-collab";
    public string Audience { get; set; } = "spotter-collab";

    /// <summary>How long an access token (JWT) is accepted; clients refresh before it ends.</summary>
    public TimeSpan? AccessTokenLifetime { get; set; }

    /// <summary>The former name of <see cref="AccessTokenLifetime"/>, still honoured when the new one is not set.</summary>
    public TimeSpan? Lifetime { get; set; }

    public TimeSpan EffectiveAccessTokenLifetime => AccessTokenLifetime ?? Lifetime ?? DefaultAccessTokenLifetime;

    /// <summary>Tolerance for clocks that differ between the issuing and the validating host.</summary>
    public TimeSpan ClockSkew { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long a host trusts that an access token's session is still live before asking the user grain
    /// again; logout and revocation through this host take effect at once, through other hosts within this time.</summary>
    public TimeSpan SessionCheckInterval { get; set; } = TimeSpan.FromSeconds(30);

    public AuthRateLimitOptions RateLimit { get; set; } = new();

    /// <summary>Operator-supplied HMAC keys (base64, at least 32 bytes each): the first signs new tokens, every one
    /// validates. Required, or <see cref="KeyDirectory"/> on shared storage, when several web hosts serve one cluster.</summary>
    public List<string> SigningKeys { get; set; } = [];

    /// <summary>Where the host keeps its own signing keys and the Data Protection key ring encrypting them when
    /// <see cref="SigningKeys"/> is empty; default <c>&lt;Storage:DataDirectory&gt;/keys</c>.</summary>
    public string? KeyDirectory { get; set; }

    /// <summary>The host's own signing key is replaced at start once it is this old (operator keys are rotated by
    /// the operator).</summary>
    public TimeSpan SigningKeyRotation { get; set; } = TimeSpan.FromDays(90);

    /// <summary>Minimum length of a new password (the list of common passwords is refused regardless).</summary>
    public int MinPasswordLength { get; set; } = 10;
}

/// <summary>Requests to <c>/api/auth/*</c> allowed per client address (IPv6: per /64) in a sliding window.</summary>
public sealed class AuthRateLimitOptions
{
    public int PermitLimit { get; set; } = 100;
    public TimeSpan Window { get; set; } = TimeSpan.FromMinutes(1);
}

/// <summary>Claim names in issued tokens.</summary>
public static class CollabClaims
{
    public const string Username = "sub";
    public const string DisplayName = "name";
    public const string Role = "role";
    public const string AdminRole = "admin";

    /// <summary>The session (refresh-token family) the access token was issued for; revoking it refuses the token.</summary>
    public const string SessionId = "sid";

    /// <summary>Present ("1") while the account must change a generated password: the token then opens only
    /// <c>/api/auth/*</c> and <c>/api/me</c> (<see cref="PasswordChangeGate"/>).</summary>
    public const string PasswordChangeRequired = "pwd_change";

    /// <summary>On a link session: the signed-in user who redeemed the link. The session also carries that user's
    /// <see cref="SessionId"/>, so it ends with their session (logout, deactivation) and is audited in their name.</summary>
    public const string Redeemer = "redeemer";
}
