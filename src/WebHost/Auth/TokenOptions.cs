namespace Spotter.Collab.WebHost.Auth;

public sealed class TokenOptions
{
    public const string SectionName = "Auth";

    public string Issuer { get; set; } = "spotter-collab";
    public string Audience { get; set; } = "spotter-collab";
    public TimeSpan Lifetime { get; set; } = TimeSpan.FromHours(12);
}

/// <summary>Claim names in issued tokens.</summary>
public static class CollabClaims
{
    public const string Username = "sub";
    public const string DisplayName = "name";
    public const string Role = "role";
    public const string AdminRole = "admin";
}
