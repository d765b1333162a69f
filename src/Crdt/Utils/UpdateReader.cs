using System.Buffers;

namespace Spotter.Collab.Crdt;

/// <summary>The structs of one client in an update, and how far integration got.</summary>
internal sealed class ClientStructRefs(AbstractStruct[] refs, int count)
{
    internal int I;
    /// <summary>The structs are Refs[0..Count); a large update's array is rented (longer) and returned after use.</summary>
    internal AbstractStruct[] Refs = refs;
    internal int Count = count;
    internal bool Rented;

    internal ReadOnlySpan<AbstractStruct> Structs => Refs.AsSpan(0, Count);
}

/// <summary>
/// A fully decoded and validated update. Decoding finishes before anything touches a document,
/// so malformed input is rejected without side effects.
/// </summary>
internal sealed class DecodedUpdate
{
    // Inputs and struct arrays at least this large go through the shared array pool: a full state (hundreds of
    // KiB, thousands of structs) would otherwise put large-object-heap arrays on every load, and those trigger
    // full (gen 2) collections. Small updates (the per-keystroke case) keep plain arrays, which are cheaper.
    private const int PooledInputBytes = 4096;
    private const int PooledStructCount = 1024;

    internal readonly Dictionary<ulong, ClientStructRefs> Clients = [];
    internal DeleteSet DeleteSet = new();
    private bool _hasRentedArrays; // lets the per-keystroke path skip the walk in ReturnArrays

