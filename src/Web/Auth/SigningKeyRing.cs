using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;
using Spotter.Collab.Grains.Storage;
using Spotter.Collab.WebHost.Hosting;

namespace Spotter.Collab.WebHost.Auth;

/// <summary>
/// The HMAC keys access tokens are signed with, kept outside the database. Either the operator supplies them
/// (<c>Auth:SigningKeys</c>, base64, the first signs and all validate), or the host keeps its own in
/// <c>&lt;KeyDirectory&gt;/jwt-signing-keys</c>, encrypted with ASP.NET Core Data Protection (whose key ring lives in
/// the same directory) and rotated at start once the newest is older than <see cref="TokenOptions.SigningKeyRotation"/>.
/// A retired key keeps validating until every token it signed has expired, so rotation signs nobody out.
/// </summary>
public sealed partial class SigningKeyRing
{
    public const string KeyFileName = "jwt-signing-keys";
    private const int KeyBytes = 64;
    private const string Purpose = "Spotter.Collab.JwtSigningKeys.v1";

    public SigningKeyRing(IOptions<TokenOptions> options, IConfiguration configuration, IDataProtectionProvider protection, TimeProvider time, ILogger<SigningKeyRing> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(protection);
        ArgumentNullException.ThrowIfNull(time);
        var settings = options.Value;
        List<SymmetricSecurityKey> keys;
        if (settings.SigningKeys is { Count: > 0 } configured)
        {
            keys = configured.Select(FromConfiguration).ToList();
        }
        else
        {
            if (ClusterMode.IsClient(configuration) && string.IsNullOrEmpty(settings.KeyDirectory))
            {
                throw new InvalidOperationException(
                    "Web hosts of a cluster must share their token signing keys: set Auth:SigningKeys (see docs/deploy.md, Security) or Auth:KeyDirectory to a folder all web hosts share.");
            }
            var directory = KeyDirectoryOf(settings, configuration);
            var stored = LoadOrRotate(directory, protection.CreateProtector(Purpose), settings, time.GetUtcNow(), logger);
            keys = stored.Select(k => WithId(Convert.FromBase64String(k.Key))).ToList();
        }
        Current = keys[0];
        All = keys;
    }

    /// <summary>Signs new tokens.</summary>
    public SecurityKey Current { get; }

    /// <summary>Every key a valid token may be signed with (the current one first).</summary>
    public IReadOnlyList<SecurityKey> All { get; }

    /// <summary>Where the Data Protection key ring and the host's own signing keys live.</summary>
    public static string KeyDirectoryOf(TokenOptions settings, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(configuration);
        if (!string.IsNullOrEmpty(settings.KeyDirectory)) return Path.GetFullPath(settings.KeyDirectory);
        var data = configuration.GetSection(SqliteStoreOptions.SectionName).Get<SqliteStoreOptions>() ?? new SqliteStoreOptions();
        return Path.GetFullPath(Path.Combine(data.DataDirectory, "keys"));
    }

    private static SymmetricSecurityKey FromConfiguration(string text)
    {
        byte[] bytes;
        try
        {
            bytes = Convert.FromBase64String(text.Trim());
        }
        catch (FormatException)
        {
            throw new InvalidOperationException("Auth:SigningKeys: every key must be base64 (e.g. `openssl rand -base64 64`).");
        }
        if (bytes.Length < 32) throw new InvalidOperationException("Auth:SigningKeys: every key must be at least 32 bytes (256 bits).");
        return WithId(bytes);
    }

    /// <summary>The key with a short id derived from it (the token's <c>kid</c>), so validation picks the right key.</summary>
    private static SymmetricSecurityKey WithId(byte[] bytes) =>
        new(bytes) { KeyId = Convert.ToHexStringLower(SHA256.HashData(bytes))[..16] };

    private static List<StoredKey> LoadOrRotate(string directory, IDataProtector protector, TokenOptions settings, DateTimeOffset now, ILogger logger)
    {
        SecureFiles.CreatePrivateDirectory(directory);
        var path = Path.Combine(directory, KeyFileName);
        var keys = File.Exists(path) ? Read(path, protector) : [];
        if (keys.Count > 0 && now - keys[0].CreatedAt < settings.SigningKeyRotation) return keys;

        keys.Insert(0, new StoredKey(Convert.ToBase64String(RandomNumberGenerator.GetBytes(KeyBytes)), now));
        // A key retired when its successor was made still validates the tokens it signed until they expire.
        var grace = settings.EffectiveAccessTokenLifetime + settings.ClockSkew;
        for (var i = keys.Count - 1; i > 0; i--)
        {
            if (now - keys[i - 1].CreatedAt > grace) keys.RemoveAt(i);
        }
        var temporary = path + ".tmp";
        SecureFiles.WritePrivate(temporary, protector.Protect(JsonSerializer.SerializeToUtf8Bytes(keys)));
        File.Move(temporary, path, overwrite: true);
        LogRotated(logger, directory, keys.Count);
        return keys;
    }

    private static List<StoredKey> Read(string path, IDataProtector protector)
    {
        try
        {
            var keys = JsonSerializer.Deserialize<List<StoredKey>>(protector.Unprotect(File.ReadAllBytes(path)));
            return keys is { Count: > 0 } ? keys.OrderByDescending(k => k.CreatedAt).ToList() : [];
        }
        catch (CryptographicException ex)
        {
            throw new InvalidOperationException(
                $"The token signing keys in {path} cannot be decrypted with the Data Protection key ring next to them. Restore the key ring, or delete {path} (everyone signs in again).", ex);
        }
    }

    private sealed record StoredKey(string Key, DateTimeOffset CreatedAt);

    [LoggerMessage(Level = LogLevel.Information, Message = "Created a new token signing key in {Directory}; {Count} key(s) validate tokens")]
    private static partial void LogRotated(ILogger logger, string directory, int count);
}
