namespace Spotter.Collab.Crdt;

/// <summary>
/// A batch of changes. Observers run and the update event fires when the outermost transaction ends.
/// </summary>
public sealed class Transaction
{
    public Doc Doc { get; }
    /// <summary>Ranges deleted in this transaction.</summary>
    public DeleteSet DeleteSet { get; } = new();
    /// <summary>State vector when the transaction started.</summary>
    public IReadOnlyDictionary<ulong, uint> BeforeState => _beforeState;
    /// <summary>State vector when the transaction ended (set during cleanup).</summary>
    public IReadOnlyDictionary<ulong, uint> AfterState => _afterState;
    public object? Origin { get; }
    /// <summary>True for changes made on this replica, false for applied updates.</summary>
    public bool Local { get; internal set; }

    internal readonly ClientClocks _beforeState;
    internal ClientClocks _afterState = ClientClocks.Empty;
    // Types whose own content changed, with the changed keys (null = the list part). Most transactions change
    // one type, kept in the first slot; a dictionary (insertion ordered) takes over from the second type on.
    private AbstractType? _changedType;
    private HashSet<string?>? _changedSubs;
    private List<Item>? _mergeStructs;
    // What only some transactions need (several changed types, deep observers, subdocuments, snapshots), in one
    // object allocated on first use: a typing transaction is allocated per keystroke and stays small without it.
    private sealed class RareParts
    {
        internal Dictionary<AbstractType, HashSet<string?>>? ChangedMany;
        internal Dictionary<AbstractType, List<YEvent>>? ChangedParentTypes;
        internal HashSet<Doc>? SubdocsAdded, SubdocsRemoved, SubdocsLoaded;
        internal HashSet<Snapshot>? SplitSnapshots;
    }
    private RareParts? _rare;
    private RareParts Rare => _rare ??= new();
    private Dictionary<AbstractType, HashSet<string?>>? _changedMany => _rare?.ChangedMany;
    internal Dictionary<AbstractType, List<YEvent>> ChangedParentTypes => Rare.ChangedParentTypes ??= new(ReferenceEqualityComparer.Instance);
    internal List<Item> MergeStructs => _mergeStructs ??= [];
    internal HashSet<Doc> SubdocsAdded => Rare.SubdocsAdded ??= new(ReferenceEqualityComparer.Instance);
    internal HashSet<Doc> SubdocsRemoved => Rare.SubdocsRemoved ??= new(ReferenceEqualityComparer.Instance);
    internal HashSet<Doc> SubdocsLoaded => Rare.SubdocsLoaded ??= new(ReferenceEqualityComparer.Instance);
    internal bool HasSubdocChanges => _rare is { } rare && (rare.SubdocsAdded is { Count: > 0 } || rare.SubdocsRemoved is { Count: > 0 });
    internal bool NeedFormattingCleanup;
    internal HashSet<Snapshot> SplitSnapshots => Rare.SplitSnapshots ??= new(ReferenceEqualityComparer.Instance);

    internal Transaction(Doc doc, object? origin, bool local)
    {
        Doc = doc;
        Origin = origin;
        Local = local;
        // The store only changes inside transactions, so the last transaction's after-state is still current.
        _beforeState = doc.LastState ?? ClientClocks.From(doc.Store);
        doc.LastState = null; // this transaction may change the store; cleanup records the new state

    }

    internal uint BeforeStateOf(ulong client) => _beforeState.GetOrZero(client);

    /// <summary>
    /// Records that <paramref name="type"/> changed, unless the type itself was created in this transaction
    /// (then only its creation is news).
    /// </summary>
    // The set for "only the list part changed", shared by all transactions and never mutated (replaced on the
    // first key instead): text and array edits would otherwise allocate a set per transaction.
    private static readonly HashSet<string?> ListPartOnly = [null];

    internal void AddChangedType(AbstractType type, string? parentSub)
    {
        var item = type.Item;
        if (item is null || (item.Id.Clock < BeforeStateOf(item.Id.Client) && !item.Deleted))
        {
            if (!TryGetChanged(type, out var subs))
            {
                SetChanged(type, parentSub is null ? ListPartOnly : [parentSub]);
            }
            else if (ReferenceEquals(subs, ListPartOnly))
            {
                if (parentSub is not null) SetChanged(type, [null, parentSub]);
            }
            else
            {
                subs.Add(parentSub);
            }
        }
    }

