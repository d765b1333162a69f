namespace Spotter.Collab.Crdt;

/// <summary>
/// One run of content inserted by one client, linked into its parent's list (or into a map key's history).
/// Fields rather than properties: this is the hot data structure of the engine.
/// </summary>
public sealed class Item : AbstractStruct
{
    private const byte KeepBit = 1;
    private const byte CountableBit = 2;
    private const byte DeletedBit = 4;
    private const byte MarkerBit = 8;

    private const byte HasOriginBit = 16;
    private const byte HasRightOriginBit = 32;
    private const byte ParentIsRefBit = 64;

    // Origins are stored as plain client/clock fields plus presence bits in _info: Nullable<Id> would cost 8
    // more bytes each on every item, and Id structs 4 bytes of padding each.
    private ulong _originClient;
    private ulong _rightOriginClient;
    private uint _originClock;
    private uint _rightOriginClock;

    /// <summary>The id of the item that was to the left when this one was inserted (its last clock).</summary>
    internal Id? Origin
    {
        get => (_info & HasOriginBit) != 0 ? new Id(_originClient, _originClock) : null;
        set
        {
            if (value is { } v)
            {
                _originClient = v.Client;
                _originClock = v.Clock;
                _info |= HasOriginBit;
            }
            else
            {
                _info &= unchecked((byte)~HasOriginBit);
            }
        }
    }
    internal Item? Left;
    internal Item? Right;
    /// <summary>The id of the item that was to the right when this one was inserted.</summary>
    internal Id? RightOrigin
    {
        get => (_info & HasRightOriginBit) != 0 ? new Id(_rightOriginClient, _rightOriginClock) : null;
        set
        {
            if (value is { } v)
            {
                _rightOriginClient = v.Client;
                _rightOriginClock = v.Clock;
                _info |= HasRightOriginBit;
            }
            else
            {
                _info &= unchecked((byte)~HasRightOriginBit);
            }
        }
    }
    // One field for the parent type (after integration) and the parent reference (before), told apart by
    // ParentIsRefBit: an item never needs both, and the field costs 8 bytes on every item.
    private object? _parent;

    internal AbstractType? Parent
    {
        get => (_info & ParentIsRefBit) != 0 ? null : System.Runtime.CompilerServices.Unsafe.As<AbstractType>(_parent);
        set
        {
            _parent = value;
            _info &= unchecked((byte)~ParentIsRefBit);
        }
    }

    /// <summary>Before integration: a boxed <see cref="Crdt.Id"/> naming the parent type's item, or the root type's name.</summary>
    internal object? ParentRef
    {
        get => (_info & ParentIsRefBit) != 0 ? _parent : null;
        set
        {
            if (value is not null)
            {
                _parent = value;
                _info |= ParentIsRefBit;
            }
            else if ((_info & ParentIsRefBit) != 0)
            {
                _parent = null;
                _info &= unchecked((byte)~ParentIsRefBit);
            }
        }
    }
    internal string? ParentSub;
    internal AbstractContent Content;
    private byte _info;

    internal Item(Id id, Item? left, Id? origin, Item? right, Id? rightOrigin, AbstractType? parent, object? parentRef, string? parentSub, AbstractContent content)
        : base(id, content.Length)
    {
        _info = content.IsCountable ? CountableBit : (byte)0;
        Origin = origin;
        Left = left;
        Right = right;
        RightOrigin = rightOrigin;
        if (parent is not null && parentRef is not null) throw new ArgumentException("An item has either a parent type or a parent reference.", nameof(parentRef));
        Parent = parent;
        ParentRef = parentRef;
        ParentSub = parentSub;
        Content = content;
    }

    public override bool Deleted => (_info & DeletedBit) != 0;
    public bool Countable => (_info & CountableBit) != 0;
    public AbstractContent ItemContent => Content;
    public string? Key => ParentSub;

    internal bool Keep
    {
        get => (_info & KeepBit) != 0;
        set { if (value) _info |= KeepBit; else _info &= unchecked((byte)~KeepBit); }
    }

    internal bool Marker
    {
        get => (_info & MarkerBit) != 0;
        set { if (value) _info |= MarkerBit; else _info &= unchecked((byte)~MarkerBit); }
    }