    internal static DecodedUpdate Decode(ReadOnlySpan<byte> update, bool v2, int maxStructs)
    {
        long budget = UpdateLimits.StructBudget(update.Length, v2, maxStructs);
        // Decoding copies out everything it keeps (strings, buffers, values), so the input copy is only needed
        // while decoding and can be a rented array.
        byte[]? rented = update.Length >= PooledInputBytes ? ArrayPool<byte>.Shared.Rent(update.Length) : null;
        Lib0Reader reader;
        if (rented is not null)
        {
            update.CopyTo(rented);
            reader = new Lib0Reader(rented, 0, update.Length);
        }
        else
        {
            reader = new Lib0Reader(update.ToArray());
        }
        try
        {
            var decoder = Codec.UpdateDecoder(reader, v2);
            var decoded = ReadStructs(decoder, budget);
            decoded.DeleteSet = DeleteSet.Read(decoder);
            return decoded;
        }
        catch (Exception e) when (Codec.IsDecodingFailure(e))
        {
            throw new CrdtFormatException("Malformed update: " + e.Message, e);
        }
        finally
        {
            if (rented is not null) ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>Hands rented struct arrays back to the pool; the update must not be used afterwards.</summary>
    internal void ReturnArrays()
    {
        if (!_hasRentedArrays) return;
        _hasRentedArrays = false;
        foreach (var refs in Clients.Values)
        {
            if (!refs.Rented) continue;
            var array = refs.Refs;
            refs.Refs = [];
            refs.Count = 0;
            refs.I = 0;
            refs.Rented = false;
            ArrayPool<AbstractStruct>.Shared.Return(array, clearArray: true);
        }
    }

    /// <summary>Reads structs only (for an update whose delete set is read separately).</summary>
    internal static DecodedUpdate ReadStructs(IUpdateDecoder decoder, long structBudget)
    {
        var result = new DecodedUpdate();
        ulong clientCount = decoder.Rest.ReadVarUint();
        if (clientCount > (ulong)decoder.Rest.Remaining + 1) throw new CrdtFormatException("Client count exceeds the input.");
        for (ulong c = 0; c < clientCount; c++)
        {
            ulong structCount = decoder.Rest.ReadVarUint();
            if ((long)Math.Min(structCount, long.MaxValue) > structBudget) throw new CrdtFormatException("Struct count exceeds the limit per update or what the input can hold.");
            structBudget -= (long)structCount;
            ulong client = decoder.ReadClient();
            ulong clock64 = decoder.Rest.ReadVarUint();
            if (clock64 > uint.MaxValue) throw new CrdtFormatException("Clock exceeds the clock space.");
            uint clock = (uint)clock64;
            // Exact size when small (the count was checked against the budget above). Larger counts grow a rented
            // array as structs are actually read: a lying count must not allocate up front.
            bool rent = structCount >= PooledStructCount;
            var refArray = rent ? ArrayPool<AbstractStruct>.Shared.Rent(PooledStructCount) : new AbstractStruct[structCount];
            for (ulong i = 0; i < structCount; i++)
            {
                byte info = decoder.ReadInfo();
                AbstractStruct s;
                switch (info & 0x1F)
                {
                    case 0:
                        s = new GC(new Id(client, clock), decoder.ReadLen());
                        break;
                    case 10:
                        {
                            ulong len = decoder.Rest.ReadVarUint();
                            if (len > uint.MaxValue) throw new CrdtFormatException("Length exceeds the clock space.");
                            s = new Skip(new Id(client, clock), (uint)len);
                            break;
                        }
                    case > 10:
                        throw new CrdtFormatException($"Unknown struct type {info & 0x1F}.");
                    default:
                        s = ReadItem(decoder, info, new Id(client, clock));
                        break;
                }
                if (s.Length == 0) throw new CrdtFormatException("Struct of length zero.");
                if ((ulong)clock + s.Length > uint.MaxValue) throw new CrdtFormatException("Struct exceeds the clock space.");
                if (i == (ulong)refArray.Length)
                {
                    var larger = ArrayPool<AbstractStruct>.Shared.Rent(refArray.Length * 2);
                    refArray.AsSpan().CopyTo(larger);
                    ArrayPool<AbstractStruct>.Shared.Return(refArray, clearArray: true);
                    refArray = larger;
                }
                StructList.Write(refArray, (int)i, s);
                clock += s.Length;
            }
            // A client named twice keeps its last run (as before); a replaced rented array simply goes to the GC.
            result.Clients[client] = new ClientStructRefs(refArray, (int)structCount) { Rented = rent };
            result._hasRentedArrays |= rent;
        }
        return result;
    }

    private static Item ReadItem(IUpdateDecoder decoder, byte info, Id id)
    {
        bool cantCopyParentInfo = (info & 0xC0) == 0;
        Id? origin = (info & 0x80) != 0 ? decoder.ReadLeftId() : null;
        Id? rightOrigin = (info & 0x40) != 0 ? decoder.ReadRightId() : null;
        object? parentRef = null;
        if (cantCopyParentInfo)
        {
            parentRef = decoder.ReadParentInfo() ? decoder.ReadString() : decoder.ReadLeftId();
        }
        string? parentSub = cantCopyParentInfo && (info & 0x20) != 0 ? decoder.ReadString() : null;
        var content = AbstractContent.Read(decoder, info);
        // V2 carries format and embed values as lib0 "any"; they must stay writable as JSON text in V1.
        if (content is ContentFormat { Value: var fv }) EnsureJsonWritable(fv);
        else if (content is ContentEmbed { Embed: var ev }) EnsureJsonWritable(ev);
        // Same-client references must point backwards: a struct cannot depend on its own future.
        if (origin is { } o && o.Client == id.Client && o.Clock >= id.Clock) throw new CrdtFormatException("Origin refers to a later clock of the same client.");
        if (rightOrigin is { } ro && ro.Client == id.Client && ro.Clock >= id.Clock) throw new CrdtFormatException("Right origin refers to a later clock of the same client.");
        if (parentRef is Id p && p.Client == id.Client && p.Clock >= id.Clock) throw new CrdtFormatException("Parent refers to a later clock of the same client.");
        return new Item(id, null, origin, null, rightOrigin, null, parentRef, parentSub, content);
    }

    private static void EnsureJsonWritable(object? value)
    {
        if (value is null || value is string || value is bool || value is long || value is double) return;
        try
        {
            if (JsJson.Stringify(value) is null) throw new CrdtFormatException("A format or embed value has no JSON form.");
        }
        catch (ArgumentException e)
        {
            throw new CrdtFormatException("A format or embed value has no JSON form: " + e.Message, e);
        }
    }

    /// <summary>The struct of the document holding <paramref name="id"/>, if the document has it.</summary>
    private static AbstractStruct? StoredStruct(StructStore store, Id id) =>
        store.Clients.TryGetValue(id.Client, out var structs) && id.Clock < store.GetState(id.Client)
            ? structs[StructStore.FindIndex(structs, id.Clock)]
            : null;

    /// <summary>The struct of this update holding <paramref name="id"/>, if any.</summary>
    internal AbstractStruct? FindStruct(Id id)
    {
        if (!Clients.TryGetValue(id.Client, out var refs) || refs.Count == 0) return null;
        var arr = refs.Refs;
        int lo = 0, hi = refs.Count - 1;
        while (lo <= hi)
        {
            int mid = (lo + hi) >>> 1;
            var s = arr[mid];
            if (id.Clock < s.Id.Clock) hi = mid - 1;
            else if (id.Clock >= s.Id.Clock + s.Length) lo = mid + 1;
            else return s;
        }
        return null;
    }

    /// <summary>Rejects the update if integrating it (with what is pending) would nest types deeper than <paramref name="maxDepth"/>.</summary>
    internal void ValidateNesting(StructStore store, int maxDepth) => NestingCheck.Validate(this, store, maxDepth);

    /// <summary>
    /// Checks what integration relies on against the document: a parent given by id must be a type
    /// (or content already collected), wherever it lives; an item placed between two items of the document
    /// must not name neighbours in different types (linking it would splice two types' lists together).
    /// </summary>
    internal void Validate(StructStore store)
    {
        // An empty document (loading a full state) has no items whose types could be mixed up.
        bool storeHasItems = store.Clients.Count > 0;
        foreach (var refs in Clients.Values)
        {
            foreach (var s in refs.Structs)
            {
                if (storeHasItems && s is Item { Origin: { } o, RightOrigin: { } ro }
                    && StoredStruct(store, o) is Item left && StoredStruct(store, ro) is Item right
                    && !ReferenceEquals(left.Parent, right.Parent))
                {
                    throw new CrdtFormatException($"Origins {o} and {ro} of {s.Id} belong to different types.");
                }
                if (s is not Item { ParentRef: Id parentId }) continue;
                AbstractStruct? parent = null;
                if (store.Clients.TryGetValue(parentId.Client, out var structs) && parentId.Clock < store.GetState(parentId.Client))
                {
                    parent = structs[StructStore.FindIndex(structs, parentId.Clock)];
                }
                else
                {
                    parent = FindStruct(parentId);
                }
                if (parent is Item pi && pi.Content is not (ContentType or ContentDeleted))
                {
                    throw new CrdtFormatException($"Parent {parentId} is not a shared type.");
                }
            }
        }
    }
}

/// <summary>Integrating decoded updates into a document, with yjs's pending-struct and pending-delete handling.</summary>
internal static class UpdateReader
{
    /// <summary>Applies, then returns the update's rented arrays (also when applying fails).</summary>
    internal static void ApplyAndRelease(Doc doc, DecodedUpdate update, object? origin)
    {
        try
        {
            Apply(doc, update, origin);
        }
        finally
        {
            update.ReturnArrays();
        }
    }

    internal static bool WouldChangeAndRelease(Doc doc, DecodedUpdate update)
    {
        try
        {
            return WouldChange(doc, update);
        }
        finally
        {
            update.ReturnArrays();
        }
    }

    internal static void Apply(Doc doc, DecodedUpdate update, object? origin)
    {
        update.Validate(doc.Store);
        update.ValidateNesting(doc.Store, doc.MaxNestingDepth);
        doc.Transact(update, static (transaction, u) => ApplyInTransaction(transaction, u), origin, local: false);
    }

    private static void ApplyInTransaction(Transaction transaction, DecodedUpdate update)
    {
        transaction.Local = false;
        var doc = transaction.Doc;
        var store = doc.Store;
        bool retry = false;
        var rest = IntegrateStructs(transaction, store, update.Clients);
        var pending = store.PendingStructs;
        if (pending is not null)
        {
            foreach (var (client, clock) in pending.Missing)
            {
                if (clock < store.GetState(client))
                {
                    retry = true;
                    break;
                }
            }
            if (rest is not null)
            {
                foreach (var (client, clock) in rest.Missing)
                {
                    if (!pending.Missing.TryGetValue(client, out var m) || m > clock) pending.Missing[client] = clock;
                }
                pending.Update = Updates.MergeV2([pending.Update, rest.Update]);
            }
        }
        else
        {
            store.PendingStructs = rest;
        }

        var dsRest = ApplyDeleteSet(transaction, store, update.DeleteSet);
        if (store.PendingDs is not null)
        {
            var pendingDs = Codec.Guard(store.PendingDs, static reader =>
            {
                var decoder = Codec.UpdateDecoder(reader, v2: true);
                decoder.Rest.ReadVarUint(); // zero structs
                return DeleteSet.Read(decoder);
            });
            var dsRest2 = ApplyDeleteSet(transaction, store, pendingDs);
            store.PendingDs = dsRest is not null && dsRest2 is not null ? Updates.MergeV2([dsRest, dsRest2]) : dsRest ?? dsRest2;
        }
        else
        {
            store.PendingDs = dsRest;
        }

        if (retry)
        {
            var pendingUpdate = store.PendingStructs!.Update;
            store.PendingStructs = null;
            // Our own encoding of structs that were already accepted: only the decoder's read budget applies.
            var decoded = DecodedUpdate.Decode(pendingUpdate, v2: true, int.MaxValue);
            try
            {
                ApplyInTransaction(transaction, decoded);
            }
            finally
            {
                decoded.ReturnArrays();
            }
        }
    }

    /// <summary>
    /// Integrates structs client by client (highest id first), following missing dependencies across clients
    /// with a stack; what cannot be integrated is returned as a V2 update plus the lowest missing clock per client.
    /// </summary>
    private static StructStore.PendingUpdate? IntegrateStructs(Transaction transaction, StructStore store, Dictionary<ulong, ClientStructRefs> clientsRefs)
    {
        List<AbstractStruct>? stack = null; // only needed when dependencies are missing
        var clientIds = new List<ulong>(clientsRefs.Keys);
        if (clientIds.Count == 0) return null;
        clientIds.Sort();

        ClientStructRefs? NextTarget()
        {
            if (clientIds.Count == 0) return null;
            var target = clientsRefs[clientIds[^1]];
            while (target.Count == target.I)
            {
                clientIds.RemoveAt(clientIds.Count - 1);
                if (clientIds.Count > 0) target = clientsRefs[clientIds[^1]];
                else return null;
            }
            return target;
        }

        var current = NextTarget();
        if (current is null) return null;

        // Only allocated when something cannot be integrated.
        StructStore? restStructs = null;
        Dictionary<ulong, uint>? missingSv = null;
        void UpdateMissingSv(ulong client, uint clock)
        {
            missingSv ??= [];
            if (!missingSv.TryGetValue(client, out var m) || m > clock) missingSv[client] = clock;
        }

        var stackHead = current.Refs[current.I++];

        void AddStackToRestSs()
        {
            restStructs ??= new StructStore();
            foreach (var item in stack!)
            {
                ulong client = item.Id.Client;
                if (clientsRefs.TryGetValue(client, out var unapplicable))
                {
                    // The previous operation could not be applied: keep it and everything after it.
                    unapplicable.I--;
                    restStructs.SetClient(client, new StructList(unapplicable.Refs.AsSpan(unapplicable.I, unapplicable.Count - unapplicable.I).ToArray()));
                    clientsRefs.Remove(client);
                    unapplicable.I = 0;
                    unapplicable.Count = 0;
                }
                else
                {
                    restStructs.SetClient(client, new StructList([item]));
                }
                clientIds.Remove(client);
            }
            stack.Clear();
        }

        while (true)
        {
            if (stackHead is not Skip)
            {
                ulong headClient = stackHead.Id.Client;
                // yjs caches this per client; the cache always equals the store's state, so read it directly.
                uint localClock = store.GetState(headClient);
                long offset = (long)localClock - stackHead.Id.Clock;
                if (offset < 0)
                {
                    // An earlier update of this client is missing.
                    (stack ??= []).Add(stackHead);
                    UpdateMissingSv(headClient, stackHead.Id.Clock - 1);
                    AddStackToRestSs();
                }
                else if (stackHead.TryGetMissing(transaction, store, out var missing))
                {
                    (stack ??= []).Add(stackHead);
                    if (!clientsRefs.TryGetValue(missing, out var structRefs) || structRefs.Count == structRefs.I)
                    {
                        // Depends on an update that has not arrived.
                        UpdateMissingSv(missing, store.GetState(missing));
                        AddStackToRestSs();
                    }
                    else
                    {
                        stackHead = structRefs.Refs[structRefs.I++];
                        continue;
                    }
                }
                else if (offset == 0 || offset < stackHead.Length)
                {
                    stackHead.Integrate(transaction, (uint)offset);
                }
            }
            if (stack is { Count: > 0 })
            {
                stackHead = stack[^1];
                stack.RemoveAt(stack.Count - 1);
            }
            else if (current is not null && current.I < current.Count)
            {
                stackHead = current.Refs[current.I++];
            }
            else
            {
                current = NextTarget();
                if (current is null) break;
                stackHead = current.Refs[current.I++];
            }
        }
        if (restStructs is { Clients.Count: > 0 })
        {
            var encoder = new UpdateEncoderV2();
            UpdateWriter.WriteClientsStructs(encoder, restStructs, new Dictionary<ulong, uint>());
            encoder.Rest.WriteVarUint(0u); // no deletions
            return new StructStore.PendingUpdate(missingSv ?? [], encoder.ToArray());
        }
        return null;
    }

    /// <summary>Deletes what the delete set names; returns the ranges beyond the known state as a V2 update (or null).</summary>
    internal static byte[]? ApplyDeleteSet(Transaction transaction, StructStore store, DeleteSet ds)
    {
        if (ds.IsEmpty) return null;
        DeleteSet? unapplied = null;
        foreach (var (client, deletes) in ds.Clients)
        {
            store.Clients.TryGetValue(client, out var structs);
            uint state = store.GetState(client);
            foreach (var del in deletes)
            {
                uint clock = del.Clock;
                uint clockEnd = clock + del.Len;
                if (clock < state)
                {
                    if (state < clockEnd) (unapplied ??= new DeleteSet()).Add(client, state, clockEnd - state);
                    var list = structs!;
                    int index = StructStore.FindIndex(list, clock);
                    var s = list[index];
                    if (!s.Deleted && s.Id.Clock < clock)
                    {
                        list.Insert(index + 1, Item.Split(transaction, (Item)s, clock - s.Id.Clock));
                        index++;
                    }
                    while (index < list.Count)
                    {
                        s = list[index++];
                        if (s.Id.Clock < clockEnd)
                        {
                            if (!s.Deleted)
                            {
                                var item = (Item)s;
                                if (clockEnd < item.Id.Clock + item.Length)
                                {
                                    list.Insert(index, Item.Split(transaction, item, clockEnd - item.Id.Clock));
                                }
                                item.Delete(transaction);
                            }
                        }
                        else
                        {
                            break;
                        }
                    }
                }
                else
                {
                    (unapplied ??= new DeleteSet()).Add(client, clock, clockEnd - clock);
                }
            }
        }
        if (unapplied is null) return null;
        var encoder = new UpdateEncoderV2();
        encoder.Rest.WriteVarUint(0u); // no structs
        unapplied.Write(encoder);
        return encoder.ToArray();
    }

    /// <summary>Would applying this update add structs, delete live content, or add to what is pending?</summary>
    internal static bool WouldChange(Doc doc, DecodedUpdate update)
    {
        var store = doc.Store;
        foreach (var (client, refs) in update.Clients)
        {
            uint state = store.GetState(client);
            foreach (var s in refs.Structs)
            {
                if (s is not Skip && s.Id.Clock + s.Length > state) return true;
            }
        }
        foreach (var (client, deletes) in update.DeleteSet.Clients)
        {
            uint state = store.GetState(client);
            store.Clients.TryGetValue(client, out var structs);
            foreach (var del in deletes)
            {
                if (del.Len == 0) continue;
                uint end = del.Clock + del.Len;
                if (end > state) return true;
                int index = StructStore.FindIndex(structs!, del.Clock);
                for (; index < structs!.Count && structs[index].Id.Clock < end; index++)
                {
                    if (!structs[index].Deleted) return true;
                }
            }
        }
        return false;
    }
}
