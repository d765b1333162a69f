using System.Text.Json.Nodes;

namespace Spotter.Collab.Crdt.Tests.Differential;

/// <summary>The C# engine behind the same op vocabulary the oracle speaks (tests/oracle/README.md).</summary>
public sealed class EngineReplica : IReplica
{
    private readonly Doc _doc;
    private readonly List<byte[]> _v1 = [];
    private readonly List<byte[]> _v2 = [];

    public EngineReplica(ulong clientId, bool gc)
    {
        _doc = new Doc(new DocOptions { ClientId = clientId, Gc = gc });
        _doc.Updated += (_, e) => _v1.Add(e.Update);
        _doc.UpdatedV2 += (_, e) => _v2.Add(e.Update);
        Label = $"engine(client {clientId})";
    }

    public string Label { get; }

    public Doc Doc => _doc;

    public UpdateBatch Transact(IReadOnlyList<JsonObject> ops) => Capture(() => _doc.Transact(_ =>
    {
        foreach (var op in ops)
        {
            Apply(op);
        }
    }));

    public UpdateBatch ApplyUpdate(byte[] update, bool v2) => Capture(() =>
    {
        if (v2)
        {
            _doc.ApplyUpdateV2(update, "remote");
        }
        else
        {
            _doc.ApplyUpdate(update, "remote");
        }
    });

    public byte[] EncodeState(byte[]? stateVector, bool v2) =>
        v2 ? _doc.EncodeStateAsUpdateV2(stateVector) : _doc.EncodeStateAsUpdate(stateVector);

    public byte[] StateVector() => _doc.EncodeStateVector();

    public JsonObject Read()
    {
        var text = _doc.GetText(Roots.Text);
        var fragment = _doc.GetXmlFragment(Roots.Xml);
        return new JsonObject
        {
            ["texts"] = new JsonObject { [Roots.Text] = new JsonObject { ["string"] = text.ToString(), ["delta"] = AnyJson.Delta(text.ToDelta()) } },
            ["maps"] = new JsonObject { [Roots.Map] = AnyJson.FromEngine(_doc.GetMap(Roots.Map).ToJson()) },
            ["arrays"] = new JsonObject { [Roots.Array] = AnyJson.FromEngine(_doc.GetArray(Roots.Array).ToJson()) },
            ["xml"] = new JsonObject { [Roots.Xml] = new JsonObject { ["string"] = fragment.ToString(), ["tree"] = XmlView(fragment) } },
        };
    }

    /// <summary>
    /// Instantiates the root types the way the yjs mirror does: it reads every root after each transaction and
    /// update (readAfter) and before its first local edit. The order matters: a YText that exists while formatted
    /// content integrates turns its search markers off, one promoted later from a placeholder keeps them, and
    /// positions found through a marker do not see the formats before it (yjs behaviour the engine copies).
    /// </summary>
    public void TouchRoots()
    {
        _doc.GetText(Roots.Text);
        _doc.GetMap(Roots.Map);
        _doc.GetArray(Roots.Array);
        _doc.GetXmlFragment(Roots.Xml);
    }

    private UpdateBatch Capture(Action action)
    {
        _v1.Clear();
        _v2.Clear();
        action();
        TouchRoots();
        var batch = new UpdateBatch([.. _v1], [.. _v2]);
        _v1.Clear();
        _v2.Clear();
        return batch;
    }

    private void Apply(JsonObject op)
    {
        var kind = op["op"]!.GetValue<string>();
        switch (op["type"]!.GetValue<string>())
        {
            case "text":
                ApplyTextOp(_doc.GetText(op["name"]!.GetValue<string>()), kind, op);
                break;
            case "map":
                var map = _doc.GetMap(op["name"]!.GetValue<string>());
                if (kind == "set")
                {
                    map.Set(op["key"]!.GetValue<string>(), AnyJson.ToEngine(op["value"]));
                }
                else
                {
                    map.Delete(op["key"]!.GetValue<string>());
                }

                break;
            case "array":
                var array = _doc.GetArray(op["name"]!.GetValue<string>());
                switch (kind)
                {
                    case "insert": array.Insert(Int(op, "index"), Values(op)); break;
                    case "push": array.Push(Values(op)); break;
                    default: array.Delete(Int(op, "index"), Int(op, "length")); break;
                }

                break;
            case "xml":
                ApplyXmlOp(kind, op);
                break;
            default:
                throw new ArgumentException($"unknown op type in {op.ToJsonString()}");
        }
    }

