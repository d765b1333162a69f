namespace Spotter.Collab.Crdt;

/// <summary>A remembered (item, index) pair that makes index lookups in long lists start nearby.</summary>
internal sealed class ArraySearchMarker(Item p, int index, long timestamp)
{
    internal Item P = p;
    internal int Index = index;
    internal long Timestamp = timestamp;
}

/// <summary>
/// Base of all shared types. A root named by an update before the application asked for it is a plain
/// <see cref="AbstractType"/> until <c>Doc.GetXxx(name)</c> gives it its real type.
/// </summary>
public class AbstractType
{
    // As yjs: 80. Markers are not only a speed-up: a text position found through a marker starts with no
    // formats (yjs findPosition), so which marker is reused decides the formats a local insert or delete sees,
    // and with them the format items it writes. A different count changes yjs-identical updates.
    private const int MaxSearchMarkers = 80;

    internal Item? Item;
    internal Dictionary<string, Item>? Map;
    internal Item? Start;
    internal int LengthInternal;
    internal List<ArraySearchMarker>? SearchMarkers;
    private long _markerClock;
    internal bool HasFormatting;
    internal string? RootName;
    private List<Action<YEvent, Transaction>>? _observers;
    private List<Action<IReadOnlyList<YEvent>, Transaction>>? _deepObservers;

    internal AbstractType() { }

    public Doc? Doc { get; private set; }

    /// <summary>The type that contains this one, or null for a root.</summary>
    public AbstractType? Parent => Item?.Parent;

    /// <summary>The item that holds this type (null for roots).</summary>
    public Item? ContainingItem => Item;

    internal virtual void Integrate(Doc doc, Item? item)
    {
        Doc = doc;
        Item = item;
    }

    /// <summary>A new empty type of the same kind (yjs _copy).</summary>
    internal virtual AbstractType CopyEmpty() => throw new InvalidOperationException("A placeholder root type cannot be copied.");

    internal virtual void WriteTypeRef(IUpdateEncoder encoder) => throw new InvalidOperationException("A placeholder root type cannot be written as content.");

    internal static AbstractType ReadType(IUpdateDecoder decoder)
    {
        uint typeRef = decoder.ReadTypeRef();
        return typeRef switch
        {
            YArray.TypeRefId => new YArray(),
            YMap.TypeRefId => new YMap(),
            YText.TypeRefId => new YText(),
            YXmlElement.TypeRefId => new YXmlElement(decoder.ReadKey()),
            YXmlFragment.TypeRefId => new YXmlFragment(),
            YXmlHook.TypeRefId => new YXmlHook(decoder.ReadKey()),
            YXmlText.TypeRefId => new YXmlText(),
            _ => throw new CrdtFormatException($"Unknown type reference {typeRef}."),
        };
    }

    // ---- observers ----

    public void Observe(Action<YEvent, Transaction> handler) => (_observers ??= []).Add(handler);
    public void Unobserve(Action<YEvent, Transaction> handler) => _observers?.Remove(handler);
    public void ObserveDeep(Action<IReadOnlyList<YEvent>, Transaction> handler) => (_deepObservers ??= []).Add(handler);
    public void UnobserveDeep(Action<IReadOnlyList<YEvent>, Transaction> handler) => _deepObservers?.Remove(handler);

    internal bool HasDeepObservers => _deepObservers is { Count: > 0 };

    internal virtual void CallObserver(Transaction transaction, HashSet<string?> parentSubs)
    {
        if (!transaction.Local) SearchMarkers?.Clear();
        if (HasListeners()) CallTypeObservers(transaction, new YEvent(this, transaction));
    }

    /// <summary>Is anybody observing this type, or deep-observing one of its ancestors? Events nobody receives are not built.</summary>
    internal bool HasListeners()
    {
        if (_observers is { Count: > 0 }) return true;
        for (AbstractType? t = this; t is not null; t = t.Item?.Parent)
        {
            if (t._deepObservers is { Count: > 0 }) return true;
        }
        return false;
    }

    /// <summary>Fires the event on this type and queues it for the deep observers of every ancestor.</summary>
    internal void CallTypeObservers(Transaction transaction, YEvent ev)
    {
        var type = this;
        while (true)
        {
            if (!transaction.ChangedParentTypes.TryGetValue(type, out var events))
            {
                events = [];
                transaction.ChangedParentTypes[type] = events;
            }
            events.Add(ev);
            if (type.Item is null) break;
            type = type.Item.Parent!;
        }
        if (_observers is null) return;
        foreach (var handler in _observers.ToArray()) handler(ev, transaction);
    }

