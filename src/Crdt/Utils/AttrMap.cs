using System.Collections;

namespace Spotter.Collab.Crdt;

/// <summary>
/// A small insertion-ordered map with JavaScript Map semantics (a deleted then re-added key moves to the end).
/// Attribute order decides the order in which format items are created, so it must match yjs.
/// </summary>
internal sealed class AttrMap : IEnumerable<KeyValuePair<string, object?>>
{
    private static readonly List<KeyValuePair<string, object?>> NoEntries = [];
    // Allocated on first write: plain text never has attributes.
    private List<KeyValuePair<string, object?>>? _list;

    /// <summary>
    /// A shared map that is never written: plain-text inserts and deletes read "no attributes" from it instead of
    /// allocating a fresh empty map per edit.
    /// </summary>
    internal static readonly AttrMap Empty = new();

    internal AttrMap() { }

    internal AttrMap(IEnumerable<KeyValuePair<string, object?>> source)
    {
        foreach (var kv in source) (_list ??= []).Add(kv);
    }

    private List<KeyValuePair<string, object?>> _entries => _list ?? NoEntries;

    internal int Count => _entries.Count;

    private int IndexOf(string key)
    {
        for (int i = 0; i < _entries.Count; i++)
        {
            if (_entries[i].Key == key) return i;
        }
        return -1;
    }

    internal bool TryGet(string key, out object? value)
    {
        int i = IndexOf(key);
        value = i >= 0 ? _entries[i].Value : null;
        return i >= 0;
    }

    /// <summary>The value, or null when absent (JS <c>?? null</c>).</summary>
    internal object? GetOrNull(string key) => TryGet(key, out var v) ? v : null;

    internal bool ContainsKey(string key) => IndexOf(key) >= 0;

    internal void Set(string key, object? value)
    {
        if (ReferenceEquals(this, Empty)) throw new InvalidOperationException("The shared empty attribute map is read-only.");
        int i = IndexOf(key);
        if (i >= 0) _entries[i] = new(key, value);
        else (_list ??= []).Add(new(key, value));
    }

    internal bool Remove(string key)
    {
        int i = IndexOf(key);
        if (i < 0) return false;
        _entries.RemoveAt(i);
        return true;
    }

    internal void Clear() => _list?.Clear();

    internal AttrMap Copy() => _list is null ? new AttrMap() : new AttrMap(_list);

    internal Dictionary<string, object?> ToDictionary()
    {
        var d = new Dictionary<string, object?>(_entries.Count);
        foreach (var (k, v) in _entries) d[k] = v;
        return d;
    }

    // A struct enumerator for foreach: the interface one would be boxed on every text insert.
    public List<KeyValuePair<string, object?>>.Enumerator GetEnumerator() => _entries.GetEnumerator();
    IEnumerator<KeyValuePair<string, object?>> IEnumerable<KeyValuePair<string, object?>>.GetEnumerator() => GetEnumerator();
    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}

/// <summary>JavaScript equality rules used for formatting attributes.</summary>
internal static class JsEquality
{
    /// <summary>JS <c>===</c> for decoded JSON values: primitives by value, objects by reference.</summary>
    internal static bool StrictEquals(object? a, object? b)
    {
        if (ReferenceEquals(a, b)) return true;
        if (a is null || b is null) return false;
        if (a is Undefined || b is Undefined) return false;
        if (IsNumber(a, out var da) && IsNumber(b, out var db)) return da == db;
        return a switch
        {
            string sa => b is string sb && sa == sb,
            bool ba => b is bool bb && ba == bb,
            System.Numerics.BigInteger ia => b is System.Numerics.BigInteger ib && ia == ib,
            _ => false,
        };
    }

    private static bool IsNumber(object v, out double d)
    {
        switch (v)
        {
            case long l: d = l; return true;
            case int i: d = i; return true;
            case double x: d = x; return true;
            case float f: d = f; return true;
            case uint u: d = u; return true;
            case ulong ul: d = ul; return true;
            case short s: d = s; return true;
            case byte by: d = by; return true;
            case decimal m: d = (double)m; return true;
            default: d = 0; return false;
        }
    }

    /// <summary>yjs equalAttrs: identical, or both objects with shallowly identical properties.</summary>
    internal static bool EqualAttrs(object? a, object? b)
    {
        if (StrictEquals(a, b)) return true;
        if (a is IDictionary<string, object?> da && b is IDictionary<string, object?> db)
        {
            if (da.Count != db.Count) return false;
            foreach (var (key, value) in da)
            {
                if (!db.TryGetValue(key, out var other) || !StrictEquals(value, other)) return false;
            }
            return true;
        }
        if (a is IList la && b is IList lb && a is not string && b is not string)
        {
            if (la.Count != lb.Count) return false;
            for (int i = 0; i < la.Count; i++)
            {
                if (!StrictEquals(la[i], lb[i])) return false;
            }
            return true;
        }
        return false;
    }
}