    internal void MarkDeleted() => _info |= DeletedBit;

    internal Id LastId => Length == 1 ? Id : new Id(Id.Client, Id.Clock + Length - 1);

    /// <summary>Next item to the right that is not deleted.</summary>
    internal Item? Next
    {
        get
        {
            var n = Right;
            while (n is not null && n.Deleted) n = n.Right;
            return n;
        }
    }

    /// <summary>Next item to the left that is not deleted.</summary>
    internal Item? Prev
    {
        get
        {
            var n = Left;
            while (n is not null && n.Deleted) n = n.Left;
            return n;
        }
    }

    internal override bool TryGetMissing(Transaction transaction, StructStore store, out ulong missingClient)
    {
        if (Origin is { } o && o.Client != Id.Client && o.Clock >= store.GetState(o.Client))
        {
            missingClient = o.Client;
            return true;
        }
        if (RightOrigin is { } ro && ro.Client != Id.Client && ro.Clock >= store.GetState(ro.Client))
        {
            missingClient = ro.Client;
            return true;
        }
        if (ParentRef is Id pid && pid.Client != Id.Client && pid.Clock >= store.GetState(pid.Client))
        {
            missingClient = pid.Client;
            return true;
        }
        missingClient = 0;

        // Every dependency is present: resolve the ids to items.
        bool neighbourIsGc = false;
        if (Origin is { } origin)
        {
            var left = store.GetItemCleanEnd(transaction, origin);
            if (left is Item li)
            {
                Left = li;
                Origin = li.LastId;
            }
            else
            {
                neighbourIsGc = true;
                Origin = new Id(left.Id.Client, left.Id.Clock + left.Length - 1);
            }
        }
        if (RightOrigin is { } rightOrigin)
        {
            // When updates arrive in order (a fresh document loading a full state, a peer typing), the right
            // origin is usually still the left origin's neighbour: then it is found without a search (and,
            // starting exactly at the id, needs no split).
            AbstractStruct right = Left?.Right is { } next && next.Id == rightOrigin
                ? next
                : store.GetItemCleanStart(transaction, rightOrigin);
            if (right is Item ri)
            {
                Right = ri;
                RightOrigin = ri.Id;
            }
            else
            {
                neighbourIsGc = true;
                RightOrigin = right.Id;
            }
        }
        if (neighbourIsGc)
        {
            Parent = null;
            ParentRef = null;
        }
        else if (ParentRef is null && Parent is null)
        {
            // Copy the parent from a neighbour: the left one when there is one, as yjs does. The item is linked
            // after its left neighbour, so a (lying) right origin in another type must not decide its parent.
            if (Left is not null)
            {
                Parent = Left.Parent;
                ParentSub = Left.ParentSub;
            }
            else if (Right is not null)
            {
                Parent = Right.Parent;
                ParentSub = Right.ParentSub;
            }
        }
        else if (ParentRef is Id parentId)
        {
            var parentStruct = store.Find(parentId);
            Parent = parentStruct is Item { Content: ContentType ct } ? ct.Type : null;
            ParentRef = null;
        }
        else if (ParentRef is string rootName)
        {
            Parent = transaction.Doc.GetOrCreateRoot(rootName);
            ParentRef = null;
        }
        return false;
    }