    internal void CallDeepObservers(IReadOnlyList<YEvent> events, Transaction transaction)
    {
        if (_deepObservers is null) return;
        foreach (var handler in _deepObservers.ToArray()) handler(events, transaction);
    }

    // ---- map part ----

    internal Item? MapGet(string key) => Map is not null && Map.TryGetValue(key, out var item) ? item : null;

    internal void MapSet(string key, Item item) => (Map ??= [])[key] = item;

    internal void TypeMapDelete(Transaction transaction, string key) => MapGet(key)?.Delete(transaction);

    internal void TypeMapSet(Transaction transaction, string key, object? value)
    {
        var left = MapGet(key);
        var doc = transaction.Doc;
        var content = CreateContent(value);
        new Item(transaction.NextId(), left, left?.LastId, null, null, this, null, key, content).Integrate(transaction, 0);
    }

    internal object? TypeMapGet(string key)
    {
        var item = MapGet(key);
        return item is not null && !item.Deleted ? LastValue(item) : null;
    }

    internal bool TypeMapHas(string key)
    {
        var item = MapGet(key);
        return item is not null && !item.Deleted;
    }

    internal Dictionary<string, object?> TypeMapGetAll()
    {
        var result = new Dictionary<string, object?>();
        if (Map is null) return result;
        foreach (var (key, item) in Map)
        {
            if (!item.Deleted) result[key] = LastValue(item);
        }
        return result;
    }

    internal static object? LastValue(Item item)
    {
        var values = new List<object?>();
        item.Content.GetContent(values);
        return values.Count > 0 ? values[^1] : null;
    }

    internal static AbstractContent CreateContent(object? value) => value switch
    {
        byte[] bytes => new ContentBinary(bytes),
        Spotter.Collab.Crdt.Doc subdoc => new ContentDoc(subdoc),
        AbstractType type => new ContentType(type),
        _ => new ContentAny([EnsureEncodable(value)]),
    };

    /// <summary>
    /// Rejects a value the wire format cannot carry before it enters the document (afterwards the document
    /// could no longer be encoded). With <paramref name="asJson"/>, it must also have a JSON form (embeds, formats).
    /// </summary>
    internal static object? EnsureEncodable(object? value, bool asJson = false)
    {
        switch (value)
        {
            case null or string or bool or long or int or double:
                return value;
        }
        try
        {
            using var scratch = new Lib0Writer(64);
            scratch.WriteAny(value);
            if (asJson && JsJson.Stringify(value) is null) throw new ArgumentException("The value has no JSON form.");
        }
        catch (Exception e) when (e is ArgumentException or CrdtFormatException or InvalidOperationException)
        {
            throw new ArgumentException($"A value of type {value?.GetType().Name} cannot be stored in a shared type: {e.Message}", nameof(value), e);
        }
        return value;
    }

    // ---- list part ----

    internal void ThrowIfNotIntegrated()
    {
        if (Doc is null) throw new InvalidOperationException("Add the type to a document before using it.");
    }

    private ArraySearchMarker MarkPosition(Item p, int index)
    {
        var markers = SearchMarkers!;
        if (markers.Count >= MaxSearchMarkers)
        {
            // Reuse the least recently used marker.
            var oldest = markers[0];
            for (int i = 1; i < markers.Count; i++)
            {
                if (markers[i].Timestamp < oldest.Timestamp) oldest = markers[i];
            }
            OverwriteMarker(oldest, p, index);
            return oldest;
        }
        p.Marker = true;
        var marker = new ArraySearchMarker(p, index, _markerClock++);
        markers.Add(marker);
        return marker;
    }

    private void OverwriteMarker(ArraySearchMarker marker, Item p, int index)
    {
        marker.P.Marker = false;
        marker.P = p;
        p.Marker = true;
        marker.Index = index;
        marker.Timestamp = _markerClock++;
    }

