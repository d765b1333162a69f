using System.Text;

namespace Spotter.Collab.Crdt;

/// <summary>Shared rich text. Indices count UTF-16 code units.</summary>
public class YText : AbstractType
{
    internal const uint TypeRefId = 2;
    private List<Action>? _pending = [];

    public YText(string? initial = null)
    {
        SearchMarkers = new();
        if (!string.IsNullOrEmpty(initial)) _pending!.Add(() => Insert(0, initial));
    }

    public int Length
    {
        get
        {
            ThrowIfNotIntegrated();
            return LengthInternal;
        }
    }

    internal override void Integrate(Doc doc, Item? item)
    {
        base.Integrate(doc, item);
        var pending = _pending;
        _pending = null;
        if (pending is not null) foreach (var f in pending) f();
    }

    internal override AbstractType CopyEmpty() => new YText();
    internal override void WriteTypeRef(IUpdateEncoder encoder) => encoder.WriteTypeRef(TypeRefId);

    internal override void CallObserver(Transaction transaction, HashSet<string?> parentSubs)
    {
        if (!transaction.Local) SearchMarkers?.Clear();
        if (HasListeners()) CallTypeObservers(transaction, new YTextEvent(this, transaction));
        if (!transaction.Local && HasFormatting) transaction.NeedFormattingCleanup = true;
    }

    public override string ToString()
    {
        var sb = new StringBuilder(LengthInternal);
        for (var n = Start; n is not null; n = n.Right)
        {
            if (!n.Deleted && n.Countable && n.Content is ContentString cs) cs.AppendTo(sb);
        }
        return sb.ToString();
    }

    private bool RunOrDefer(Action action)
    {
        if (Doc is null)
        {
            _pending!.Add(action);
            return false;
        }
        return true;
    }

    /// <summary>Inserts text. Without attributes the text takes the formatting at the position.</summary>
    public void Insert(int index, string text, IReadOnlyDictionary<string, object?>? attributes = null)
    {
        if (text.Length == 0) return;
        if (Doc is null)
        {
            DeferInsert(index, text, attributes);
            return;
        }
        CheckIndex(index);
        ValidateAttributes(attributes);
        Doc.Transact((this, index, text, attributes), static (tr, s) => s.Item1.InsertCore(tr, s.index, s.text, s.attributes));
    }

    private void DeferInsert(int index, string text, IReadOnlyDictionary<string, object?>? attributes) =>
        _pending!.Add(() => Insert(index, text, attributes));

    private void InsertCore(Transaction tr, int index, string text, IReadOnlyDictionary<string, object?>? attributes)
    {
        var pos = FindPosition(tr, index, attributes is null, reuse: true);
        var attrs = attributes is not null ? new AttrMap(attributes) : pos.CurrentAttributes.Count == 0 ? AttrMap.Empty : pos.CurrentAttributes.Copy();
        InsertText(tr, pos, new ContentString(text), attrs);
        ReleasePosition(pos);
    }

    /// <summary>Inserts an embed (a JSON value) or a nested type.</summary>
    public void InsertEmbed(int index, object embed, IReadOnlyDictionary<string, object?>? attributes = null)
    {
        if (!RunOrDefer(() => InsertEmbed(index, embed, attributes))) return;
        CheckIndex(index);
        ValidateAttributes(attributes);
        if (embed is not AbstractType) EnsureEncodable(embed, asJson: true);
        Doc!.Transact(tr =>
        {
            var pos = FindPosition(tr, index, attributes is null);
            AbstractContent content = embed is AbstractType t ? new ContentType(t) : new ContentEmbed(EnsureEncodable(embed, asJson: true));
            InsertText(tr, pos, content, attributes is null ? new AttrMap() : new AttrMap(attributes));
        });
    }

    public void Delete(int index, int length)
    {
        if (length == 0) return;
        if (Doc is null)
        {
            DeferDelete(index, length);
            return;
        }
        if (index < 0 || length < 0 || (long)index + length > LengthInternal) throw new ArgumentOutOfRangeException(nameof(length), "Range exceeds the text.");
        Doc.Transact((this, index, length), static (tr, s) => s.Item1.ReleasePosition(DeleteText(tr, s.Item1.FindPosition(tr, s.index, true, reuse: true), s.length)));
    }

