using System.Text.Json.Nodes;

namespace Spotter.Collab.Crdt.Tests.Differential;

/// <summary>
/// Random but valid edits, generated from a replica's current state (the oracle's <c>read</c> shape).
/// A transaction touches each shared type at most once so every index stays valid inside it.
/// </summary>
public sealed class OpGenerator(Random rng)
{
    private const string Alphabet = "abcdefxyz  \n.é中ß";
    private static readonly string[] MapKeys = ["a", "b", "c", "d", "k1", "k2", "long-key"];
    private static readonly string[] NodeNames = ["p", "h1", "li", "ul", "blockquote"];
    private static readonly string[] AttributeKeys = ["class", "id", "data-x"];

    public List<JsonObject> Transaction(JsonObject state)
    {
        var kinds = new List<Func<JsonObject, JsonObject?>> { TextOp, MapOp, ArrayOp, XmlOp };
        var count = rng.Next(10) < 7 ? 1 : rng.Next(2, 4);
        var ops = new List<JsonObject>();
        for (var i = 0; i < count && kinds.Count > 0; i++)
        {
            var pick = rng.Next(kinds.Count);
            var op = kinds[pick](state);
            kinds.RemoveAt(pick);
            if (op is not null)
            {
                ops.Add(op);
            }
        }

        return ops.Count > 0 ? ops : [MapOp(state)];
    }

    private JsonObject TextOp(JsonObject state)
    {
        var length = DeltaLength(state["texts"]?[Roots.Text]?["delta"]);
        var op = rng.Next(8) == 0 ? DeltaEdit(length) : TextEdit(length, xml: false);
        op["type"] = "text";
        op["name"] = Roots.Text;
        return op;
    }

    /// <summary>An insert/delete/format/embed on a text of the given length (embeds count 1).</summary>
    /// <summary>An editor-style <c>applyDelta</c>: retain (maybe formatting), then an insert or delete, then maybe a formatting retain.</summary>
    private JsonObject DeltaEdit(int length)
    {
        var delta = new JsonArray();
        var position = rng.Next(length + 1);
        if (position > 0)
        {
            var retain = new JsonObject { ["retain"] = position };
            if (rng.Next(3) == 0)
            {
                retain["attributes"] = RandomFormat(allowNull: true, xml: false);
            }

            delta.Add(retain);
        }

        if (position < length && rng.Next(3) == 0)
        {
            var deleted = 1 + rng.Next(Math.Min(3, length - position));
            delta.Add(new JsonObject { ["delete"] = deleted });
            position += deleted;
        }
        else
        {
            var insert = new JsonObject { ["insert"] = RandomString(1, 4) };
            if (rng.Next(2) == 0)
            {
                insert["attributes"] = RandomFormat(allowNull: false, xml: false);
            }

            delta.Add(insert);
        }

        if (position < length && rng.Next(3) == 0)
        {
            delta.Add(new JsonObject { ["retain"] = 1 + rng.Next(length - position), ["attributes"] = RandomFormat(allowNull: true, xml: false) });
        }

        return new JsonObject { ["op"] = "applyDelta", ["delta"] = delta };
    }

    /// <param name="xml">
    /// Formats for an XmlText: yjs renders a format value by enumerating its keys, so a string value prints as
    /// indexed characters (<c>&lt;color 0="#" 1="f"…&gt;</c>); see <see cref="XmlColor"/>.
    /// </param>
    private JsonObject TextEdit(int length, bool xml)
    {
        var roll = rng.Next(100);
        if (length == 0 || roll < 45)
        {
            var op = new JsonObject { ["op"] = "insert", ["index"] = rng.Next(length + 1), ["text"] = RandomString(1, 5) };
            if (rng.Next(4) == 0)
            {
                op["attrs"] = RandomFormat(allowNull: false, xml);
            }

            return op;
        }

        var index = rng.Next(length);
        var span = 1 + rng.Next(Math.Min(4, length - index));
        if (roll < 70)
        {
            return new JsonObject { ["op"] = "delete", ["index"] = index, ["length"] = span };
        }

        if (roll < 90)
        {
            return new JsonObject { ["op"] = "format", ["index"] = index, ["length"] = span, ["attrs"] = RandomFormat(allowNull: true, xml) };
        }

        var embed = new JsonObject { ["op"] = "insertEmbed", ["index"] = rng.Next(length + 1), ["embed"] = new JsonObject { ["image"] = "img" + rng.Next(100) } };
        if (rng.Next(3) == 0)
        {
            embed["attrs"] = RandomFormat(allowNull: false, xml);
        }

        return embed;
    }

