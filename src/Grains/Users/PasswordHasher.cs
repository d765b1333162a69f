using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;

namespace Spotter.Collab.Grains.Users;

/// <summary>PBKDF2-SHA256 with a per-user random salt; verification is constant-time.</summary>
public static class PasswordHasher
{
    /// <summary>OWASP's current recommendation for PBKDF2-HMAC-SHA256 (Password Storage Cheat Sheet, 2023).</summary>
    public const int DefaultIterations = 600_000;

    /// <summary>Below this a configured count is refused: it would make stolen hashes cheap to crack.</summary>
    public const int MinimumIterations = 10_000;

    private const int SaltBytes = 16;
    private const int HashBytes = 32;

    /// <summary>Hashes of a random password, one per iteration count, so checking a password for an unknown user
    /// costs the same time as for a real one.</summary>
    private static readonly ConcurrentDictionary<int, PasswordHash> Decoys = new();

    public static PasswordHash Hash(string password, int iterations = DefaultIterations)
    {
        ArgumentNullException.ThrowIfNull(password);
        ArgumentOutOfRangeException.ThrowIfLessThan(iterations, MinimumIterations);
        var salt = RandomNumberGenerator.GetBytes(SaltBytes);
        return new PasswordHash(salt, iterations, Derive(password, salt, iterations));
    }

    public static bool Verify(string password, PasswordHash stored)
    {
        ArgumentNullException.ThrowIfNull(password);
        ArgumentNullException.ThrowIfNull(stored);
        return CryptographicOperations.FixedTimeEquals(Derive(password, stored.Salt, stored.Iterations), stored.Hash);
    }

    /// <summary>Spends the time of one verification at <paramref name="iterations"/>; always false.</summary>
    public static bool VerifyDecoy(string password, int iterations)
    {
        var decoy = Decoys.GetOrAdd(iterations, count => Hash(Convert.ToHexString(RandomNumberGenerator.GetBytes(16)), count));
        _ = Verify(password, decoy);
        return false;
    }

    /// <summary>True when the stored hash is weaker than what new hashes get.</summary>
    public static bool NeedsRehash(PasswordHash stored, int iterations)
    {
        ArgumentNullException.ThrowIfNull(stored);
        return stored.Iterations < iterations || stored.Hash.Length != HashBytes || stored.Salt.Length < SaltBytes;
    }

    private static byte[] Derive(string password, byte[] salt, int iterations) =>
        Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), salt, iterations, HashAlgorithmName.SHA256, HashBytes);
}

[GenerateSerializer, Immutable, Alias("spotter.PasswordHash")]
public sealed record PasswordHash(
    [property: Id(0)] byte[] Salt,
    [property: Id(1)] int Iterations,
    [property: Id(2)] byte[] Hash);