    private void DeferDelete(int index, int length) => _pending!.Add(() => Delete(index, length));

    public void Format(int index, int length, IReadOnlyDictionary<string, object?> attributes)
    {
        if (length == 0) return;
        if (!RunOrDefer(() => Format(index, length, attributes))) return;
        CheckIndex(index);
        ValidateAttributes(attributes);
        Doc!.Transact(tr =>
        {
            var pos = FindPosition(tr, index, false);
            if (pos.Right is null) return;
            FormatText(tr, pos, length, new AttrMap(attributes));
        });
    }

    public void SetAttribute(string name, object? value)
    {
        if (!RunOrDefer(() => SetAttribute(name, value))) return;
        Doc!.Transact(tr => TypeMapSet(tr, name, value));
    }

    public void RemoveAttribute(string name)
    {
        if (!RunOrDefer(() => RemoveAttribute(name))) return;
        Doc!.Transact(tr => TypeMapDelete(tr, name));
    }

    public object? GetAttribute(string name) => TypeMapGet(name);
    public Dictionary<string, object?> GetAttributes() => TypeMapGetAll();

    private static void ValidateAttributes(IReadOnlyDictionary<string, object?>? attributes)
    {
        if (attributes is null) return;
        foreach (var value in attributes.Values) EnsureEncodable(value, asJson: true);
    }

    private void CheckIndex(int index)
    {
        if (index < 0 || index > LengthInternal) throw new ArgumentOutOfRangeException(nameof(index), "Index exceeds the text.");
    }

    // ---- positions ----

    internal sealed class ItemTextListPosition(Item? left, Item? right, int index, AttrMap currentAttributes)
    {
        internal Item? Left = left;
        internal Item? Right = right;
        internal int Index = index;
        internal readonly AttrMap CurrentAttributes = currentAttributes;

        internal void Reset(Item? left, Item? right, int index)
        {
            Left = left;
            Right = right;
            Index = index;
            CurrentAttributes.Clear();
        }

        internal void Forward()
        {
            var r = Right ?? throw new InvalidOperationException("Cannot move past the end.");
            if (r.Content is ContentFormat cf)
            {
                if (!r.Deleted) UpdateCurrentAttributes(CurrentAttributes, cf);
            }
            else if (!r.Deleted)
            {
                Index += (int)r.Length;
            }
            Left = r;
            Right = r.Right;
        }
    }

    private static ItemTextListPosition FindNextPosition(Transaction transaction, ItemTextListPosition pos, int count)
    {
        var store = transaction.Doc.Store;
        while (pos.Right is not null && count > 0)
        {
            var r = pos.Right;
            if (r.Content is ContentFormat cf)
            {
                if (!r.Deleted) UpdateCurrentAttributes(pos.CurrentAttributes, cf);
            }
            else if (!r.Deleted)
            {
                if (count < r.Length)
                {
                    store.GetItemCleanStart(transaction, new Id(r.Id.Client, r.Id.Clock + (uint)count));
                }
                pos.Index += (int)r.Length;
                count -= (int)r.Length;
            }
            pos.Left = pos.Right;
            pos.Right = pos.Right.Right;
        }
        return pos;
    }

    // One position object per text, reused by Insert and Delete (which do not keep it past the call), so a
    // keystroke does not allocate a position and its attribute map. Null while lent out.
    private ItemTextListPosition? _sparePosition = new(null, null, 0, new AttrMap());

    private void ReleasePosition(ItemTextListPosition pos) => _sparePosition = pos;

    /// <param name="reuse">The caller hands the position back with <see cref="ReleasePosition"/> when done.</param>
    private ItemTextListPosition FindPosition(Transaction transaction, int index, bool useSearchMarker, bool reuse = false)
    {
        var marker = useSearchMarker ? FindMarker(index) : -1;
        Item? left = null;
        Item? right = Start;
        int startIndex = 0;
        if (marker >= 0)
        {
            right = SearchMarkers!.Items[marker];
            left = right.Left;
            startIndex = SearchMarkers.Indexes[marker];
        }
        ItemTextListPosition pos;
        if (reuse && _sparePosition is { } spare)
        {
            _sparePosition = null;
            spare.Reset(left, right, startIndex);
            pos = spare;
        }
        else
        {
            pos = new ItemTextListPosition(left, right, startIndex, new AttrMap());
        }
        return FindNextPosition(transaction, pos, index - startIndex);
    }