    internal bool TryGetChanged(AbstractType type, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out HashSet<string?>? subs)
    {
        if (_changedMany is not null) return _changedMany.TryGetValue(type, out subs);
        subs = ReferenceEquals(_changedType, type) ? _changedSubs : null;
        return subs is not null;
    }

    private void SetChanged(AbstractType type, HashSet<string?> subs)
    {
        if (_changedMany is not null)
        {
            _changedMany[type] = subs;
        }
        else if (_changedType is null || ReferenceEquals(_changedType, type))
        {
            _changedType = type;
            _changedSubs = subs;
        }
        else
        {
            Rare.ChangedMany = new(ReferenceEqualityComparer.Instance) { [_changedType] = _changedSubs!, [type] = subs };
            _changedType = null;
            _changedSubs = null;
        }
    }

    internal void RemoveChanged(AbstractType type)
    {
        if (_changedMany is not null)
        {
            _changedMany.Remove(type);
        }
        else if (ReferenceEquals(_changedType, type))
        {
            _changedType = null;
            _changedSubs = null;
        }
    }

    internal Id NextId() => new(Doc.ClientId, Doc.Store.GetState(Doc.ClientId));

    /// <summary>Writes this transaction's changes as an update; false when nothing changed.</summary>
    internal bool WriteUpdate(IUpdateEncoder encoder)
    {
        if (DeleteSet.IsEmpty && !StateChanged()) return false;
        DeleteSet.SortAndMerge();
        UpdateWriter.WriteClientsStructs(encoder, Doc.Store, _beforeState);
        DeleteSet.Write(encoder);
        return true;
    }

    private bool StateChanged()
    {
        for (int i = 0; i < _afterState.Length; i++)
        {
            if (!_beforeState.TryGetValue(_afterState.ClientAt(i), out var before) || before != _afterState.ClockAt(i)) return true;
        }
        return false;
    }

    // ---- cleanup: gc and merging, exactly as yjs so that encodings are byte-identical ----

    /// <summary>Merges structs[pos] into its left neighbours as far as possible; returns how many were merged.</summary>
    private static int TryToMergeWithLefts(StructList structs, int pos)
    {
        var right = structs[pos];
        int i = pos;
        while (i > 0)
        {
            var left = structs[i - 1];
            // Items (nearly every pair) go straight to the item check, which compares deletion and content
            // kinds itself; the generic path costs two virtual calls and two type lookups per pair.
            bool mergeable = left is Item leftItem
                ? right is Item rightItem && leftItem.MergeWithItem(rightItem)
                : left.Deleted == right.Deleted && left.GetType() == right.GetType() && left.MergeWith(right);
            if (!mergeable) break;
            if (right is Item ri && ri.ParentSub is not null && ri.Parent!.MapGet(ri.ParentSub) == ri)
            {
                ri.Parent.MapSet(ri.ParentSub, (Item)left);
            }
            right = left;
            i--;
        }
        int merged = pos - i;
        if (merged > 0) structs.RemoveRange(pos + 1 - merged, merged);
        return merged;
    }

    private static void TryGcDeleteSet(DeleteSet ds, StructStore store)
    {
        if (ds.IsEmpty) return;
        foreach (var (client, deleteItems) in ds.Clients)
        {
            var structs = store.Clients[client];
            for (int di = deleteItems.Count - 1; di >= 0; di--)
            {
                var deleteItem = deleteItems[di];
                uint end = deleteItem.Clock + deleteItem.Len;
                for (int si = StructStore.FindIndex(structs, deleteItem.Clock); si < structs.Count; si++)
                {
                    var s = structs[si];
                    if (s.Id.Clock >= end) break;
                    if (s is Item item && item.Deleted && !item.Keep) item.Gc(store, false);
                }
            }
        }
    }

    private static void TryMergeDeleteSet(DeleteSet ds, StructStore store)
    {
        if (ds.IsEmpty) return;
        foreach (var (client, deleteItems) in ds.Clients)
        {
            var structs = store.Clients[client];
            for (int di = deleteItems.Count - 1; di >= 0; di--)
            {
                var deleteItem = deleteItems[di];
                // Start with the struct right of the last deleted one.
                int mostRight = Math.Min(structs.Count - 1, 1 + StructStore.FindIndex(structs, deleteItem.Clock + deleteItem.Len - 1));
                for (int si = mostRight; si > 0 && structs[si].Id.Clock >= deleteItem.Clock;)
                {
                    si -= 1 + TryToMergeWithLefts(structs, si);
                }
            }
        }
    }