    private static void ApplyTextOp(YText text, string kind, JsonObject op)
    {
        switch (kind)
        {
            case "insert": text.Insert(Int(op, "index"), op["text"]!.GetValue<string>(), AnyJson.Attributes(op["attrs"])); break;
            case "delete": text.Delete(Int(op, "index"), Int(op, "length")); break;
            case "format": text.Format(Int(op, "index"), Int(op, "length"), AnyJson.Attributes(op["attrs"])!); break;
            case "insertEmbed": text.InsertEmbed(Int(op, "index"), AnyJson.ToEngine(op["embed"])!, AnyJson.Attributes(op["attrs"])); break;
            case "applyDelta": text.ApplyDelta(op["delta"]!.AsArray().Select(d => new DeltaOp
            {
                Insert = d!["insert"] is { } insert ? AnyJson.ToEngine(insert) : null,
                Retain = d["retain"]?.GetValue<int>(),
                Delete = d["delete"]?.GetValue<int>(),
                Attributes = AnyJson.Attributes(d["attributes"]),
            }));
                break;
            default: throw new ArgumentException($"unknown text op {kind}");
        }
    }

    private void ApplyXmlOp(string kind, JsonObject op)
    {
        AbstractType node = _doc.GetXmlFragment(op["name"]!.GetValue<string>());
        foreach (var index in op["path"]?.AsArray() ?? [])
        {
            node = ((YXmlFragment)node).Get(index!.GetValue<int>());
        }

        switch (kind)
        {
            case "insertElement":
                var element = new YXmlElement(op["nodeName"]!.GetValue<string>());
                foreach (var (key, value) in op["attrs"]?.AsObject() ?? [])
                {
                    element.SetAttribute(key, AnyJson.ToEngine(value));
                }

                ((YXmlFragment)node).Insert(Int(op, "index"), [element]);
                break;
            case "insertText":
                var text = op["text"]?.GetValue<string>() is { Length: > 0 } initial ? new YXmlText(initial) : new YXmlText();
                ((YXmlFragment)node).Insert(Int(op, "index"), [text]);
                break;
            case "delete": ((YXmlFragment)node).Delete(Int(op, "index"), op["length"] is null ? 1 : Int(op, "length")); break;
            case "setAttribute": ((YXmlElement)node).SetAttribute(op["key"]!.GetValue<string>(), AnyJson.ToEngine(op["value"])); break;
            case "removeAttribute": ((YXmlElement)node).RemoveAttribute(op["key"]!.GetValue<string>()); break;
            case "textInsert": case "textDelete": case "textFormat": case "textInsertEmbed":
                ApplyTextOp((YXmlText)node, char.ToLowerInvariant(kind[4]) + kind[5..], op);
                break;
            default: throw new ArgumentException($"unknown xml op {kind}");
        }
    }

    /// <summary>The oracle's xmlView shape: fragments/elements with children (+ nodeName, attrs), texts with text + delta.</summary>
    private static JsonObject XmlView(AbstractType node)
    {
        if (node is YXmlText text)
        {
            return new JsonObject { ["text"] = text.ToString(), ["delta"] = AnyJson.Delta(text.ToDelta()) };
        }

        var fragment = (YXmlFragment)node;
        var view = new JsonObject { ["children"] = new JsonArray([.. fragment.ToArray().Select(XmlView)]) };
        if (fragment is YXmlElement element)
        {
            view["nodeName"] = element.NodeName;
            view["attrs"] = AnyJson.FromEngine(element.GetAttributes());
        }

        return view;
    }

    private static int Int(JsonObject op, string key) => op[key]!.GetValue<int>();

    private static List<object?> Values(JsonObject op) => op["values"]!.AsArray().Select(AnyJson.ToEngine).ToList();
}
