namespace Spotter.Collab.Crdt;

/// <summary>
/// Computes, before anything is integrated, how deep each shared type of an update would nest, and rejects the
/// update when one would exceed the document's bound. Depth: a root type is 0, a type inside it 1, and so on.
/// </summary>
/// <remarks>
/// An item names its parent directly (a root name or the id of the item holding the parent type) or inherits it from
/// its left (else right) origin. Those references may point into the document, into the update, or into structs
/// held as pending from earlier updates (which integrate in the same transaction once unblocked, so they are
/// checked together with the update). A reference to something not yet known counts as depth 0: the result is a
/// lower bound, so a chain that is already too deep on its own is rejected at once, and the update that later
/// anchors a pending chain is checked with the chain's full depth. Chains are followed with an explicit list and
/// memoised, so a long or deep update costs linear time and no stack.
/// </remarks>
internal sealed class NestingCheck
{
    private readonly DecodedUpdate _update;
    private readonly DecodedUpdate? _pending;
    private readonly StructStore _store;
    private readonly int _maxDepth;
    private readonly Dictionary<Item, int> _parentDepths = new(ReferenceEqualityComparer.Instance);
    private readonly Dictionary<AbstractType, int> _storeDepths = new(ReferenceEqualityComparer.Instance);

    private NestingCheck(DecodedUpdate update, DecodedUpdate? pending, StructStore store, int maxDepth)
    {
        _update = update;
        _pending = pending;
        _store = store;
        _maxDepth = maxDepth;
    }

    internal static void Validate(DecodedUpdate update, StructStore store, int maxDepth)
    {
        if (maxDepth == int.MaxValue) return;
        DecodedUpdate? pending = null;
        try
        {
            if (store.PendingStructs is { } held)
            {
                // Our own encoding of structs accepted earlier: only the decoder's read budget applies.
                pending = DecodedUpdate.Decode(held.Update, v2: true, int.MaxValue);
            }
            var check = new NestingCheck(update, pending, store, maxDepth);
            check.CheckTypes(update);
            if (pending is not null) check.CheckTypes(pending);
        }
        finally
        {
            pending?.ReturnArrays();
        }
    }

    private void CheckTypes(DecodedUpdate decoded)
    {
        foreach (var (client, refs) in decoded.Clients)
        {
            // Structs the document already has are skipped by integration: they add no nesting.
            uint known = _store.GetState(client);
            foreach (var s in refs.Structs)
            {
                if (s is Item { Content: ContentType } item && item.Id.Clock >= known && ParentDepth(item) + 1 > _maxDepth)
                {
                    throw new CrdtFormatException($"Shared type {item.Id} nests deeper than {_maxDepth} levels.");
                }
            }
        }
    }

    /// <summary>The depth of the type <paramref name="item"/> (not yet integrated) would be inserted into.</summary>
    private int ParentDepth(Item item)
    {
        if (_parentDepths.TryGetValue(item, out var known)) return known;
        // Follow the chain of items whose depth decides this one's until something is known, then fill it in backwards.
        var chain = new List<(Item Item, int Add)>();
        var onChain = new HashSet<Item>(ReferenceEqualityComparer.Instance);
        var current = item;
        int depth;
        while (true)
        {
            if (_parentDepths.TryGetValue(current, out depth)) break;
            if (!onChain.Add(current))
            {
                // A reference cycle never integrates (it stays pending): nothing is known about its depth.
                depth = 0;
                break;
            }
            var (next, add, resolved) = Step(current);
            chain.Add((current, add));
            if (next is null)
            {
                depth = resolved;
                chain.RemoveAt(chain.Count - 1);
                _parentDepths[current] = resolved;
                break;
            }
            current = next;
        }
        for (int i = chain.Count - 1; i >= 0; i--)
        {
            // Saturate: a value above the bound is as good as any larger one.
            depth = Math.Min(depth + chain[i].Add, _maxDepth + 1);
            _parentDepths[chain[i].Item] = depth;
        }
        return _parentDepths[item];
    }

    /// <summary>
    /// One step: either the parent depth of <paramref name="item"/> is known (<c>Next</c> null, <c>Depth</c>), or it is
    /// <c>ParentDepth(Next) + Add</c>.
    /// </summary>
    private (Item? Next, int Add, int Depth) Step(Item item)
    {
        switch (item.ParentRef)
        {
            case string:
                return (null, 0, 0);
            case Id parentId:
                return TypeHeldBy(parentId);
        }
        // The parent is copied from a neighbour: the left one when there is one.
        var neighbourId = item.Origin ?? item.RightOrigin;
        if (neighbourId is not { } id) return (null, 0, 0);
        var stored = Stored(id);
        if (stored is not null) return (null, 0, stored is Item { Parent: { } parent } ? StoreDepth(parent) : 0);
        return Incoming(id) is Item neighbour ? (neighbour, 0, 0) : (null, 0, 0);
    }

    /// <summary>The depth of the type held by the struct at <paramref name="id"/>, as a step.</summary>
    private (Item? Next, int Add, int Depth) TypeHeldBy(Id id)
    {
        var stored = Stored(id);
        if (stored is not null) return (null, 0, stored is Item { Content: ContentType ct } ? StoreDepth(ct.Type) : 0);
        return Incoming(id) is Item { Content: ContentType } holder ? (holder, 1, 0) : (null, 0, 0);
    }

    private AbstractStruct? Stored(Id id) =>
        _store.Clients.TryGetValue(id.Client, out var structs) && id.Clock < _store.GetState(id.Client)
            ? structs[StructStore.FindIndex(structs, id.Clock)]
            : null;

    private AbstractStruct? Incoming(Id id) => _update.FindStruct(id) ?? _pending?.FindStruct(id);

    /// <summary>The depth of an integrated type, counted up to just above the bound.</summary>
    private int StoreDepth(AbstractType type)
    {
        if (_storeDepths.TryGetValue(type, out var known)) return known;
        int depth = 0;
        for (var t = type; t.Item?.Parent is { } parent && depth <= _maxDepth; t = parent) depth++;
        _storeDepths[type] = depth;
        return depth;
    }
}