    private JsonObject RandomFormat(bool allowNull, bool xml)
    {
        var attrs = new JsonObject();
        var count = 1 + (rng.Next(4) == 0 ? 1 : 0);
        for (var i = 0; i < count; i++)
        {
            switch (rng.Next(allowNull ? 5 : 4))
            {
                case 0: attrs["bold"] = true; break;
                case 1: attrs["italic"] = true; break;
                case 2: attrs["color"] = xml ? XmlColor() : rng.Next(2) == 0 ? "#f00" : "#0a0"; break;
                case 3: attrs["link"] = new JsonObject { ["href"] = "https://x.test/" + rng.Next(5) }; break;
                default: attrs[rng.Next(2) == 0 ? "bold" : "color"] = null; break;
            }
        }

        return attrs;
    }

    /// <summary>
    /// An XmlText format value: mostly an object (how y-prosemirror marks look), sometimes a string, which yjs
    /// prints as one attribute per character index, sorted as strings (so "10" before "2" in a long value).
    /// </summary>
    private JsonNode XmlColor() => rng.Next(3) switch
    {
        0 => new JsonObject { ["value"] = rng.Next(2) == 0 ? "#f00" : "#0a0" },
        1 => rng.Next(2) == 0 ? "#f00" : "#0a0",
        _ => "rgba(10,20,30,0.5)",
    };

    private JsonObject MapOp(JsonObject state)
    {
        var key = MapKeys[rng.Next(MapKeys.Length)];
        var existing = state["maps"]?[Roots.Map]?.AsObject();
        if (existing is not null && existing.Count > 0 && rng.Next(5) == 0)
        {
            key = existing.ElementAt(rng.Next(existing.Count)).Key;
            return new JsonObject { ["type"] = "map", ["name"] = Roots.Map, ["op"] = "delete", ["key"] = key };
        }

        var value = rng.Next(8) == 0 ? RandomSharedType() : RandomValue(2);
        return new JsonObject { ["type"] = "map", ["name"] = Roots.Map, ["op"] = "set", ["key"] = key, ["value"] = value };
    }

    private JsonObject ArrayOp(JsonObject state)
    {
        var length = state["arrays"]?[Roots.Array]?.AsArray().Count ?? 0;
        if (length > 0 && rng.Next(3) == 0)
        {
            var index = rng.Next(length);
            return new JsonObject
            {
                ["type"] = "array", ["name"] = Roots.Array, ["op"] = "delete",
                ["index"] = index, ["length"] = 1 + rng.Next(Math.Min(3, length - index)),
            };
        }

        var values = new JsonArray();
        for (var n = 1 + rng.Next(3); n > 0; n--)
        {
            values.Add(rng.Next(10) == 0 ? RandomSharedType() : RandomArrayElement());
        }

        return new JsonObject { ["type"] = "array", ["name"] = Roots.Array, ["op"] = "insert", ["index"] = rng.Next(length + 1), ["values"] = values };
    }

    private JsonNode? RandomArrayElement()
    {
        // yjs's array insert rejects undefined and BigInt as elements (they are fine nested).
        var value = RandomValue(1);
        while (value is JsonObject { Count: 1 } tagged && (tagged.ContainsKey("$undefined") || tagged.ContainsKey("$bigint")))
        {
            value = RandomValue(1);
        }

        return value;
    }

    /// <summary>A nested Y.Map / Y.Text / Y.Array with prelim content (oracle <c>$type</c> value).</summary>
    private JsonObject RandomSharedType()
    {
        switch (rng.Next(3))
        {
            case 0:
                var entries = new JsonObject();
                for (var n = rng.Next(3); n > 0; n--)
                {
                    entries[MapKeys[rng.Next(MapKeys.Length)]] = RandomValue(1);
                }

                return new JsonObject { ["$type"] = "map", ["entries"] = entries };
            case 1:
                return new JsonObject { ["$type"] = "text", ["text"] = RandomString(0, 5) };
            default:
                var values = new JsonArray();
                for (var n = rng.Next(3); n > 0; n--)
                {
                    values.Add(RandomArrayElement());
                }

                return new JsonObject { ["$type"] = "array", ["values"] = values };
        }
    }

    /// <summary>A JSON-like value covering every lib0 "any" kind (tagged where JSON has none).</summary>
    public JsonNode? RandomValue(int depth)
    {
        switch (rng.Next(depth > 0 ? 14 : 12))
        {
            case 0: return null;
            case 1: return rng.Next(2) == 0;
            case 2: return (long)rng.Next(-1000, 1000);
            case 3: return (long)rng.Next() * (rng.Next(2) == 0 ? 1 : -1) * 1024L; // beyond int32: float/float64 paths
            case 4: return rng.Next(-400, 400) / 4.0; // exact in float32
            case 5: return rng.Next(-100000, 100000) / 10.0 + 0.01; // needs float64
            case 6: return RandomString(0, 6);
            case 7: return "v" + rng.Next(100);
            case 8:
                var bytes = new byte[rng.Next(0, 6)];
                rng.NextBytes(bytes);
                return new JsonObject { ["$bytes"] = Convert.ToBase64String(bytes) };
            case 9: return new JsonObject { ["$undefined"] = true };
            case 10: return new JsonObject { ["$bigint"] = (rng.NextInt64() >> rng.Next(0, 60)).ToString(System.Globalization.CultureInfo.InvariantCulture) };
            case 11: return rng.Next(3) == 0 ? 4294967296.5 : 2147483648L; // integers just past int32 / large doubles
            case 12:
                var obj = new JsonObject();
                for (var n = rng.Next(4); n > 0; n--)
                {
                    obj[rng.Next(3) == 0 ? rng.Next(5).ToString(System.Globalization.CultureInfo.InvariantCulture) : MapKeys[rng.Next(MapKeys.Length)]] = RandomValue(depth - 1);
                }

                return obj;
            default:
                var array = new JsonArray();
                for (var n = rng.Next(4); n > 0; n--)
                {
                    array.Add(RandomValue(depth - 1));
                }

                return array;
        }
    }

