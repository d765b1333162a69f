using System.Security.Cryptography;
using System.Text;

namespace Spotter.Collab.Grains.Users;

/// <summary>PBKDF2-SHA256 with a per-user random salt; verification is constant-time.</summary>
public static class PasswordHasher
{
    public const int DefaultIterations = 120_000;
    private const int SaltBytes = 16;
    private const int HashBytes = 32;

    public static PasswordHash Hash(string password, int iterations = DefaultIterations)
    {
        ArgumentNullException.ThrowIfNull(password);
        var salt = RandomNumberGenerator.GetBytes(SaltBytes);
        return new PasswordHash(salt, iterations, Derive(password, salt, iterations));
    }

    public static bool Verify(string password, PasswordHash stored)
    {
        ArgumentNullException.ThrowIfNull(password);
        ArgumentNullException.ThrowIfNull(stored);
        return CryptographicOperations.FixedTimeEquals(Derive(password, stored.Salt, stored.Iterations), stored.Hash);
    }

    private static byte[] Derive(string password, byte[] salt, int iterations) =>
        Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), salt, iterations, HashAlgorithmName.SHA256, HashBytes);
}

[GenerateSerializer, Immutable, Alias("spotter.PasswordHash")]
public sealed record PasswordHash(
    [property: Id(0)] byte[] Salt,
    [property: Id(1)] int Iterations,
    [property: Id(2)] byte[] Hash);
