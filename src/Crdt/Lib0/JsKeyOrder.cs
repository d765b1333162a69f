namespace Spotter.Collab.Crdt.Lib0;

/// <summary>
/// JavaScript enumerates an object's own string keys with array-index keys ("0", "17", …) first in ascending
/// numeric order, then the other keys in insertion order. Anything that must produce the same bytes or JSON
/// text as JavaScript (lib0 writeAny, JSON.stringify) iterates dictionaries in that order.
/// </summary>
internal static class JsKeyOrder
{
    /// <summary>True for canonical decimal strings of integers in [0, 2^32 - 2], which JavaScript treats as array indices.</summary>
    public static bool IsArrayIndex(string key, out uint index)
    {
        index = 0;
        int length = key.Length;
        if (length == 0 || length > 10)
        {
            return false;
        }
        if (key[0] == '0')
        {
            return length == 1;
        }
        ulong value = 0;
        for (int i = 0; i < length; i++)
        {
            uint digit = (uint)(key[i] - '0');
            if (digit > 9)
            {
                return false;
            }
            value = value * 10 + digit;
        }
        if (value >= uint.MaxValue)
        {
            return false;
        }
        index = (uint)value;
        return true;
    }

    /// <summary>Counts the entries and reports whether plain enumeration order differs from JavaScript's.</summary>
    public static bool NeedsReordering<TDictionary>(TDictionary dictionary, out int count)
        where TDictionary : IEnumerable<KeyValuePair<string, object?>>
    {
        count = 0;
        bool seenOther = false;
        bool hasIndex = false;
        uint lastIndex = 0;
        bool reorder = false;
        foreach (var entry in dictionary)
        {
            count++;
            if (reorder)
            {
                continue;
            }
            if (IsArrayIndex(entry.Key, out uint index))
            {
                if (seenOther || (hasIndex && index < lastIndex))
                {
                    reorder = true;
                }
                hasIndex = true;
                lastIndex = index;
            }
            else
            {
                seenOther = true;
            }
        }
        return reorder;
    }

    /// <summary>Whether enumeration order differs from JavaScript's, without boxing the enumerator.</summary>
    public static bool NeedsReordering(Dictionary<string, object?> dictionary)
    {
        bool seenOther = false;
        bool hasIndex = false;
        uint lastIndex = 0;
        foreach (var key in dictionary.Keys)
        {
            if (IsArrayIndex(key, out uint index))
            {
                if (seenOther || (hasIndex && index < lastIndex))
                {
                    return true;
                }
                hasIndex = true;
                lastIndex = index;
            }
            else
            {
                seenOther = true;
            }
        }
        return false;
    }

    /// <summary>The entries in JavaScript property order.</summary>
    public static KeyValuePair<string, object?>[] Order<TDictionary>(TDictionary dictionary)
        where TDictionary : IEnumerable<KeyValuePair<string, object?>>
    {
        var indexed = new List<(uint Index, KeyValuePair<string, object?> Entry)>();
        var others = new List<KeyValuePair<string, object?>>();
        foreach (var entry in dictionary)
        {
            if (IsArrayIndex(entry.Key, out uint index))
            {
                indexed.Add((index, entry));
            }
            else
            {
                others.Add(entry);
            }
        }
        indexed.Sort(static (a, b) => a.Index.CompareTo(b.Index));
        var result = new KeyValuePair<string, object?>[indexed.Count + others.Count];
        int i = 0;
        foreach (var (_, entry) in indexed)
        {
            result[i++] = entry;
        }
        foreach (var entry in others)
        {
            result[i++] = entry;
        }
        return result;
    }

    /// <summary>Rebuilds a freshly decoded dictionary in JavaScript order if any array-index key made it differ.</summary>
    public static Dictionary<string, object?> Normalize(Dictionary<string, object?> dictionary)
    {
        if (!NeedsReordering(dictionary))
        {
            return dictionary;
        }
        var ordered = Order(dictionary);
        var result = new Dictionary<string, object?>(ordered.Length);
        foreach (var (key, value) in ordered)
        {
            result.Add(key, value);
        }
        return result;
    }
}