    private static void UpdateCurrentAttributes(AttrMap currentAttributes, ContentFormat format)
    {
        if (format.Value is null) currentAttributes.Remove(format.Key);
        else currentAttributes.Set(format.Key, format.Value);
    }

    private void InsertNegatedAttributes(Transaction transaction, ItemTextListPosition currPos, AttrMap negatedAttributes)
    {
        while (currPos.Right is { } r && (r.Deleted || (r.Content is ContentFormat cf && negatedAttributes.TryGet(cf.Key, out var neg) && JsEquality.EqualAttrs(neg, cf.Value))))
        {
            if (!r.Deleted) negatedAttributes.Remove(((ContentFormat)r.Content).Key);
            currPos.Forward();
        }
        if (negatedAttributes.Count == 0) return;
        foreach (var (key, val) in negatedAttributes.Copy())
        {
            var left = currPos.Left;
            var right = currPos.Right;
            var nextFormat = new Item(transaction.NextId(), left, left?.LastId, right, right?.Id, this, null, null, new ContentFormat(key, val));
            nextFormat.Integrate(transaction, 0);
            currPos.Right = nextFormat;
            currPos.Forward();
        }
    }

    private static void MinimizeAttributeChanges(ItemTextListPosition currPos, AttrMap attributes)
    {
        while (currPos.Right is { } r)
        {
            if (r.Deleted || (r.Content is ContentFormat cf && JsEquality.EqualAttrs(attributes.GetOrNull(cf.Key), cf.Value)))
            {
                currPos.Forward();
                continue;
            }
            break;
        }
    }

    private AttrMap InsertAttributes(Transaction transaction, ItemTextListPosition currPos, AttrMap attributes)
    {
        if (attributes.Count == 0) return AttrMap.Empty; // nothing to negate; the caller only reads the result
        var negated = new AttrMap();
        foreach (var (key, val) in attributes)
        {
            var currentVal = currPos.CurrentAttributes.GetOrNull(key);
            if (!JsEquality.EqualAttrs(currentVal, val))
            {
                negated.Set(key, currentVal);
                var left = currPos.Left;
                var right = currPos.Right;
                currPos.Right = new Item(transaction.NextId(), left, left?.LastId, right, right?.Id, this, null, null, new ContentFormat(key, val));
                currPos.Right.Integrate(transaction, 0);
                currPos.Forward();
            }
        }
        return negated;
    }

    private void InsertText(Transaction transaction, ItemTextListPosition currPos, AbstractContent content, AttrMap attributes)
    {
        foreach (var (key, _) in currPos.CurrentAttributes)
        {
            if (!attributes.ContainsKey(key)) attributes.Set(key, null);
        }
        MinimizeAttributeChanges(currPos, attributes);
        var negated = InsertAttributes(transaction, currPos, attributes);
        var left = currPos.Left;
        var right = currPos.Right;
        int index = currPos.Index;
        if (SearchMarkers is not null) UpdateMarkerChanges(SearchMarkers, currPos.Index, (int)content.Length);
        right = new Item(transaction.NextId(), left, left?.LastId, right, right?.Id, this, null, null, content);
        right.Integrate(transaction, 0);
        currPos.Right = right;
        currPos.Index = index;
        currPos.Forward();
        InsertNegatedAttributes(transaction, currPos, negated);
    }

