using System.Numerics;

namespace Spotter.Collab.Crdt;

/// <summary>
/// A list type's search markers (yjs ArraySearchMarker[]): remembered (item, index) pairs that make index lookups
/// in long lists start nearby. Kept as parallel arrays in yjs's list order, so the per-edit index scans and shifts
/// are vector loops over plain ints that touch no item.
/// </summary>
internal sealed class SearchMarkerSet
{
    // As yjs: 80. Markers are not only a speed-up: a text position found through a marker starts with no
    // formats (yjs findPosition), so which marker is reused decides the formats a local insert or delete sees,
    // and with them the format items it writes. A different count changes yjs-identical updates.
    internal const int Max = 80;

    internal readonly Item[] Items = new Item[Max];
    internal readonly int[] Indexes = new int[Max];
    internal readonly long[] Timestamps = new long[Max];
    internal int Count;
    internal long Clock;

    /// <summary>
    /// False only while every marker's item is live, countable and carries its Marker bit. Then yjs's per-insert
    /// marker update (which walks markers off deleted items and re-flags them all) would only shift indexes, and
    /// <see cref="AbstractType.UpdateMarkerChanges"/> does just that. Set by anything that may break it: deleting
    /// a flagged item, marking a deleted or uncounted item, clearing the bit of an item another marker still
    /// uses, moving markers in a merge. The Marker bits themselves always follow yjs exactly.
    /// </summary>
    internal bool MaybeIrregular;

    /// <summary>False only while no two markers share an item (so unflagging a marker's old item is safe).</summary>
    internal bool MaybeShared;

    internal void Clear()
    {
        Array.Clear(Items, 0, Count);
        Count = 0;
        MaybeIrregular = false;
        MaybeShared = false;
    }

    /// <summary>Does a marker other than <paramref name="slot"/> use <paramref name="item"/>?</summary>
    internal bool UsedElsewhere(Item item, int slot)
    {
        var items = Items;
        for (int i = 0; i < Count; i++)
        {
            if (i != slot && ReferenceEquals(items[i], item)) return true;
        }
        return false;
    }

    internal void RemoveAt(int i)
    {
        int tail = Count - i - 1;
        if (tail > 0)
        {
            Array.Copy(Items, i + 1, Items, i, tail);
            Array.Copy(Indexes, i + 1, Indexes, i, tail);
            Array.Copy(Timestamps, i + 1, Timestamps, i, tail);
        }
        Count--;
        Items[Count] = null!;
    }

    /// <summary>The LAST marker whose index is closest to <paramref name="index"/> (Count must be &gt; 0): yjs picks
    /// with <c>reduce((a, b) =&gt; |a| &lt; |b| ? a : b)</c>, so a tie goes to the later marker. Which marker a search
    /// starts from can decide which side of deleted items an insert lands on, i.e. the bytes written.</summary>
    internal int Closest(int index)
    {
        var indexes = Indexes.AsSpan(0, Count);
        int i = 0;
        int best = int.MaxValue;
        if (Vector.IsHardwareAccelerated && indexes.Length >= Vector<int>.Count)
        {
            var target = new Vector<int>(index);
            var min = new Vector<int>(int.MaxValue);
            for (; i <= indexes.Length - Vector<int>.Count; i += Vector<int>.Count)
            {
                min = Vector.Min(min, Vector.Abs(target - new Vector<int>(indexes[i..])));
            }
            for (int k = 0; k < Vector<int>.Count; k++) best = Math.Min(best, min[k]);
        }
        for (int k = i; k < indexes.Length; k++) best = Math.Min(best, Math.Abs(index - indexes[k]));
        for (int k = indexes.Length - 1; ; k--)
        {
            if (Math.Abs(index - indexes[k]) == best) return k;
        }
    }

    /// <summary>Shifts every marker at or after <paramref name="index"/> by <paramref name="len"/> (an insertion).</summary>
    internal void ShiftFrom(int index, int len)
    {
        var indexes = Indexes.AsSpan(0, Count);
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var at = new Vector<int>(index);
            var by = new Vector<int>(len);
            for (; i <= indexes.Length - Vector<int>.Count; i += Vector<int>.Count)
            {
                var v = new Vector<int>(indexes[i..]);
                (v + (Vector.GreaterThanOrEqual(v, at) & by)).CopyTo(indexes[i..]);
            }
        }
        for (; i < indexes.Length; i++)
        {
            if (index <= indexes[i]) indexes[i] += len;
        }
    }

    /// <summary>Moves markers after <paramref name="index"/> back by a deletion of -<paramref name="len"/>, not before index.</summary>
    internal void ShiftAfterDeletion(int index, int len)
    {
        var indexes = Indexes.AsSpan(0, Count);
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var at = new Vector<int>(index);
            var by = new Vector<int>(len);
            for (; i <= indexes.Length - Vector<int>.Count; i += Vector<int>.Count)
            {
                var v = new Vector<int>(indexes[i..]);
                Vector.ConditionalSelect(Vector.GreaterThan(v, at), Vector.Max(at, v + by), v).CopyTo(indexes[i..]);
            }
        }
        for (; i < indexes.Length; i++)
        {
            if (index < indexes[i]) indexes[i] = Math.Max(index, indexes[i] + len);
        }
    }

    /// <summary>Do two markers share an item? Uses the Marker bits, which every marker item must have on entry; restores them.</summary>
    internal bool HasSharedItems()
    {
        bool shared = false;
        for (int i = 0; i < Count; i++)
        {
            var p = Items[i];
            if (!p.Marker) shared = true;
            else p.Marker = false;
        }
        for (int i = 0; i < Count; i++) Items[i].Marker = true;
        return shared;
    }
}

