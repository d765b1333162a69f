namespace Spotter.Collab.Crdt;

/// <summary>An index resolved against a document: the type, the index in it, and the association.</summary>
public sealed record AbsolutePosition(AbstractType Type, int Index, int Assoc);

/// <summary>
/// A position that survives concurrent edits: it names the item at the position (or the type, for the end),
/// not an index. Wire format as yjs encodeRelativePosition.
/// </summary>
public sealed class RelativePosition
{
    public RelativePosition(Id? type, string? typeName, Id? item, int assoc = 0)
    {
        Type = type;
        TypeName = typeName;
        Item = item;
        Assoc = assoc;
    }

    /// <summary>The item holding the type (for nested types).</summary>
    public Id? Type { get; }
    /// <summary>The root type's name (for root types).</summary>
    public string? TypeName { get; }
    /// <summary>The item at the position; null means the end (assoc ≥ 0) or the start (assoc &lt; 0).</summary>
    public Id? Item { get; }
    /// <summary>&gt;= 0: stick to the item on the right; &lt; 0: stick to the left.</summary>
    public int Assoc { get; }

    private static RelativePosition Create(AbstractType type, Id? item, int assoc)
    {
        if (type.ContainingItem is null)
        {
            return new RelativePosition(null, type.RootName ?? throw new InvalidOperationException("The type is not part of a document."), item, assoc);
        }
        return new RelativePosition(type.ContainingItem.Id, null, item, assoc);
    }

    /// <summary>yjs createRelativePositionFromTypeIndex.</summary>
    public static RelativePosition FromTypeIndex(AbstractType type, int index, int assoc = 0)
    {
        var t = type.Start;
        if (assoc < 0)
        {
            if (index == 0) return Create(type, null, assoc);
            index--;
        }
        while (t is not null)
        {
            if (!t.Deleted && t.Countable)
            {
                if (t.Length > index) return Create(type, new Id(t.Id.Client, t.Id.Clock + (uint)index), assoc);
                index -= (int)t.Length;
            }
            if (t.Right is null && assoc < 0) return Create(type, t.LastId, assoc);
            t = t.Right;
        }
        return Create(type, null, assoc);
    }

    public byte[] Encode()
    {
        using var w = new Lib0Writer();
        if (Item is { } item)
        {
            w.WriteVarUint(0u);
            w.WriteVarUint(item.Client);
            w.WriteVarUint(item.Clock);
        }
        else if (TypeName is not null)
        {
            w.WriteUint8(1);
            w.WriteVarString(TypeName);
        }
        else if (Type is { } type)
        {
            w.WriteUint8(2);
            w.WriteVarUint(type.Client);
            w.WriteVarUint(type.Clock);
        }
        else
        {
            throw new InvalidOperationException("A relative position needs an item, a type name or a type id.");
        }
        w.WriteVarInt(Assoc);
        return w.ToArray();
    }

    public static RelativePosition Decode(ReadOnlySpan<byte> data) =>
        Codec.Guard(data, static r =>
        {
            Id? type = null, item = null;
            string? tname = null;
            switch (r.ReadVarUint())
            {
                case 0:
                    item = new Id(r.ReadVarUint(), r.ReadVarUint32());
                    break;
                case 1:
                    tname = r.ReadVarString();
                    break;
                case 2:
                    type = new Id(r.ReadVarUint(), r.ReadVarUint32());
                    break;
                default:
                    throw new CrdtFormatException("Unknown relative position kind.");
            }
            long assoc = r.HasContent ? r.ReadVarInt() : 0;
            if (assoc is < int.MinValue or > int.MaxValue) throw new CrdtFormatException("Association out of range.");
            return new RelativePosition(type, tname, item, (int)assoc);
        });

    /// <summary>Resolves against <paramref name="doc"/>; null when the position's item or type is not (or no longer) there.</summary>
    public AbsolutePosition? ToAbsolute(Doc doc)
    {
        var store = doc.Store;
        AbstractType? type;
        int index = 0;
        if (Item is { } rightId)
        {
            if (store.GetState(rightId.Client) <= rightId.Clock) return null;
            var s = store.Find(rightId);
            if (s is not Crdt.Item right) return null;
            int diff = (int)(rightId.Clock - right.Id.Clock);
            type = right.Parent!;
            if (type.ContainingItem is null || !type.ContainingItem.Deleted)
            {
                index = right.Deleted || !right.Countable ? 0 : diff + (Assoc >= 0 ? 0 : 1);
                for (var n = right.Left; n is not null; n = n.Left)
                {
                    if (!n.Deleted && n.Countable) index += (int)n.Length;
                }
            }
        }
        else
        {
            if (TypeName is not null)
            {
                type = doc.GetOrCreateRoot(TypeName);
            }
            else if (Type is { } typeId)
            {
                if (store.GetState(typeId.Client) <= typeId.Clock) return null;
                if (store.Find(typeId) is Crdt.Item { Content: ContentType ct }) type = ct.Type;
                else return null;
            }
            else
            {
                throw new InvalidOperationException("A relative position needs an item, a type name or a type id.");
            }
            index = Assoc >= 0 ? type.LengthInternal : 0;
        }
        return new AbsolutePosition(type, index, Assoc);
    }

    public override bool Equals(object? obj) =>
        obj is RelativePosition b && TypeName == b.TypeName && Item == b.Item && Type == b.Type && Assoc == b.Assoc;

    public override int GetHashCode() => HashCode.Combine(TypeName, Item, Type, Assoc);
}