    private void FormatText(Transaction transaction, ItemTextListPosition currPos, int length, AttrMap attributes)
    {
        var store = transaction.Doc.Store;
        MinimizeAttributeChanges(currPos, attributes);
        var negated = InsertAttributes(transaction, currPos, attributes);
        while (currPos.Right is { } r && (length > 0 || (negated.Count > 0 && (r.Deleted || r.Content is ContentFormat))))
        {
            if (!r.Deleted)
            {
                if (r.Content is ContentFormat cf)
                {
                    if (attributes.TryGet(cf.Key, out var attr))
                    {
                        if (JsEquality.EqualAttrs(attr, cf.Value))
                        {
                            negated.Remove(cf.Key);
                        }
                        else
                        {
                            if (length == 0) break;
                            negated.Set(cf.Key, cf.Value);
                        }
                        r.Delete(transaction);
                    }
                    else
                    {
                        currPos.CurrentAttributes.Set(cf.Key, cf.Value);
                    }
                }
                else
                {
                    if (length < r.Length)
                    {
                        store.GetItemCleanStart(transaction, new Id(r.Id.Client, r.Id.Clock + (uint)length));
                    }
                    length -= (int)r.Length;
                }
            }
            currPos.Forward();
        }
        if (length > 0)
        {
            // Formatting past the end pads with newlines, as yjs does.
            var newlines = new string('\n', length);
            currPos.Right = new Item(transaction.NextId(), currPos.Left, currPos.Left?.LastId, currPos.Right, currPos.Right?.Id, this, null, null, new ContentString(newlines));
            currPos.Right.Integrate(transaction, 0);
            currPos.Forward();
        }
        InsertNegatedAttributes(transaction, currPos, negated);
    }

    private static int CleanupFormattingGap(Transaction transaction, Item start, Item? curr, AttrMap startAttributes, AttrMap currAttributes)
    {
        Item? end = start;
        Dictionary<string, ContentFormat>? endFormats = null; // plain text has none: do not allocate
        while (end is not null && (!end.Countable || end.Deleted))
        {
            if (!end.Deleted && end.Content is ContentFormat cf) (endFormats ??= [])[cf.Key] = cf;
            end = end.Right;
        }
        // The loop below acts only on live format items in [start, end), which the loop above has just
        // collected: with none (plain text) there is nothing to clean, so skip walking the tombstones again.
        if (endFormats is null) return 0;
        int cleanups = 0;
        bool reachedCurr = false;
        Item? s = start;
        while (s != end && s is not null)
        {
            if (curr == s) reachedCurr = true;
            if (!s.Deleted && s.Content is ContentFormat content)
            {
                var key = content.Key;
                var value = content.Value;
                var startAttrValue = startAttributes.GetOrNull(key);
                if (endFormats is null || !endFormats.TryGetValue(key, out var endFormat) || endFormat != content || JsEquality.StrictEquals(startAttrValue, value))
                {
                    // Either overwritten later in the gap or no change at all.
                    s.Delete(transaction);
                    cleanups++;
                    if (!reachedCurr && JsEquality.StrictEquals(currAttributes.GetOrNull(key), value) && !JsEquality.StrictEquals(startAttrValue, value))
                    {
                        if (startAttrValue is null) currAttributes.Remove(key);
                        else currAttributes.Set(key, startAttrValue);
                    }
                }
                if (!reachedCurr && !s.Deleted) UpdateCurrentAttributes(currAttributes, content);
            }
            s = s.Right;
        }
        return cleanups;
    }

    private static void CleanupContextlessFormattingGap(Transaction transaction, Item? item)
    {
        while (item is not null && item.Right is not null && (item.Right.Deleted || !item.Right.Countable)) item = item.Right;
        var attrs = new HashSet<string>();
        while (item is not null && (item.Deleted || !item.Countable))
        {
            if (!item.Deleted && item.Content is ContentFormat cf)
            {
                if (!attrs.Add(cf.Key)) item.Delete(transaction);
            }
            item = item.Left;
        }
    }

    /// <summary>Removes redundant format items; returns how many were removed.</summary>
    public int CleanupFormatting()
    {
        int res = 0;
        Doc!.Transact(transaction =>
        {
            var start = Start;
            var end = Start;
            var startAttributes = new AttrMap();
            var currentAttributes = startAttributes.Copy();
            while (end is not null)
            {
                if (!end.Deleted)
                {
                    if (end.Content is ContentFormat cf)
                    {
                        UpdateCurrentAttributes(currentAttributes, cf);
                    }
                    else
                    {
                        res += CleanupFormattingGap(transaction, start!, end, startAttributes, currentAttributes);
                        startAttributes = currentAttributes.Copy();
                        start = end;
                    }
                }
                end = end.Right;
            }
        });
        return res;
    }