/// <summary>
/// Base of all shared types. A root named by an update before the application asked for it is a plain
/// <see cref="AbstractType"/> until <c>Doc.GetXxx(name)</c> gives it its real type.
/// </summary>
public class AbstractType
{
    internal Item? Item;
    internal Dictionary<string, Item>? Map;
    internal Item? Start;
    internal int LengthInternal;
    internal SearchMarkerSet? SearchMarkers;
    internal bool HasFormatting;
    /// <summary>
    /// Has a format item ever been integrated into this type (or the placeholder it was promoted from)? Unlike
    /// <see cref="HasFormatting"/> (yjs's _hasFormatting, which promotion resets) this is never false while the
    /// list holds a format item, so work that only concerns format items can be skipped without it.
    /// </summary>
    internal bool MayHoldFormats;
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

    /// <summary>Marks <paramref name="p"/> with a new marker, or by reusing the least recently used one; returns its slot.</summary>
    private static int MarkPosition(SearchMarkerSet markers, Item p, int index)
    {
        if (markers.Count >= SearchMarkerSet.Max)
        {
            // Reuse the least recently used marker.
            var timestamps = markers.Timestamps;
            int oldest = 0;
            for (int i = 1; i < markers.Count; i++)
            {
                if (timestamps[i] < timestamps[oldest]) oldest = i;
            }
            OverwriteMarker(markers, oldest, p, index);
            return oldest;
        }
        if (p.Deleted || !p.Countable) markers.MaybeIrregular = true;
        if (p.Marker) markers.MaybeShared = true;
        p.Marker = true;
        int slot = markers.Count++;
        markers.Items[slot] = p;
        markers.Indexes[slot] = index;
        markers.Timestamps[slot] = markers.Clock++;
        return slot;
    }

    private static void OverwriteMarker(SearchMarkerSet markers, int slot, Item p, int index)
    {
        var old = markers.Items[slot];
        if (!ReferenceEquals(old, p))
        {
            if (p.Deleted || !p.Countable) markers.MaybeIrregular = true;
            if (p.Marker) markers.MaybeShared = true;
            // yjs unflags the old item even when another marker still uses it; that marker is then irregular.
            if (markers.MaybeShared && markers.UsedElsewhere(old, slot)) markers.MaybeIrregular = true;
        }
        old.Marker = false;
        markers.Items[slot] = p;
        p.Marker = true;
        markers.Indexes[slot] = index;
        markers.Timestamps[slot] = markers.Clock++;
    }

    /// <summary>The slot of a marker at or near <paramref name="index"/>, creating or moving one; -1 when markers are off.</summary>
    internal int FindMarker(int index)
    {
        var markers = SearchMarkers;
        if (Start is null || index == 0 || markers is null) return -1;
        int marker = markers.Count > 0 ? markers.Closest(index) : -1;
        var p = Start;
        int pindex = 0;
        if (marker >= 0)
        {
            p = markers.Items[marker];
            pindex = markers.Indexes[marker];
            markers.Timestamps[marker] = markers.Clock++;
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
        if (marker >= 0 && Math.Abs(markers.Indexes[marker] - pindex) < (double)parentLength / SearchMarkerSet.Max)
        {
            OverwriteMarker(markers, marker, p, pindex);
            return marker;
        }
        return MarkPosition(markers, p, pindex);
    }

    /// <summary>Shifts markers after an insertion (len &gt; 0) or deletion (len &lt; 0) at <paramref name="index"/>.</summary>
    internal static void UpdateMarkerChanges(SearchMarkerSet markers, int index, int len)
    {
        if (len <= 0)
        {
            markers.ShiftAfterDeletion(index, len);
            return;
        }
        if (!markers.MaybeIrregular)
        {
            // Every marker item is live, countable and flagged, and none is shared: yjs's walk below would keep
            // every marker where it is and leave every bit set, so only the indexes change.
            markers.ShiftFrom(index, len);
            return;
        }
        // yjs updateMarkerChanges, right to left: removing entry i only shifts the entries after it, which this
        // walk has already visited.
        var items = markers.Items;
        var indexes = markers.Indexes;
        for (int i = markers.Count - 1; i >= 0; i--)
        {
            Item? p = items[i];
            if (p.Deleted || !p.Countable)
            {
                p.Marker = false;
                // Move to the previous live countable position so the index comparison below is meaningful.
                do
                {
                    p = p.Left;
                    if (p is not null && !p.Deleted && p.Countable) indexes[i] -= (int)p.Length;
                }
                while (p is not null && (p.Deleted || !p.Countable));
                if (p is null || p.Marker)
                {
                    markers.RemoveAt(i);
                    continue;
                }
                items[i] = p;
                p.Marker = true;
            }
            else
            {
                // The flag can be off here (a merge moves a marker onto an item without setting it); yjs
                // sets it again on every insert, and a later marker walking left onto p must see it.
                p.Marker = true;
            }
            if (index <= indexes[i]) indexes[i] += len;
        }
        // Every remaining marker item is now live, countable and flagged.
        markers.MaybeIrregular = false;
        if (markers.MaybeShared) markers.MaybeShared = markers.HasSharedItems();
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
        if (marker >= 0)
        {
            n = SearchMarkers!.Items[marker];
            index -= SearchMarkers.Indexes[marker];
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
        if (marker >= 0)
        {
            n = SearchMarkers!.Items[marker];
            index -= SearchMarkers.Indexes[marker];
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
            int best = 0;
            for (int i = 1; i < markers.Count; i++) if (markers.Indexes[i] > markers.Indexes[best]) best = i;
            if (markers.Indexes[best] > 0) n = markers.Items[best];
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
        if (marker >= 0)
        {
            n = SearchMarkers!.Items[marker];
            index -= SearchMarkers.Indexes[marker];
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
