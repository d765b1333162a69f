using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Spotter.Collab.Crdt.Lib0;

namespace Spotter.Collab.Crdt.Protocols;

/// <summary>
/// lib0's <c>equalityDeep</c> for JSON values: objects equal when they have the same keys with equal values
/// (in any order), arrays element by element, numbers by value, strings ordinally.
/// </summary>
internal static class JsonDeepEquality
{
    public static bool AreEqual(JsonNode? a, JsonNode? b)
    {
        if (ReferenceEquals(a, b))
        {
            return true;
        }
        switch (a)
        {
            case null:
                return b is null;
            case JsonObject objectA:
            {
                if (b is not JsonObject objectB || objectA.Count != objectB.Count)
                {
                    return false;
                }
                foreach (var (key, value) in objectA)
                {
                    if (!objectB.TryGetPropertyValue(key, out var other) || !AreEqual(value, other))
                    {
                        return false;
                    }
                }
                return true;
            }
            case JsonArray arrayA:
            {
                if (b is not JsonArray arrayB || arrayA.Count != arrayB.Count)
                {
                    return false;
                }
                for (int i = 0; i < arrayA.Count; i++)
                {
                    if (!AreEqual(arrayA[i], arrayB[i]))
                    {
                        return false;
                    }
                }
                return true;
            }
            case JsonValue valueA:
            {
                if (b is not JsonValue valueB)
                {
                    return false;
                }
                var kind = valueA.GetValueKind();
                if (kind != valueB.GetValueKind())
                {
                    return false;
                }
                return kind switch
                {
                    JsonValueKind.String => string.Equals(GetString(valueA), GetString(valueB), StringComparison.Ordinal),
                    JsonValueKind.Number => GetNumber(valueA) == GetNumber(valueB),
                    _ => true, // true, false, null: the kind says it all
                };
            }
            default:
                return false;
        }
    }

    private static string GetString(JsonValue value) => JsJson.GetString(value);

    internal static double GetNumber(JsonValue value)
    {
        if (value.TryGetValue<long>(out long l))
        {
            return l;
        }
        if (value.TryGetValue<double>(out double d))
        {
            return d;
        }
        return double.Parse(value.ToJsonString(), NumberStyles.Float, CultureInfo.InvariantCulture);
    }

    /// <summary>JavaScript truthiness of a JSON value (y-protocols writes falsy states as null).</summary>
    public static bool IsFalsy(JsonNode? node)
    {
        if (node is not JsonValue value)
        {
            return node is null;
        }
        return value.GetValueKind() switch
        {
            JsonValueKind.False or JsonValueKind.Null => true,
            JsonValueKind.String => string.IsNullOrEmpty(GetString(value)),
            JsonValueKind.Number => GetNumber(value) is 0 or double.NaN,
            _ => false,
        };
    }
}