    internal static void CleanupAfterTransaction(Transaction transaction)
    {
        var needFullCleanup = new HashSet<AbstractType>(ReferenceEqualityComparer.Instance);
        var doc = transaction.Doc;
        foreach (var (client, afterClock) in transaction._afterState)
        {
            uint clock = transaction.BeforeStateOf(client);
            if (afterClock == clock) continue;
            StructStore.IterateStructs(transaction, doc.Store.Clients[client], clock, afterClock, s =>
            {
                if (s is Item { Deleted: false, Content: ContentFormat } item) needFullCleanup.Add(item.Parent!);
            });
        }
        doc.Transact(t =>
        {
            IterateDeletedStructs(transaction, transaction.DeleteSet, s =>
            {
                if (s is not Item item || item.Parent is not YText parent || !parent.HasFormatting || needFullCleanup.Contains(parent)) return;
                if (item.Content is ContentFormat) needFullCleanup.Add(parent);
                else CleanupContextlessFormattingGap(t, item);
            });
            foreach (var type in needFullCleanup)
            {
                if (type is YText yText) yText.CleanupFormatting();
            }
        });
    }

    internal static void IterateDeletedStructs(Transaction transaction, DeleteSet ds, Action<AbstractStruct> f)
    {
        foreach (var (client, deletes) in ds.Clients)
        {
            if (!transaction.Doc.Store.Clients.TryGetValue(client, out var structs)) continue;
            var last = structs.Last;
            uint clockState = last.Id.Clock + last.Length;
            foreach (var del in deletes)
            {
                if (del.Clock >= clockState) break;
                StructStore.IterateStructs(transaction, structs, del.Clock, del.Len, f);
            }
        }
    }

    private static ItemTextListPosition DeleteText(Transaction transaction, ItemTextListPosition currPos, int length)
    {
        var store = transaction.Doc.Store;
        int startLength = length;
        var startAttrs = currPos.CurrentAttributes.Count == 0 ? AttrMap.Empty : currPos.CurrentAttributes.Copy();
        var start = currPos.Right;
        while (length > 0 && currPos.Right is { } r)
        {
            if (!r.Deleted && r.Content is ContentType or ContentEmbed or ContentString)
            {
                if (length < r.Length)
                {
                    store.GetItemCleanStart(transaction, new Id(r.Id.Client, r.Id.Clock + (uint)length));
                }
                length -= (int)r.Length;
                r.Delete(transaction);
            }
            currPos.Forward();
        }
        var parent = (currPos.Left ?? currPos.Right)!.Parent!;
        // As yjs, whatever HasFormatting says: a root promoted from a placeholder (formats integrated before
        // GetText) starts without that flag yet holds format items that yjs cleans up. The cleanup only acts on
        // format items, so a type that never held one (MayHoldFormats) skips its walk over the tombstones.
        if (start is not null && parent.MayHoldFormats)
        {
            CleanupFormattingGap(transaction, start, currPos.Right, startAttrs, currPos.CurrentAttributes);
        }
        if (parent.SearchMarkers is not null) UpdateMarkerChanges(parent.SearchMarkers, currPos.Index, -startLength + length);
        return currPos;
    }

    // ---- deltas ----

    /// <summary>Applies a rich-text delta (insert / retain / delete ops).</summary>
    public void ApplyDelta(IEnumerable<DeltaOp> delta, bool sanitize = true)
    {
        var ops = delta.ToList();
        if (!RunOrDefer(() => ApplyDelta(ops, sanitize))) return;
        foreach (var op in ops)
        {
            ValidateAttributes(op.Attributes);
            if (op.Insert is not (null or string or AbstractType)) EnsureEncodable(op.Insert, asJson: true);
        }
        Doc!.Transact(transaction =>
        {
            var currPos = new ItemTextListPosition(null, Start, 0, new AttrMap());
            for (int i = 0; i < ops.Count; i++)
            {
                var op = ops[i];
                var attrs = op.Attributes is null ? new AttrMap() : new AttrMap(op.Attributes);
                if (op.Insert is not null)
                {
                    var ins = op.Insert;
                    if (!sanitize && ins is string s0 && i == ops.Count - 1 && currPos.Right is null && s0.EndsWith('\n'))
                    {
                        ins = s0[..^1];
                    }
                    if (ins is string s)
                    {
                        if (s.Length > 0) InsertText(transaction, currPos, new ContentString(s), attrs);
                    }
                    else
                    {
                        InsertText(transaction, currPos, ins is AbstractType t ? new ContentType(t) : new ContentEmbed(EnsureEncodable(ins, asJson: true)), attrs);
                    }
                }
                else if (op.Retain is int retain)
                {
                    FormatText(transaction, currPos, retain, attrs);
                }
                else if (op.Delete is int del)
                {
                    DeleteText(transaction, currPos, del);
                }
            }
        });
    }

