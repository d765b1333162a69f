using System.Collections;
using System.Globalization;
using System.Numerics;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Spotter.Collab.Crdt.Tests.Differential;

/// <summary>
/// Converts between the oracle's tagged JSON (<c>{"$bytes"}</c>, <c>{"$undefined"}</c>, <c>{"$bigint"}</c>) and the
/// engine's "any" values (long/double, byte[], <see cref="Undefined"/>, BigInteger, Dictionary, List).
/// </summary>
public static class AnyJson
{
    public static object? ToEngine(JsonNode? node)
    {
        switch (node)
        {
            case null:
                return null;
            case JsonArray array:
                return array.Select(ToEngine).ToList();
            case JsonObject obj when obj.TryGetPropertyValue("$type", out var type):
                return NewSharedType(type!.GetValue<string>(), obj);
            case JsonObject obj when obj.Count == 1 && obj.TryGetPropertyValue("$bytes", out var bytes):
                return Convert.FromBase64String(bytes!.GetValue<string>());
            case JsonObject obj when obj.Count == 1 && obj.ContainsKey("$undefined"):
                return Undefined.Value;
            case JsonObject obj when obj.Count == 1 && obj.TryGetPropertyValue("$bigint", out var big):
                return BigInteger.Parse(big!.GetValue<string>(), CultureInfo.InvariantCulture);
            case JsonObject obj:
                var map = new Dictionary<string, object?>();
                foreach (var (key, value) in obj)
                {
                    map[key] = ToEngine(value);
                }

                return map;
            case JsonValue value:
                switch (value.GetValueKind())
                {
                    case JsonValueKind.String: return value.GetValue<string>();
                    case JsonValueKind.True: return true;
                    case JsonValueKind.False: return false;
                    case JsonValueKind.Number:
                        // JavaScript has one number type; an integral JSON number is an integer to lib0.
                        if (value.TryGetValue<long>(out var integer))
                        {
                            return integer;
                        }

                        var d = Number(value);
                        return d == Math.Floor(d) && Math.Abs(d) < 9007199254740992d ? (long)d : d;
                    default: return null;
                }

            default:
                throw new ArgumentException($"unexpected JSON node {node}");
        }
    }

    /// <summary>The oracle's <c>{"$type": ...}</c> op values: a new, not yet integrated nested shared type.</summary>
    private static AbstractType NewSharedType(string type, JsonObject spec)
    {
        switch (type)
        {
            case "map":
                var map = new YMap();
                foreach (var (key, value) in spec["entries"]?.AsObject() ?? [])
                {
                    map.Set(key, ToEngine(value));
                }

                return map;
            case "text":
                return new YText(spec["text"]?.GetValue<string>());
            case "array":
                var array = new YArray();
                array.Push((spec["values"]?.AsArray() ?? []).Select(ToEngine).ToList());
                return array;
            default:
                throw new ArgumentException($"unknown $type {type}");
        }
    }

    /// <summary>A JSON number as a double, whatever CLR type the node was built from.</summary>
    public static double Number(JsonValue value) =>
        value.TryGetValue<double>(out var d) ? d
        : value.TryGetValue<long>(out var l) ? l
        : value.TryGetValue<int>(out var i) ? i
        : value.TryGetValue<uint>(out var u) ? u
        : double.Parse(value.ToJsonString(), CultureInfo.InvariantCulture);

    public static Dictionary<string, object?>? Attributes(JsonNode? node) =>
        node is JsonObject obj ? (Dictionary<string, object?>)ToEngine(obj)! : null;

    public static JsonNode? FromEngine(object? value) => value switch
    {
        null => null,
        Undefined => new JsonObject { ["$undefined"] = true },
        string s => JsonValue.Create(s),
        bool b => JsonValue.Create(b),
        long l => JsonValue.Create(l),
        int i => JsonValue.Create(i),
        uint u => JsonValue.Create(u),
        double d => JsonValue.Create(d),
        float f => JsonValue.Create((double)f),
        BigInteger big => new JsonObject { ["$bigint"] = big.ToString(CultureInfo.InvariantCulture) },
        byte[] bytes => new JsonObject { ["$bytes"] = Convert.ToBase64String(bytes) },
        YText text => JsonValue.Create(text.ToString()),
        YMap map => FromEngine(map.ToJson()),
        YArray array => FromEngine(array.ToJson()),
        YXmlFragment fragment => JsonValue.Create(fragment.ToString()),
        IDictionary<string, object?> dict => new JsonObject(dict.Select(p => KeyValuePair.Create(p.Key, FromEngine(p.Value)))),
        IEnumerable list => new JsonArray([.. list.Cast<object?>().Select(FromEngine)]),
        _ => throw new ArgumentException($"unexpected engine value {value.GetType()}"),
    };

    /// <summary>A delta in yjs's <c>toDelta()</c> JSON shape: attributes only when there are some.</summary>
    public static JsonArray Delta(IEnumerable<DeltaOp> delta)
    {
        var array = new JsonArray();
        foreach (var op in delta)
        {
            var json = new JsonObject { ["insert"] = FromEngine(op.Insert) };
            if (op.Attributes is { Count: > 0 } attributes)
            {
                json["attributes"] = FromEngine(attributes);
            }

            array.Add(json);
        }

        return array;
    }
}