    private JsonObject? XmlOp(JsonObject state)
    {
        var tree = state["xml"]?[Roots.Xml]?["tree"]?.AsObject();
        var containers = new List<(int[] Path, int Children)>();
        var texts = new List<(int[] Path, int Length)>();
        var elements = new List<(int[] Path, JsonObject Attrs)>();
        if (tree is not null)
        {
            Walk(tree, [], containers, texts, elements);
        }
        else
        {
            containers.Add(([], 0));
        }

        var roll = rng.Next(100);
        JsonObject op;
        if (roll < 30 || (texts.Count == 0 && roll < 60))
        {
            var (path, children) = containers[rng.Next(containers.Count)];
            op = rng.Next(2) == 0
                ? new JsonObject { ["op"] = "insertElement", ["index"] = rng.Next(children + 1), ["nodeName"] = NodeNames[rng.Next(NodeNames.Length)] }
                : new JsonObject { ["op"] = "insertText", ["index"] = rng.Next(children + 1), ["text"] = RandomString(0, 4) };
            if (op["nodeName"] is not null && rng.Next(3) == 0)
            {
                op["attrs"] = new JsonObject { [AttributeKeys[rng.Next(AttributeKeys.Length)]] = "v" + rng.Next(10) };
            }

            op["path"] = PathNode(path);
        }
        else if (roll < 60)
        {
            var (path, length) = texts[rng.Next(texts.Count)];
            op = TextEdit(length, xml: true);
            op["op"] = "text" + char.ToUpperInvariant(op["op"]!.GetValue<string>()[0]) + op["op"]!.GetValue<string>()[1..];
            op["path"] = PathNode(path);
        }
        else if (roll < 80 && elements.Count > 0)
        {
            var (path, attrs) = elements[rng.Next(elements.Count)];
            op = attrs.Count > 0 && rng.Next(4) == 0
                ? new JsonObject { ["op"] = "removeAttribute", ["key"] = attrs.ElementAt(rng.Next(attrs.Count)).Key }
                : new JsonObject { ["op"] = "setAttribute", ["key"] = AttributeKeys[rng.Next(AttributeKeys.Length)], ["value"] = "v" + rng.Next(10) };
            op["path"] = PathNode(path);
        }
        else
        {
            var nonEmpty = containers.Where(c => c.Children > 0).ToList();
            if (nonEmpty.Count == 0)
            {
                return null;
            }

            var (path, children) = nonEmpty[rng.Next(nonEmpty.Count)];
            var index = rng.Next(children);
            op = new JsonObject { ["op"] = "delete", ["index"] = index, ["length"] = 1 + rng.Next(Math.Min(2, children - index)), ["path"] = PathNode(path) };
        }

        op["type"] = "xml";
        op["name"] = Roots.Xml;
        return op;
    }

    private static void Walk(JsonObject node, int[] path, List<(int[], int)> containers, List<(int[], int)> texts, List<(int[], JsonObject)> elements)
    {
        if (node["children"] is not JsonArray children)
        {
            texts.Add((path, DeltaLength(node["delta"])));
            return;
        }

        containers.Add((path, children.Count));
        if (node["attrs"] is JsonObject attrs)
        {
            elements.Add((path, attrs));
        }

        for (var i = 0; i < children.Count; i++)
        {
            Walk(children[i]!.AsObject(), [.. path, i], containers, texts, elements);
        }
    }

    private static JsonArray PathNode(int[] path)
    {
        var array = new JsonArray();
        foreach (var i in path)
        {
            array.Add(i);
        }

        return array;
    }

    /// <summary>Length of a text in index units: string inserts by UTF-16 length, embeds as 1.</summary>
    public static int DeltaLength(JsonNode? delta)
    {
        var length = 0;
        foreach (var op in delta?.AsArray() ?? [])
        {
            length += op!["insert"] is JsonValue v && v.TryGetValue<string>(out var s) ? s.Length : 1;
        }

        return length;
    }

    private string RandomString(int min, int max)
    {
        var chars = new char[rng.Next(min, max + 1)];
        for (var i = 0; i < chars.Length; i++)
        {
            chars[i] = Alphabet[rng.Next(Alphabet.Length)];
        }

        return new string(chars);
    }
}
