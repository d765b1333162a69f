using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Spotter.Collab.Grains.Users;

/// <summary>Password hashing, lockout and session lifetimes (configuration section <c>Auth</c>, shared with the
/// web host's token settings).</summary>
public sealed class UserAccountOptions
{
    public const string SectionName = "Auth";

    /// <summary>PBKDF2-SHA256 iterations for new hashes; older hashes are upgraded at the next successful login.</summary>
    public int PasswordIterations { get; set; } = PasswordHasher.DefaultIterations;

    public LockoutOptions Lockout { get; set; } = new();

    public SessionOptions Sessions { get; set; } = new();
}

public sealed class LockoutOptions
{
    /// <summary>Failed logins within <see cref="Window"/> that lock the account; 0 turns lockout off.</summary>
    public int MaxFailures { get; set; } = 5;

    public TimeSpan Window { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>How long a locked account refuses every login, right password included.</summary>
    public TimeSpan Duration { get; set; } = TimeSpan.FromMinutes(15);
}

public sealed class SessionOptions
{
    /// <summary>A session ends this long after its login, however often it is refreshed.</summary>
    public TimeSpan AbsoluteLifetime { get; set; } = TimeSpan.FromDays(30);

    /// <summary>A session not refreshed for this long ends.</summary>
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromDays(7);

    /// <summary>Live sessions per account; a new login beyond it ends the least recently used one.</summary>
    public int MaxPerUser { get; set; } = 50;

    /// <summary>Hashes of rotated refresh tokens remembered per session for reuse detection.</summary>
    public int RotatedTokensKept { get; set; } = 32;
}

public static class UserAccountServiceCollectionExtensions
{
    /// <summary>Binds <see cref="UserAccountOptions"/> for the user grains of this silo.</summary>
    public static IServiceCollection AddUserAccounts(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<UserAccountOptions>().Bind(configuration.GetSection(UserAccountOptions.SectionName));
        return services;
    }
}