    /// <summary>A marker at or near <paramref name="index"/>, creating or moving one; null when markers are off.</summary>
    internal ArraySearchMarker? FindMarker(int index)
    {
        var markers = SearchMarkers;
        if (Start is null || index == 0 || markers is null) return null;
        ArraySearchMarker? marker = null;
        if (markers.Count > 0)
        {
            var span = System.Runtime.InteropServices.CollectionsMarshal.AsSpan(markers);
            marker = span[0];
            int best = Math.Abs(index - marker.Index);
            for (int i = 1; i < span.Length; i++)
            {
                int d = Math.Abs(index - span[i].Index);
                if (d < best)
                {
                    best = d;
                    marker = span[i];
                }
            }
        }
        var p = Start;
        int pindex = 0;
        if (marker is not null)
        {
            p = marker.P;
            pindex = marker.Index;
            marker.Timestamp = _markerClock++;
        }
        // Walk right while before the index.
        while (p.Right is not null && pindex < index)
        {
            if (!p.Deleted && p.Countable)
            {
                if (index < pindex + p.Length) break;
                pindex += (int)p.Length;
            }
            p = p.Right;
        }
        // Walk left if past it.
        while (p.Left is not null && pindex > index)
        {
            p = p.Left;
            if (!p.Deleted && p.Countable) pindex -= (int)p.Length;
        }
        // Never mark an item that could merge with its left neighbour: the merge would lose the marker.
        while (p.Left is not null && p.Left.Id.Client == p.Id.Client && p.Left.Id.Clock + p.Left.Length == p.Id.Clock)
        {
            p = p.Left;
            if (!p.Deleted && p.Countable) pindex -= (int)p.Length;
        }
        var parentLength = p.Parent!.LengthInternal;
        if (marker is not null && Math.Abs(marker.Index - pindex) < (double)parentLength / MaxSearchMarkers)
        {
            OverwriteMarker(marker, p, pindex);
            return marker;
        }
        return MarkPosition(p, pindex);
    }

    /// <summary>Shifts markers after an insertion (len &gt; 0) or deletion (len &lt; 0) at <paramref name="index"/>.</summary>
    internal static void UpdateMarkerChanges(List<ArraySearchMarker> markers, int index, int len)
    {
        // Runs on every edit over up to 80 markers. A span skips the list's per-access checks; removing entry i
        // only shifts the entries after it, which this right-to-left walk has already visited.
        var span = System.Runtime.InteropServices.CollectionsMarshal.AsSpan(markers);
        if (len > 0)
        {
            for (int i = span.Length - 1; i >= 0; i--)
            {
                var m = span[i];
                Item? p = m.P;
                if (p.Deleted || !p.Countable)
                {
                    p.Marker = false;
                    // Move to the previous live countable position so the index comparison below is meaningful.
                    do
                    {
                        p = p.Left;
                        if (p is not null && !p.Deleted && p.Countable) m.Index -= (int)p.Length;
                    }
                    while (p is not null && (p.Deleted || !p.Countable));
                    if (p is null || p.Marker)
                    {
                        markers.RemoveAt(i);
                        continue;
                    }
                    m.P = p;
                    p.Marker = true;
                }
                else
                {
                    // The flag can be off here (a merge moves a marker onto an item without setting it); yjs
                    // sets it again on every insert, and a later marker walking left onto p must see it.
                    p.Marker = true;
                }
                if (index <= m.Index) m.Index += len;
            }
        }
        else
        {
            for (int i = span.Length - 1; i >= 0; i--)
            {
                var m = span[i];
                if (index < m.Index) m.Index = Math.Max(index, m.Index + len);
            }
        }
    }

    internal List<object?> TypeListToArray()
    {
        var result = new List<object?>();
        for (var n = Start; n is not null; n = n.Right)
        {
            if (n.Countable && !n.Deleted) n.Content.GetContent(result);
        }
        return result;
    }

    internal List<object?> TypeListToArraySnapshot(Snapshot snapshot)
    {
        var result = new List<object?>();
        for (var n = Start; n is not null; n = n.Right)
        {
            if (n.Countable && Snapshot.IsVisible(n, snapshot)) n.Content.GetContent(result);
        }
        return result;
    }

    internal object? TypeListGet(int index)
    {
        var marker = FindMarker(index);
        var n = Start;
        if (marker is not null)
        {
            n = marker.P;
            index -= marker.Index;
        }
        for (; n is not null; n = n.Right)
        {
            if (!n.Deleted && n.Countable)
            {
                if (index < n.Length)
                {
                    var values = new List<object?>();
                    n.Content.GetContent(values);
                    return values[index];
                }
                index -= (int)n.Length;
            }
        }
        throw new ArgumentOutOfRangeException(nameof(index));
    }

