using System.Numerics;

namespace Spotter.Collab.Crdt.Lib0;

/// <summary>
/// Conventions for JSON-like ("any") values in C#: null; <see cref="Undefined.Value"/>; integers as
/// <see cref="long"/> (other CLR integer types are accepted on write); other numbers as <see cref="double"/>;
/// <see cref="BigInteger"/>; bool; string; objects as <see cref="Dictionary{TKey,TValue}"/> of string to object?
/// (insertion ordered); arrays as <see cref="List{T}"/> of object? (any IEnumerable on write); byte[] for Uint8Array.
/// </summary>
internal static class AnyValue
{
    /// <summary>Numbers outside long/int/double: other CLR numeric types map to a JavaScript number.</summary>
    public static bool TryGetNumber(object value, out double number)
    {
        switch (value)
        {
            case float f: number = f; return true;
            case uint u: number = u; return true;
            case ulong ul: number = ul; return true;
            case short sh: number = sh; return true;
            case ushort us: number = us; return true;
            case byte b: number = b; return true;
            case sbyte sb: number = sb; return true;
            case decimal m: number = (double)m; return true;
            default: number = 0; return false;
        }
    }

    /// <summary>Largest integer JavaScript represents exactly (2^53 - 1).</summary>
    public const long MaxSafeInteger = 9007199254740991;
}
