using System.Text.Json;
using System.Text.Json.Nodes;

namespace Spotter.Collab.Crdt.Tests.Differential;

/// <summary>
/// Equality of JSON views the way the replicas' data means it: object key order is ignored (yjs map
/// iteration order depends on arrival order), array order is not, numbers compare by value.
/// </summary>
public static class JsonSemantics
{
    public static bool Equal(JsonNode? a, JsonNode? b)
    {
        switch (a, b)
        {
            case (null, null):
                return true;
            case (JsonObject x, JsonObject y):
                return x.Count == y.Count && x.All(p => y.TryGetPropertyValue(p.Key, out var other) && Equal(p.Value, other));
            case (JsonArray x, JsonArray y):
                return x.Count == y.Count && x.Zip(y).All(p => Equal(p.First, p.Second));
            case (JsonValue x, JsonValue y):
                var kind = x.GetValueKind();
                if (kind != y.GetValueKind())
                {
                    return false;
                }

                return kind switch
                {
                    JsonValueKind.Number => AnyJson.Number(x) == AnyJson.Number(y),
                    JsonValueKind.String => x.GetValue<string>() == y.GetValue<string>(),
                    _ => true, // true/false/null kinds carry no further value
                };
            default:
                return false;
        }
    }
}