    /// <summary>Garbage-collects and merges the structs a delete set touches (used after transactions and by snapshots).</summary>
    internal static void TryGc(DeleteSet ds, StructStore store)
    {
        TryGcDeleteSet(ds, store);
        TryMergeDeleteSet(ds, store);
    }

    internal static void Cleanup(List<Transaction> cleanups, int i)
    {
        Exception? handlerError = null;
        while (i < cleanups.Count)
        {
            var transaction = cleanups[i];
            var doc = transaction.Doc;
            var store = doc.Store;
            var ds = transaction.DeleteSet;
            try
            {
                ds.SortAndMerge();
                transaction._afterState = ClientClocks.From(store, transaction._beforeState);
                doc.LastState = transaction._afterState;
                transaction.CallObservers();
            }
            catch (Exception e)
            {
                // Rethrown once every queued transaction is cleaned up.
                handlerError ??= e;
            }
            finally
            {
                if (doc.Gc) TryGcDeleteSet(ds, store);
                TryMergeDeleteSet(ds, store);

                var after = transaction._afterState;
                for (int ci = 0; ci < after.Length; ci++)
                {
                    ulong client = after.ClientAt(ci);
                    uint clock = after.ClockAt(ci);
                    uint beforeClock = transaction.BeforeStateOf(client);
                    if (beforeClock != clock)
                    {
                        var structs = store.Clients[client];
                        // Right to left, so removals do not disturb the indices still to visit.
                        int firstChangePos = Math.Max(StructStore.FindIndex(structs, beforeClock), 1);
                        for (int k = structs.Count - 1; k >= firstChangePos;)
                        {
                            k -= 1 + TryToMergeWithLefts(structs, k);
                        }
                    }
                }
                var mergeStructs = transaction._mergeStructs;
                for (int k = (mergeStructs?.Count ?? 0) - 1; k >= 0; k--)
                {
                    var id = mergeStructs![k].Id;
                    var structs = store.Clients[id.Client];
                    int replacedPos = StructStore.FindIndex(structs, id.Clock);
                    if (replacedPos + 1 < structs.Count && TryToMergeWithLefts(structs, replacedPos + 1) > 1)
                    {
                        continue; // both neighbours already merged
                    }
                    if (replacedPos > 0) TryToMergeWithLefts(structs, replacedPos);
                }
                if (!transaction.Local && transaction._afterState.GetOrZero(doc.ClientId) != transaction.BeforeStateOf(doc.ClientId))
                {
                    // Another replica wrote with our client id: pick a new one, as yjs does.
                    doc.ChangeClientIdAfterConflict();
                }
                try
                {
                    doc.RaiseAfterTransaction(transaction);
                }
                catch (Exception e)
                {
                    // A throwing update handler must not strand the transactions queued behind this one.
                    handlerError ??= e;
                }
                finally
                {
                    if (cleanups.Count <= i + 1) doc.TransactionCleanups.Clear();
                    i++;
                }
            }
        }
        if (handlerError is not null) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(handlerError).Throw();
    }

    private void CallObserver(AbstractType type, HashSet<string?> subs, ref List<Exception>? errors)
    {
        if (type.Item is null || !type.Item.Deleted)
        {
            try { type.CallObserver(this, subs); }
            catch (Exception e) { (errors ??= []).Add(e); }
        }
    }

    private void CallObservers()
    {
        List<Exception>? errors = null;
        if (_changedType is not null) CallObserver(_changedType, _changedSubs!, ref errors);
        if (_changedMany is not null) foreach (var (type, subs) in _changedMany) CallObserver(type, subs, ref errors);
        if (_rare?.ChangedParentTypes is { } changedParentTypes) foreach (var (type, events) in changedParentTypes)
        {
            if (!type.HasDeepObservers || (type.Item is not null && type.Item.Deleted)) continue;
            var live = new List<YEvent>(events.Count);
            foreach (var ev in events)
            {
                if (ev.Target.Item is null || !ev.Target.Item.Deleted)
                {
                    ev.CurrentTarget = type;
                    live.Add(ev);
                }
            }
            live.Sort((a, b) => a.PathLengthTo(type).CompareTo(b.PathLengthTo(type)));
            try { type.CallDeepObservers(live, this); }
            catch (Exception e) { (errors ??= []).Add(e); }
        }
        if (NeedFormattingCleanup)
        {
            try { YText.CleanupAfterTransaction(this); }
            catch (Exception e) { (errors ??= []).Add(e); }
        }
        if (errors is not null) throw errors.Count == 1 ? errors[0] : new AggregateException(errors);
    }
}
