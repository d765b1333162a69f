using System.Security.Cryptography;
using System.Text;

namespace Spotter.Collab.Grains.Access;

/// <summary>
/// Opaque stable ids of people: what partners, link sessions and everyone else see instead of a username (awareness
/// <c>user.id</c>, version authors, comment authors). An HMAC-SHA256 of the principal under a random key that only the
/// organisation grain holds, so an id names the same person everywhere and for good, yet cannot be turned back into
/// a username, nor guessed from one.
/// </summary>
public static class PublicIds
{
    public const int KeyBytes = 32;

    public static byte[] NewKey() => RandomNumberGenerator.GetBytes(KeyBytes);

    public static string Of(byte[] key, string principal)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(principal);
        var mac = HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(principal));
        // 80 bits: unique among any realistic number of people, short enough for the wire.
        return "p" + Convert.ToHexStringLower(mac, 0, 10);
    }
}
