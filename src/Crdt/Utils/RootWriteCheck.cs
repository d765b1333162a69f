namespace Spotter.Collab.Crdt;

/// <summary>
/// Decides, before anything is integrated, whether an update would write into one root type: insert anything at any
/// depth below it, or delete content of it. Lets a server keep a root to itself (clients may not write it).
/// </summary>
/// <remarks>
/// An item's root follows from its parent reference (a root name, or the item holding its parent type) or from its
/// left (else right) origin; those may be in the document or in the update. Whatever cannot be resolved (a reference
/// to content not known yet) counts as writing the root: the answer errs on the side of refusing. Chains are followed
/// iteratively and memoised, so a long update costs linear time and no stack.
/// </remarks>
internal sealed class RootWriteCheck
{
    private enum Owner : byte
    {
        Other,
        Target,
        Unknown,
    }

    private readonly DecodedUpdate _update;
    private readonly StructStore _store;
    private readonly string _rootName;
    private readonly AbstractType? _root;
    private readonly Dictionary<Item, Owner> _owners = new(ReferenceEqualityComparer.Instance);

    private RootWriteCheck(DecodedUpdate update, Doc doc, string rootName)
    {
        _update = update;
        _store = doc.Store;
        _rootName = rootName;
        _root = doc.Share.GetValueOrDefault(rootName);
    }

    internal static bool Writes(DecodedUpdate update, Doc doc, string rootName) => new RootWriteCheck(update, doc, rootName).Writes();

    private bool Writes()
    {
        foreach (var (client, refs) in _update.Clients)
        {
            uint known = _store.GetState(client);
            for (int i = 0; i < refs.Count; i++)
            {
                // Structs the document already has are skipped by integration: they write nothing.
                if (refs.Refs[i] is Item item && item.Id.Clock + item.Length > known && OwnerOf(item) != Owner.Other) return true;
            }
        }
        if (_update.DeleteSet.IsEmpty) return false;
        foreach (var (client, ranges) in _update.DeleteSet.Clients)
        {
            _store.Clients.TryGetValue(client, out var structs);
            uint known = _store.GetState(client);
            foreach (var range in ranges)
            {
                // Deleting content not known yet waits until it arrives, wherever it lands.
                if (range.Clock + range.Len > known || structs is null) return true;
                for (int index = StructStore.FindIndex(structs, range.Clock); index < structs.Count && structs[index].Id.Clock < range.Clock + range.Len; index++)
                {
                    if (structs[index] is Item { Deleted: false, Parent: { } parent } && OwnerOfType(parent) == Owner.Target) return true;
                }
            }
        }
        return false;
    }

    /// <summary>The root the incoming <paramref name="item"/> would be inserted under.</summary>
    private Owner OwnerOf(Item item)
    {
        if (_owners.TryGetValue(item, out var known)) return known;
        var chain = new List<Item>();
        var onChain = new HashSet<Item>(ReferenceEqualityComparer.Instance);
        var current = item;
        Owner owner;
        while (true)
        {
            if (_owners.TryGetValue(current, out owner)) break;
            // A reference cycle never integrates: nothing is known about it.
            if (!onChain.Add(current))
            {
                owner = Owner.Unknown;
                break;
            }
            chain.Add(current);
            var (next, resolved) = Step(current);
            if (next is null)
            {
                owner = resolved;
                break;
            }
            current = next;
        }
        foreach (var link in chain) _owners[link] = owner;
        return owner;
    }

    /// <summary>Either the owner is known (<c>Next</c> null) or it is the owner of <c>Next</c>.</summary>
    private (Item? Next, Owner Owner) Step(Item item)
    {
        switch (item.ParentRef)
        {
            case string name:
                return (null, name == _rootName ? Owner.Target : Owner.Other);
            case Id parentId:
                var holder = Stored(parentId);
                if (holder is not null) return (null, holder is Item { Content: ContentType ct } ? OwnerOfType(ct.Type) : Owner.Unknown);
                return _update.FindStruct(parentId) is Item { Content: ContentType } incomingHolder ? (incomingHolder, Owner.Unknown) : (null, Owner.Unknown);
        }
        // The parent is copied from a neighbour: the left one when there is one.
        if ((item.Origin ?? item.RightOrigin) is not { } neighbourId) return (null, Owner.Unknown);
        var stored = Stored(neighbourId);
        if (stored is not null) return (null, stored is Item { Parent: { } parent } ? OwnerOfType(parent) : Owner.Unknown);
        return _update.FindStruct(neighbourId) is Item neighbour ? (neighbour, Owner.Unknown) : (null, Owner.Unknown);
    }

    private AbstractStruct? Stored(Id id) =>
        _store.Clients.TryGetValue(id.Client, out var structs) && id.Clock < _store.GetState(id.Client)
            ? structs[StructStore.FindIndex(structs, id.Clock)]
            : null;

    /// <summary>Whether an integrated type lies under the target root (walks up to its root type).</summary>
    private Owner OwnerOfType(AbstractType type)
    {
        var top = type;
        while (top.Item?.Parent is { } parent) top = parent;
        return _root is not null && ReferenceEquals(top, _root) ? Owner.Target : Owner.Other;
    }
}