    internal override void Integrate(Transaction transaction, uint offset)
    {
        var store = transaction.Doc.Store;
        if (offset > 0)
        {
            Id = new Id(Id.Client, Id.Clock + offset);
            var leftStruct = store.GetItemCleanEnd(transaction, new Id(Id.Client, Id.Clock - 1));
            if (leftStruct is Item li)
            {
                Left = li;
                Origin = li.LastId;
            }
            else
            {
                Left = null;
                Origin = new Id(leftStruct.Id.Client, leftStruct.Id.Clock + leftStruct.Length - 1);
                Parent = null;
            }
            Content = Content.Splice((int)offset);
            Length -= offset;
        }

        var parent = Parent;
        if (parent is null)
        {
            // The parent is gone (garbage collected): keep only the clock range.
            new GC(Id, Length).Integrate(transaction, 0);
            return;
        }

        if ((Left is null && (Right is null || Right.Left is not null)) || (Left is not null && Left.Right != Right))
        {
            ResolveConflicts(transaction, parent);
        }

        // Link into the list.
        if (Left is not null)
        {
            Right = Left.Right;
            Left.Right = this;
        }
        else
        {
            Item? r;
            if (ParentSub is not null)
            {
                r = parent.MapGet(ParentSub);
                while (r is not null && r.Left is not null) r = r.Left;
            }
            else
            {
                r = parent.Start;
                parent.Start = this;
            }
            Right = r;
        }
        if (Right is not null)
        {
            Right.Left = this;
        }
        else if (ParentSub is not null)
        {
            // This is the newest value of the key.
            parent.MapSet(ParentSub, this);
            Left?.Delete(transaction);
        }
        if (ParentSub is null && Countable && !Deleted)
        {
            parent.LengthInternal += (int)Length;
        }
        store.AddStruct(this);
        Content.Integrate(transaction, this);
        transaction.AddChangedType(parent, ParentSub);
        if ((parent.Item is not null && parent.Item.Deleted) || (ParentSub is not null && Right is not null))
        {
            // The parent was deleted, or this is not the newest value of its key.
            Delete(transaction);
        }
    }

    /// <summary>YATA: find the left neighbour among items concurrently inserted between origin and right origin.</summary>
    private void ResolveConflicts(Transaction transaction, AbstractType parent)
    {
        var left = Left;
        Item? o;
        if (left is not null)
        {
            o = left.Right;
        }
        else if (ParentSub is not null)
        {
            o = parent.MapGet(ParentSub);
            while (o is not null && o.Left is not null) o = o.Left;
        }
        else
        {
            o = parent.Start;
        }
        if (o is null || o == Right)
        {
            Left = left;
            return;
        }
        var store = transaction.Doc.Store;
        var conflictingItems = new HashSet<Item>(ReferenceEqualityComparer.Instance);
        var itemsBeforeOrigin = new HashSet<Item>(ReferenceEqualityComparer.Instance);
        while (o is not null && o != Right)
        {
            itemsBeforeOrigin.Add(o);
            conflictingItems.Add(o);
            if (Origin == o.Origin)
            {
                if (o.Id.Client < Id.Client)
                {
                    left = o;
                    conflictingItems.Clear();
                }
                else if (RightOrigin == o.RightOrigin)
                {
                    // Same integration points: the client id decides, and this goes first.
                    break;
                }
            }
            else if (o.Origin is { } oo && store.Find(oo) is Item oOriginItem && itemsBeforeOrigin.Contains(oOriginItem))
            {
                if (!conflictingItems.Contains(oOriginItem))
                {
                    left = o;
                    conflictingItems.Clear();
                }
            }
            else
            {
                break;
            }
            o = o.Right;
        }
        Left = left;
    }

    internal bool MergeWithItem(Item right)
    {
        if (Right == right
            && (right._info & HasOriginBit) != 0
            && right._originClock == Id.Clock + Length - 1
            && right._originClient == Id.Client
            && RightOrigin == right.RightOrigin
            && Id.Client == right.Id.Client
            && Id.Clock + Length == right.Id.Clock
            && Deleted == right.Deleted
            && Content.GetType() == right.Content.GetType()
            && Content.MergeWith(right.Content))
        {
            // Regular markers (see SearchMarkerSet.MaybeIrregular) all carry the Marker bit, so an unflagged
            // `right` has none to move.
            if (Parent?.SearchMarkers is { Count: > 0 } markers && (right.Marker || markers.MaybeIrregular))
            {
                var items = markers.Items;
                for (int i = 0; i < markers.Count; i++)
                {
                    if (items[i] == right)
                    {
                        // `right` disappears: move its marker here.
                        items[i] = this;
                        if (!Deleted && Countable) markers.Indexes[i] -= (int)Length;
                        markers.MaybeIrregular = true;
                        markers.MaybeShared = true;
                    }
                }
            }
            if (right.Keep) Keep = true;
            Right = right.Right;
            if (Right is not null) Right.Left = this;
            Length += right.Length;
            return true;
        }
        return false;
    }

