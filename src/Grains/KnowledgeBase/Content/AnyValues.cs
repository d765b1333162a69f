using System.Collections;

namespace Spotter.Collab.Grains.KnowledgeBase.Content;

/// <summary>Structural equality of the engine's JSON-like values (mark and node attrs).</summary>
public static class AnyValues
{
    public static bool Equal(object? a, object? b)
    {
        switch (a)
        {
            case null: return b is null;
            case IDictionary<string, object?> left:
                return b is IDictionary<string, object?> right && left.Count == right.Count
                    && left.All(kv => right.TryGetValue(kv.Key, out var other) && Equal(kv.Value, other));
            case string s: return b is string t && s == t;
            case byte[] bytes: return b is byte[] other && bytes.AsSpan().SequenceEqual(other);
            case IList list:
                if (b is not IList otherList || list.Count != otherList.Count) return false;
                for (var i = 0; i < list.Count; i++)
                {
                    if (!Equal(list[i], otherList[i])) return false;
                }
                return true;
            case long or int or double:
                return b is long or int or double && Convert.ToDouble(a, System.Globalization.CultureInfo.InvariantCulture) == Convert.ToDouble(b, System.Globalization.CultureInfo.InvariantCulture);
            default: return a.Equals(b);
        }
    }
}
