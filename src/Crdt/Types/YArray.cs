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
    public List<object?> ToJson()
    {
        var values = ToArray();
        for (int i = 0; i < values.Count; i++) values[i] = YMap.ToJsonValue(values[i]);
        return values;
    }
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

    public Dictionary<string, object?> ToJson()
    {
        var result = Entries();
        foreach (var key in result.Keys.ToArray()) result[key] = ToJsonValue(result[key]);
        return result;
    }

    internal static object? ToJsonValue(object? value) => value switch
    {
        YMap m => m.ToJson(),
        YArray a => a.ToJson(),
        YXmlFragment x => x.ToString(),
        YText t => t.ToString(),
        _ => value,
    };
}
