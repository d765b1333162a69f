using System.Text.Json.Nodes;

namespace Spotter.Collab.Crdt.Tests.Differential;

/// <summary>The update events (V1 and V2 bytes) one transaction or one applied update caused.</summary>
public sealed record UpdateBatch(IReadOnlyList<byte[]> V1, IReadOnlyList<byte[]> V2);

/// <summary>One replica in a differential scenario: either the C# engine or a yjs doc in the oracle.</summary>
public interface IReplica
{
    string Label { get; }

    /// <summary>Applies the ops (oracle JSON shapes, see tests/oracle/README.md) in one transaction.</summary>
    UpdateBatch Transact(IReadOnlyList<JsonObject> ops);

    UpdateBatch ApplyUpdate(byte[] update, bool v2);

    byte[] EncodeState(byte[]? stateVector, bool v2);

    byte[] StateVector();

    /// <summary>The views of the scenario's roots, in the shape of the oracle's <c>read</c> answer.</summary>
    JsonObject Read();
}

/// <summary>The root names every scenario uses, one per shared type.</summary>
public static class Roots
{
    public const string Text = "text";
    public const string Map = "map";
    public const string Array = "array";
    public const string Xml = "xml";

    public static JsonObject ReadRequest() => new()
    {
        ["texts"] = new JsonArray(Text),
        ["maps"] = new JsonArray(Map),
        ["arrays"] = new JsonArray(Array),
        ["xml"] = new JsonArray(Xml),
    };
}

/// <summary>A yjs doc living in the oracle process. Keeps the state the last answer carried, for op generation.</summary>
public sealed class YjsReplica : IReplica
{
    private readonly OracleProcess _oracle;
    private readonly string _doc;
    private JsonObject? _state;

    public YjsReplica(OracleProcess oracle, string doc, ulong clientId, bool gc)
    {
        _oracle = oracle;
        _doc = doc;
        _oracle.Call("create", new JsonObject { ["doc"] = doc, ["clientId"] = clientId, ["gc"] = gc });
    }

    public string Label => "yjs:" + _doc;

    public UpdateBatch Transact(IReadOnlyList<JsonObject> ops)
    {
        var opArray = new JsonArray();
        foreach (var op in ops)
        {
            opArray.Add(op.DeepClone());
        }

        return Batch(_oracle.Call("transact", new JsonObject { ["doc"] = _doc, ["ops"] = opArray, ["readAfter"] = Roots.ReadRequest() }));
    }

    public UpdateBatch ApplyUpdate(byte[] update, bool v2) => Batch(_oracle.Call("applyUpdate", new JsonObject
    {
        ["doc"] = _doc,
        ["update"] = Convert.ToBase64String(update),
        ["v2"] = v2,
        ["readAfter"] = Roots.ReadRequest(),
    }));

    public byte[] EncodeState(byte[]? stateVector, bool v2)
    {
        var request = new JsonObject { ["doc"] = _doc, ["v2"] = v2 };
        if (stateVector is not null)
        {
            request["sv"] = Convert.ToBase64String(stateVector);
        }

        return Convert.FromBase64String(_oracle.Call("encodeState", request)!.GetValue<string>());
    }

    public byte[] StateVector() => Convert.FromBase64String(_oracle.Call("stateVector", new JsonObject { ["doc"] = _doc })!.GetValue<string>());

    public JsonObject Read()
    {
        var request = Roots.ReadRequest();
        request["doc"] = _doc;
        _state = _oracle.Call("read", request)!.AsObject();
        return _state;
    }

    /// <summary>The state after the last transact/applyUpdate (or a fresh read).</summary>
    public JsonObject CurrentState() => _state ?? Read();

    private UpdateBatch Batch(JsonNode? result)
    {
        var obj = result!.AsObject();
        if (obj["state"] is JsonObject state)
        {
            obj.Remove("state");
            _state = state;
        }

        return new UpdateBatch(Decode(obj["v1"]), Decode(obj["v2"]));
    }

    private static List<byte[]> Decode(JsonNode? array) =>
        array is null ? [] : array.AsArray().Select(n => Convert.FromBase64String(n!.GetValue<string>())).ToList();
}