    internal override bool MergeWith(AbstractStruct right) => right is Item ri && MergeWithItem(ri);

    internal void Delete(Transaction transaction)
    {
        if (Deleted) return;
        MarkDeletedInTransaction(transaction);
        Content.Delete(transaction);
    }

    /// <summary>Everything <see cref="Delete"/> does except deleting the content (for the walk over nested types).</summary>
    internal void MarkDeletedInTransaction(Transaction transaction)
    {
        var parent = Parent!;
        if (Countable && ParentSub is null)
        {
            parent.LengthInternal -= (int)Length;
        }
        MarkDeleted();
        // A deleted marker item makes the markers irregular (see SearchMarkerSet.MaybeIrregular).
        if (Marker && parent.SearchMarkers is { } markers) markers.MaybeIrregular = true;
        transaction.DeleteSet.Add(Id.Client, Id.Clock, Length);
        transaction.AddChangedType(parent, ParentSub);
    }

    /// <summary>Drop the content of a deleted item; when its parent is collected too, replace it by a GC struct.</summary>
    internal void Gc(StructStore store, bool parentGCd)
    {
        if (!Deleted) throw new InvalidOperationException("Only deleted items can be garbage collected.");
        Content.Gc(store);
        if (parentGCd)
        {
            store.ReplaceStruct(this, new GC(Id, Length));
        }
        else if (Content is not ContentDeleted { Len: var len } || len != Length)
        {
            // Already-deleted content (every deleted item of a decoded state) is kept: no new object.
            Content = new ContentDeleted(Length);
        }
    }

    internal override void Write(IUpdateEncoder encoder, uint offset)
    {
        Id? origin = offset > 0 ? new Id(Id.Client, Id.Clock + offset - 1) : Origin;
        var rightOrigin = RightOrigin;
        var parentSub = ParentSub;
        byte info = (byte)((Content.Ref & 0x1F)
            | (origin is null ? 0 : 0x80)
            | (rightOrigin is null ? 0 : 0x40)
            | (parentSub is null ? 0 : 0x20));
        encoder.WriteInfo(info);
        if (origin is { } ov) encoder.WriteLeftId(ov);
        if (rightOrigin is { } rov) encoder.WriteRightId(rov);
        if (origin is null && rightOrigin is null)
        {
            if (Parent is { } parent)
            {
                if (parent.Item is null)
                {
                    encoder.WriteParentInfo(true);
                    encoder.WriteString(parent.RootName ?? throw new InvalidOperationException("A root type without a name."));
                }
                else
                {
                    encoder.WriteParentInfo(false);
                    encoder.WriteLeftId(parent.Item.Id);
                }
            }
            else if (ParentRef is string rootName)
            {
                encoder.WriteParentInfo(true);
                encoder.WriteString(rootName);
            }
            else if (ParentRef is Id parentId)
            {
                encoder.WriteParentInfo(false);
                encoder.WriteLeftId(parentId);
            }
            else
            {
                throw new InvalidOperationException("An item without parent information cannot be written.");
            }
            if (parentSub is not null) encoder.WriteString(parentSub);
        }
        Content.Write(encoder, (int)offset);
    }

    /// <summary>Split <paramref name="left"/> at <paramref name="diff"/>; returns the new right part (not yet in the store).</summary>
    internal static Item Split(Transaction transaction, Item left, uint diff)
    {
        var client = left.Id.Client;
        var clock = left.Id.Clock;
        var right = new Item(
            new Id(client, clock + diff),
            left,
            new Id(client, clock + diff - 1),
            left.Right,
            left.RightOrigin,
            left.Parent,
            left.ParentRef,
            left.ParentSub,
            left.Content.Splice((int)diff));
        if (left.Deleted) right.MarkDeleted();
        if (left.Keep) right.Keep = true;
        // Do not touch left.RightOrigin: peers must see the original origins.
        left.Right = right;
        if (right.Right is not null) right.Right.Left = right;
        transaction.MergeStructs.Add(right);
        if (right.ParentSub is not null && right.Right is null)
        {
            right.Parent!.MapSet(right.ParentSub, right);
        }
        left.Length = diff;
        return right;
    }
}
