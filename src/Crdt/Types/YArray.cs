namespace Spotter.Collab.Crdt;

/// <summary>A shared list of values (JSON-like values, binaries, sub-documents or nested types).</summary>
public sealed class YArray : AbstractType
{
    internal const uint TypeRefId = 0;
    private List<object?>? _prelim = [];

    public YArray()
    {
        SearchMarkers = new();
    }

    public int Length => Doc is null ? _prelim!.Count : LengthInternal;

    internal override void Integrate(Doc doc, Item? item)
    {
        base.Integrate(doc, item);
        var prelim = _prelim;
        _prelim = null;
        if (prelim is { Count: > 0 }) Insert(0, prelim);
    }

    internal override AbstractType CopyEmpty() => new YArray();
    internal override void WriteTypeRef(IUpdateEncoder encoder) => encoder.WriteTypeRef(TypeRefId);

    public void Insert(int index, IReadOnlyList<object?> content)
    {
        if (Doc is null)
        {
            _prelim!.InsertRange(index, content);
            return;
        }
        Doc.Transact(tr => TypeListInsertGenerics(tr, index, content));
    }

    public void Push(IReadOnlyList<object?> content)
    {
        if (Doc is null)
        {
            _prelim!.AddRange(content);
            return;
        }
        Doc.Transact(tr => TypeListPushGenerics(tr, content));
    }

    public void Unshift(IReadOnlyList<object?> content) => Insert(0, content);

    public void Delete(int index, int length = 1)
    {
        if (Doc is null)
        {
            _prelim!.RemoveRange(index, length);
            return;
        }
        Doc.Transact(tr => TypeListDelete(tr, index, length));
    }

    public object? Get(int index) => Doc is null ? _prelim![index] : TypeListGet(index);

    public List<object?> ToArray() => Doc is null ? [.. _prelim!] : TypeListToArray();

    public List<object?> Slice(int start, int end)
    {
        var all = ToArray();
        if (start < 0) start += all.Count;
        if (end < 0) end += all.Count;
        start = Math.Clamp(start, 0, all.Count);
        end = Math.Clamp(end, start, all.Count);
        return all.GetRange(start, end - start);
    }

    /// <summary>JSON-like view: nested types converted recursively.</summary>
    public List<object?> ToJson() => (List<object?>)YMap.ToJsonValue(this)!;
}

/// <summary>A shared map from string keys to values (last writer wins per key).</summary>
public class YMap : AbstractType
{
    internal const uint TypeRefId = 1;
    private Dictionary<string, object?>? _prelim = [];

    public YMap() { }

    internal override void Integrate(Doc doc, Item? item)
    {
        base.Integrate(doc, item);
        var prelim = _prelim;
        _prelim = null;
        if (prelim is { Count: > 0 })
        {
            doc.Transact(tr =>
            {
                foreach (var (key, value) in prelim) TypeMapSet(tr, key, value);
            });
        }
    }

    internal override AbstractType CopyEmpty() => new YMap();
    internal override void WriteTypeRef(IUpdateEncoder encoder) => encoder.WriteTypeRef(TypeRefId);

    public void Set(string key, object? value)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (Doc is null)
        {
            _prelim![key] = value;
            return;
        }
        Doc.Transact(tr => TypeMapSet(tr, key, value));
    }

    public object? Get(string key)
    {
        if (Doc is null) return _prelim!.TryGetValue(key, out var v) ? v : null;
        return TypeMapGet(key);
    }

    public bool Has(string key) => Doc is null ? _prelim!.ContainsKey(key) : TypeMapHas(key);

    public void Delete(string key)
    {
        if (Doc is null)
        {
            _prelim!.Remove(key);
            return;
        }
        Doc.Transact(tr => TypeMapDelete(tr, key));
    }

    public void Clear()
    {
        if (Doc is null)
        {
            _prelim!.Clear();
            return;
        }
        Doc.Transact(tr =>
        {
            if (Map is null) return;
            foreach (var item in Map.Values.ToArray())
            {
                if (!item.Deleted) item.Delete(tr);
            }
        });
    }

    public int Size
    {
        get
        {
            if (Doc is null) return _prelim!.Count;
            int n = 0;
            if (Map is not null) foreach (var item in Map.Values) if (!item.Deleted) n++;
            return n;
        }
    }

    public IEnumerable<string> Keys => Doc is null ? _prelim!.Keys : TypeMapGetAll().Keys;

    /// <summary>Live entries (key → value), in the order keys were first set.</summary>
    public Dictionary<string, object?> Entries() => Doc is null ? new Dictionary<string, object?>(_prelim!) : TypeMapGetAll();

    public Dictionary<string, object?> ToJson() => (Dictionary<string, object?>)ToJsonValue(this)!;

    /// <summary>
    /// The JSON-like view of a value: maps and arrays become dictionaries and lists (converted all the way down), XML
    /// and text become strings. Containers are filled from a work list rather than by recursion, so types nested to
    /// any depth convert without exhausting the thread's stack.
    /// </summary>
    internal static object? ToJsonValue(object? value)
    {
        var result = Shallow(value, out var container);
        if (container is null) return result;
        var work = new Stack<object>();
        work.Push(container);
        while (work.Count > 0)
        {
            switch (work.Pop())
            {
                case Dictionary<string, object?> map:
                    foreach (var key in map.Keys.ToArray())
                    {
                        map[key] = Shallow(map[key], out var nested);
                        if (nested is not null) work.Push(nested);
                    }
                    break;
                case List<object?> list:
                    for (int i = 0; i < list.Count; i++)
                    {
                        list[i] = Shallow(list[i], out var nested);
                        if (nested is not null) work.Push(nested);
                    }
                    break;
            }
        }
        return result;
    }

    /// <summary>One level of <see cref="ToJsonValue"/>: a map or array becomes a container still holding its raw values.</summary>
    private static object? Shallow(object? value, out object? container)
    {
        container = value switch
        {
            YMap m => m.Entries(),
            YArray a => a.ToArray(),
            _ => null,
        };
        return container ?? value switch
        {
            YXmlFragment x => x.ToString(),
            YText t => t.ToString(),
            _ => value,
        };
    }
}
