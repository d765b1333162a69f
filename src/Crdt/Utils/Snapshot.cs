namespace Spotter.Collab.Crdt;

/// <summary>A point in a document's history: its state vector and delete set.</summary>
public sealed class Snapshot
{
    internal readonly DeleteSet Ds;
    internal readonly Dictionary<ulong, uint> Sv;

    internal Snapshot(DeleteSet ds, Dictionary<ulong, uint> sv)
    {
        Ds = ds;
        Sv = sv;
    }

    public IReadOnlyDictionary<ulong, uint> StateVector => Sv;

    public static Snapshot Empty => new(new DeleteSet(), []);

    /// <summary>The current state of <paramref name="doc"/>.</summary>
    public static Snapshot Of(Doc doc) => new(DeleteSet.FromStructStore(doc.Store), doc.Store.GetStateVector());

    public static bool EqualSnapshots(Snapshot a, Snapshot b)
    {
        if (a.Sv.Count != b.Sv.Count || a.Ds.Clients.Count != b.Ds.Clients.Count) return false;
        foreach (var (client, clock) in a.Sv)
        {
            if (!b.Sv.TryGetValue(client, out var other) || other != clock) return false;
        }
        foreach (var (client, items) in a.Ds.Clients)
        {
            b.Ds.Clients.TryGetValue(client, out var others);
            others ??= [];
            if (items.Count != others.Count) return false;
            for (int i = 0; i < items.Count; i++)
            {
                if (items[i] != others[i]) return false;
            }
        }
        return true;
    }

    public byte[] Encode() => Encode(new DSEncoderV1());
    public byte[] EncodeV2() => Encode(new DSEncoderV2());

    private byte[] Encode(IDSEncoder encoder)
    {
        Ds.Write(encoder);
        UpdateWriter.WriteStateVector(encoder, Sv);
        return encoder.ToArray();
    }

    public static Snapshot Decode(ReadOnlySpan<byte> data) =>
        Codec.Guard(data, static reader =>
        {
            var decoder = new DSDecoderV1(reader);
            return new Snapshot(DeleteSet.Read(decoder), UpdateWriter.ReadStateVector(decoder));
        });

    public static Snapshot DecodeV2(ReadOnlySpan<byte> data) =>
        Codec.Guard(data, static reader =>
        {
            var decoder = new DSDecoderV2(reader);
            return new Snapshot(DeleteSet.Read(decoder), UpdateWriter.ReadStateVector(decoder));
        });

    /// <summary>Was <paramref name="item"/> visible in <paramref name="snapshot"/> (or now, when null)?</summary>
    internal static bool IsVisible(Item item, Snapshot? snapshot) =>
        snapshot is null
            ? !item.Deleted
            : snapshot.Sv.TryGetValue(item.Id.Client, out var clock) && clock > item.Id.Clock && !snapshot.Ds.IsDeleted(item.Id);

    /// <summary>Splits items at the snapshot's boundaries so that visibility is per item.</summary>
    internal static void SplitAffectedStructs(Transaction transaction, Snapshot snapshot)
    {
        var done = transaction.SplitSnapshots;
        if (!done.Add(snapshot)) return;
        var store = transaction.Doc.Store;
        foreach (var (client, clock) in snapshot.Sv)
        {
            if (clock < store.GetState(client)) store.GetItemCleanStart(transaction, new Id(client, clock));
        }
        YText.IterateDeletedStructs(transaction, snapshot.Ds, static _ => { });
    }

    /// <summary>A new document holding the content of <paramref name="originDoc"/> as of <paramref name="snapshot"/>. Needs Gc off.</summary>
    public static Doc CreateDocFromSnapshot(Doc originDoc, Snapshot snapshot, Doc? newDoc = null)
    {
        if (originDoc.Gc) throw new InvalidOperationException("Garbage collection must be disabled in the origin document.");
        newDoc ??= new Doc();
        var encoder = new UpdateEncoderV2();
        originDoc.Transact(transaction =>
        {
            int size = 0;
            foreach (var clock in snapshot.Sv.Values) if (clock > 0) size++;
            encoder.Rest.WriteVarUint((uint)size);
            foreach (var (client, clock) in snapshot.Sv)
            {
                if (clock == 0) continue;
                if (clock < originDoc.Store.GetState(client)) originDoc.Store.GetItemCleanStart(transaction, new Id(client, clock));
                var structs = originDoc.Store.Clients.GetValueOrDefault(client) ?? new StructList();
                int lastIndex = StructStore.FindIndex(structs, clock - 1);
                encoder.Rest.WriteVarUint((uint)(lastIndex + 1));
                encoder.WriteClient(client);
                encoder.Rest.WriteVarUint(0u);
                for (int i = 0; i <= lastIndex; i++) structs[i].Write(encoder, 0);
            }
            snapshot.Ds.Write(encoder);
        });
        newDoc.ApplyUpdateV2(encoder.ToArray(), "snapshot");
        return newDoc;
    }
}