    /// <summary>The content as a delta; with a snapshot, the content visible in that snapshot (yjs toDelta).</summary>
    public List<DeltaOp> ToDelta(Snapshot? snapshot = null, Snapshot? prevSnapshot = null, Func<string, Id, object?>? computeYChange = null)
    {
        ThrowIfNotIntegrated();
        var ops = new List<DeltaOp>();
        var currentAttributes = new AttrMap();
        var str = new StringBuilder();
        Item? n = Start;

        void PackStr()
        {
            if (str.Length == 0) return;
            ops.Add(new DeltaOp { Insert = str.ToString(), Attributes = currentAttributes.Count > 0 ? currentAttributes.ToDictionary() : null });
            str.Clear();
        }

        void ComputeDelta()
        {
            while (n is not null)
            {
                if (Snapshot.IsVisible(n, snapshot) || (prevSnapshot is not null && Snapshot.IsVisible(n, prevSnapshot)))
                {
                    switch (n.Content)
                    {
                        case ContentString cs:
                            {
                                currentAttributes.TryGet("ychange", out var cur);
                                var curDict = cur as Dictionary<string, object?>;
                                if (snapshot is not null && !Snapshot.IsVisible(n, snapshot))
                                {
                                    if (curDict is null || !Equals(curDict.GetValueOrDefault("user"), n.Id.Client) || curDict.GetValueOrDefault("type") as string != "removed")
                                    {
                                        PackStr();
                                        currentAttributes.Set("ychange", computeYChange is not null ? computeYChange("removed", n.Id) : new Dictionary<string, object?> { ["type"] = "removed" });
                                    }
                                }
                                else if (prevSnapshot is not null && !Snapshot.IsVisible(n, prevSnapshot))
                                {
                                    if (curDict is null || !Equals(curDict.GetValueOrDefault("user"), n.Id.Client) || curDict.GetValueOrDefault("type") as string != "added")
                                    {
                                        PackStr();
                                        currentAttributes.Set("ychange", computeYChange is not null ? computeYChange("added", n.Id) : new Dictionary<string, object?> { ["type"] = "added" });
                                    }
                                }
                                else if (cur is not null)
                                {
                                    PackStr();
                                    currentAttributes.Remove("ychange");
                                }
                                cs.AppendTo(str);
                                break;
                            }
                        case ContentType or ContentEmbed:
                            {
                                PackStr();
                                var values = new List<object?>(1);
                                n.Content.GetContent(values);
                                ops.Add(new DeltaOp { Insert = values[0], Attributes = currentAttributes.Count > 0 ? currentAttributes.ToDictionary() : null });
                                break;
                            }
                        case ContentFormat cf:
                            if (Snapshot.IsVisible(n, snapshot))
                            {
                                PackStr();
                                UpdateCurrentAttributes(currentAttributes, cf);
                            }
                            break;
                    }
                }
                n = n.Right;
            }
            PackStr();
        }

        if (snapshot is not null || prevSnapshot is not null)
        {
            Doc!.Transact(transaction =>
            {
                if (snapshot is not null) Snapshot.SplitAffectedStructs(transaction, snapshot);
                if (prevSnapshot is not null) Snapshot.SplitAffectedStructs(transaction, prevSnapshot);
                ComputeDelta();
            }, "cleanup");
        }
        else
        {
            ComputeDelta();
        }
        return ops;
    }

