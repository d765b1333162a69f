using System.Buffers.Text;
using System.Diagnostics.CodeAnalysis;
using System.Text;

namespace Spotter.Collab.Grains;

public enum LoginOutcome
{
    Succeeded,
    /// <summary>Unknown user or wrong password: callers must not tell the two apart.</summary>
    InvalidCredentials,
    /// <summary>Too many recent failures: no password is checked until <see cref="LoginResult.LockedUntil"/>.
    /// Unknown usernames lock out exactly like real accounts.</summary>
    LockedOut,
}

/// <summary>What <see cref="IUserGrain.Login"/> decided. <see cref="AccountExists"/> and <see cref="LockedNow"/>
/// are for the audit log only and must never reach the client.</summary>
[GenerateSerializer, Immutable, Alias("spotter.LoginResult")]
public sealed record LoginResult(
    [property: Id(0)] LoginOutcome Outcome,
    [property: Id(1)] UserProfile? Profile = null,
    [property: Id(2)] IssuedSession? Session = null,
    [property: Id(3)] DateTimeOffset? LockedUntil = null,
    [property: Id(4)] bool LockedNow = false,
    [property: Id(5)] bool AccountExists = false);

public enum RefreshOutcome
{
    Succeeded,
    /// <summary>Unknown, expired or revoked session, or a token that never belonged to it.</summary>
    Invalid,
    /// <summary>An already rotated token came back: it was copied, so its whole session (token family) was revoked.</summary>
    Reused,
}

[GenerateSerializer, Immutable, Alias("spotter.RefreshResult")]
public sealed record RefreshResult(
    [property: Id(0)] RefreshOutcome Outcome,
    [property: Id(1)] UserProfile? Profile = null,
    [property: Id(2)] IssuedSession? Session = null,
    [property: Id(3)] string? SessionId = null);

/// <summary>A session (refresh-token family) and its current refresh token, which the grain keeps only as a hash.</summary>
[GenerateSerializer, Immutable, Alias("spotter.IssuedSession")]
public sealed record IssuedSession(
    [property: Id(0)] string SessionId,
    [property: Id(1)] string RefreshToken,
    [property: Id(2)] DateTimeOffset ExpiresAt);

/// <summary>
/// Refresh tokens are <c>base64url(username).sessionId.secret</c>: the username routes the token to its
/// <see cref="IUserGrain"/>, the session id finds the family, and only the secret's hash is stored.
/// </summary>
public static class RefreshTokenFormat
{
    public static string Format(string username, string sessionId, string secret)
    {
        ArgumentNullException.ThrowIfNull(username);
        return $"{Base64Url.EncodeToString(Encoding.UTF8.GetBytes(username))}.{sessionId}.{secret}";
    }

    public static bool TryParse(string? token, [NotNullWhen(true)] out string? username, [NotNullWhen(true)] out string? sessionId, [NotNullWhen(true)] out string? secret)
    {
        username = sessionId = secret = null;
        // Bounded so a huge body costs nothing: real tokens are about 130 characters.
        if (string.IsNullOrEmpty(token) || token.Length > 512) return false;
        var parts = token.Split('.');
        if (parts.Length != 3 || parts[1].Length == 0 || parts[2].Length == 0 || !Base64Url.IsValid(parts[0])) return false;
        try
        {
            username = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(parts[0]));
        }
        catch (FormatException)
        {
            return false;
        }
        if (username.Length == 0) return false;
        sessionId = parts[1];
        secret = parts[2];
        return true;
    }
}