    internal void TypeListInsertGenericsAfter(Transaction transaction, Item? referenceItem, IReadOnlyList<object?> content)
    {
        // Validate everything first: a bad value must not leave the earlier values inserted.
        foreach (var c in content)
        {
            if (c is not (byte[] or Spotter.Collab.Crdt.Doc or AbstractType)) EnsureEncodable(c);
        }
        var left = referenceItem;
        var right = referenceItem is null ? Start : referenceItem.Right;
        List<object?>? jsonContent = null;
        void PackJsonContent()
        {
            if (jsonContent is { Count: > 0 })
            {
                left = new Item(transaction.NextId(), left, left?.LastId, right, right?.Id, this, null, null, new ContentAny(jsonContent));
                left.Integrate(transaction, 0);
                jsonContent = null;
            }
        }
        foreach (var c in content)
        {
            switch (c)
            {
                case byte[] or Spotter.Collab.Crdt.Doc or AbstractType:
                    PackJsonContent();
                    left = new Item(transaction.NextId(), left, left?.LastId, right, right?.Id, this, null, null, CreateContent(c));
                    left.Integrate(transaction, 0);
                    break;
                default:
                    (jsonContent ??= []).Add(c);
                    break;
            }
        }
        PackJsonContent();
    }

    internal void TypeListInsertGenerics(Transaction transaction, int index, IReadOnlyList<object?> content)
    {
        if (index < 0 || index > LengthInternal) throw new ArgumentOutOfRangeException(nameof(index), "Length exceeded!");
        if (index == 0)
        {
            if (SearchMarkers is not null) UpdateMarkerChanges(SearchMarkers, index, content.Count);
            TypeListInsertGenericsAfter(transaction, null, content);
            return;
        }
        int startIndex = index;
        var marker = FindMarker(index);
        var n = Start;
        if (marker is not null)
        {
            n = marker.P;
            index -= marker.Index;
            if (index == 0)
            {
                // Step to the left live item so the loop below can land after it.
                n = n.Prev;
                index += n is not null && n.Countable && !n.Deleted ? (int)n.Length : 0;
            }
        }
        for (; n is not null; n = n.Right)
        {
            if (!n.Deleted && n.Countable)
            {
                if (index <= n.Length)
                {
                    if (index < n.Length)
                    {
                        transaction.Doc.Store.GetItemCleanStart(transaction, new Id(n.Id.Client, n.Id.Clock + (uint)index));
                    }
                    break;
                }
                index -= (int)n.Length;
            }
        }
        if (SearchMarkers is not null) UpdateMarkerChanges(SearchMarkers, startIndex, content.Count);
        TypeListInsertGenericsAfter(transaction, n, content);
    }

    internal void TypeListPushGenerics(Transaction transaction, IReadOnlyList<object?> content)
    {
        // Start from the marker with the highest index and walk to the end.
        var n = Start;
        if (SearchMarkers is { Count: > 0 } markers)
        {
            var best = markers[0];
            foreach (var m in markers) if (m.Index > best.Index) best = m;
            if (best.Index > 0) n = best.P;
        }
        if (n is not null)
        {
            while (n.Right is not null) n = n.Right;
        }
        TypeListInsertGenericsAfter(transaction, n, content);
    }

    internal void TypeListDelete(Transaction transaction, int index, int length)
    {
        if (length == 0) return;
        if (index < 0 || length < 0 || (long)index + length > LengthInternal) throw new ArgumentOutOfRangeException(nameof(length), "Length exceeded!");
        int startIndex = index;
        int startLength = length;
        var store = transaction.Doc.Store;
        var marker = FindMarker(index);
        var n = Start;
        if (marker is not null)
        {
            n = marker.P;
            index -= marker.Index;
        }
        // Find the first item to delete.
        for (; n is not null && index > 0; n = n.Right)
        {
            if (!n.Deleted && n.Countable)
            {
                if (index < n.Length)
                {
                    store.GetItemCleanStart(transaction, new Id(n.Id.Client, n.Id.Clock + (uint)index));
                }
                index -= (int)n.Length;
            }
        }
        while (length > 0 && n is not null)
        {
            if (!n.Deleted)
            {
                if (length < n.Length)
                {
                    store.GetItemCleanStart(transaction, new Id(n.Id.Client, n.Id.Clock + (uint)length));
                }
                n.Delete(transaction);
                length -= (int)n.Length;
            }
            n = n.Right;
        }
        if (length > 0) throw new ArgumentOutOfRangeException(nameof(length), "Length exceeded!");
        if (SearchMarkers is not null) UpdateMarkerChanges(SearchMarkers, startIndex, -startLength + length);
    }
}