    internal sealed class YTextEvent(YText target, Transaction transaction) : YEvent(target, transaction)
    {
        internal override List<DeltaOp> ComputeDelta()
        {
            var delta = new List<DeltaOp>();
            var doc = Target.Doc!;
            doc.Transact(transaction =>
            {
                var currentAttributes = new AttrMap();
                var oldAttributes = new AttrMap();
                var item = Target.Start;
                int action = 0; // 1 insert, 2 delete, 3 retain
                var attributes = new AttrMap();
                object? insertEmbed = null;
                var insert = new StringBuilder();
                int retain = 0;
                int deleteLen = 0;

                void AddOp()
                {
                    if (action == 0) return;
                    DeltaOp? op = null;
                    switch (action)
                    {
                        case 2:
                            if (deleteLen > 0) op = new DeltaOp { Delete = deleteLen };
                            deleteLen = 0;
                            break;
                        case 1:
                            if (insertEmbed is not null || insert.Length > 0)
                            {
                                Dictionary<string, object?>? attrs = null;
                                if (currentAttributes.Count > 0)
                                {
                                    attrs = [];
                                    foreach (var (k, v) in currentAttributes) if (v is not null) attrs[k] = v;
                                }
                                op = new DeltaOp { Insert = insertEmbed ?? insert.ToString(), Attributes = attrs };
                            }
                            insert.Clear();
                            insertEmbed = null;
                            break;
                        case 3:
                            if (retain > 0)
                            {
                                op = new DeltaOp { Retain = retain, Attributes = attributes.Count > 0 ? attributes.ToDictionary() : null };
                            }
                            retain = 0;
                            break;
                    }
                    if (op is not null) delta.Add(op);
                    action = 0;
                }

                while (item is not null)
                {
                    switch (item.Content)
                    {
                        case ContentType or ContentEmbed:
                            if (Adds(item))
                            {
                                if (!Deletes(item))
                                {
                                    AddOp();
                                    action = 1;
                                    var values = new List<object?>(1);
                                    item.Content.GetContent(values);
                                    insertEmbed = values[0];
                                    AddOp();
                                }
                            }
                            else if (Deletes(item))
                            {
                                if (action != 2) { AddOp(); action = 2; }
                                deleteLen += 1;
                            }
                            else if (!item.Deleted)
                            {
                                if (action != 3) { AddOp(); action = 3; }
                                retain += 1;
                            }
                            break;
                        case ContentString cs:
                            if (Adds(item))
                            {
                                if (!Deletes(item))
                                {
                                    if (action != 1) { AddOp(); action = 1; }
                                    cs.AppendTo(insert);
                                }
                            }
                            else if (Deletes(item))
                            {
                                if (action != 2) { AddOp(); action = 2; }
                                deleteLen += (int)item.Length;
                            }
                            else if (!item.Deleted)
                            {
                                if (action != 3) { AddOp(); action = 3; }
                                retain += (int)item.Length;
                            }
                            break;
                        case ContentFormat cf:
                            {
                                var key = cf.Key;
                                var value = cf.Value;
                                if (Adds(item))
                                {
                                    if (!Deletes(item))
                                    {
                                        var curVal = currentAttributes.GetOrNull(key);
                                        if (!JsEquality.EqualAttrs(curVal, value))
                                        {
                                            if (action == 3) AddOp();
                                            if (JsEquality.EqualAttrs(value, oldAttributes.GetOrNull(key))) attributes.Remove(key);
                                            else attributes.Set(key, value);
                                        }
                                        else if (value is not null)
                                        {
                                            item.Delete(transaction);
                                        }
                                    }
                                }
                                else if (Deletes(item))
                                {
                                    oldAttributes.Set(key, value);
                                    var curVal = currentAttributes.GetOrNull(key);
                                    if (!JsEquality.EqualAttrs(curVal, value))
                                    {
                                        if (action == 3) AddOp();
                                        attributes.Set(key, curVal);
                                    }
                                }
                                else if (!item.Deleted)
                                {
                                    oldAttributes.Set(key, value);
                                    if (attributes.TryGet(key, out var attr))
                                    {
                                        if (!JsEquality.EqualAttrs(attr, value))
                                        {
                                            if (action == 3) AddOp();
                                            if (value is null) attributes.Remove(key);
                                            else attributes.Set(key, value);
                                        }
                                        else if (attr is not null)
                                        {
                                            item.Delete(transaction);
                                        }
                                    }
                                }
                                if (!item.Deleted)
                                {
                                    if (action == 1) AddOp();
                                    UpdateCurrentAttributes(currentAttributes, cf);
                                }
                                break;
                            }
                    }
                    item = item.Right;
                }
                AddOp();
                while (delta.Count > 0)
                {
                    var last = delta[^1];
                    if (last.Retain is not null && last.Attributes is null) delta.RemoveAt(delta.Count - 1);
                    else break;
                }
            });
            return delta;
        }
    }
}
