namespace Spotter.Collab.Crdt;

/// <summary>Writing documents and state vectors in the update format.</summary>
internal static class UpdateWriter
{
    private static void WriteStructs(IUpdateEncoder encoder, StructList structs, ulong client, uint clock)
    {
        clock = Math.Max(clock, structs[0].Id.Clock); // the first id must exist
        int start = StructStore.FindIndex(structs, clock);
        encoder.Rest.WriteVarUint((uint)(structs.Count - start));
        encoder.WriteClient(client);
        encoder.Rest.WriteVarUint(clock);
        var first = structs[start];
        first.Write(encoder, clock - first.Id.Clock);
        for (int i = start + 1; i < structs.Count; i++) structs[i].Write(encoder, 0);
    }

    /// <summary>Writes every struct the target (described by <paramref name="targetSv"/>) lacks, higher client ids first.</summary>
    internal static void WriteClientsStructs(IUpdateEncoder encoder, StructStore store, IReadOnlyDictionary<ulong, uint> targetSv)
    {
        var sm = new Dictionary<ulong, uint>();
        foreach (var (client, clock) in targetSv)
        {
            if (store.GetState(client) > clock) sm[client] = clock;
        }
        foreach (var client in store.Clients.Keys)
        {
            if (!targetSv.ContainsKey(client)) sm[client] = 0;
        }
        encoder.Rest.WriteVarUint((uint)sm.Count);
        foreach (var client in DeleteSet.SortedClientsDescending(sm.Keys))
        {
            WriteStructs(encoder, store.Clients[client], client, sm[client]);
        }
    }

    internal static void WriteStateVector(IDSEncoder encoder, IReadOnlyDictionary<ulong, uint> sv)
    {
        encoder.Rest.WriteVarUint((uint)sv.Count);
        foreach (var client in DeleteSet.SortedClientsDescending(sv.Keys))
        {
            encoder.Rest.WriteVarUint(client);
            encoder.Rest.WriteVarUint(sv[client]);
        }
    }

    internal static Dictionary<ulong, uint> ReadStateVector(IDSDecoder decoder)
    {
        var sv = new Dictionary<ulong, uint>();
        ulong count = decoder.Rest.ReadVarUint();
        for (ulong i = 0; i < count; i++)
        {
            ulong client = decoder.Rest.ReadVarUint();
            ulong clock = decoder.Rest.ReadVarUint();
            if (clock > uint.MaxValue) throw new CrdtFormatException("State vector clock exceeds the clock space.");
            sv[client] = (uint)clock;
        }
        return sv;
    }

    /// <summary>Decodes a V1 state vector; an empty span means the empty state vector.</summary>
    internal static Dictionary<ulong, uint> DecodeStateVector(ReadOnlySpan<byte> encoded)
    {
        if (encoded.IsEmpty) return [];
        return Codec.Guard(encoded, static reader => ReadStateVector(Codec.DsDecoderV1(reader)));
    }

    internal static byte[] EncodeStateAsUpdate(Doc doc, ReadOnlySpan<byte> encodedTargetSv, bool v2)
    {
        var targetSv = DecodeStateVector(encodedTargetSv);
        IUpdateEncoder encoder = v2 ? new UpdateEncoderV2() : new UpdateEncoderV1();
        WriteClientsStructs(encoder, doc.Store, targetSv);
        DeleteSet.FromStructStore(doc.Store).Write(encoder);
        var main = encoder.ToArray();
        var store = doc.Store;
        if (store.PendingDs is null && store.PendingStructs is null) return main;

        // Also carry what waits for missing dependencies, as yjs does.
        var updatesV2 = new List<byte[]>();
        if (store.PendingDs is not null) updatesV2.Add(store.PendingDs);
        if (store.PendingStructs is not null)
        {
            var svBytes = encodedTargetSv.IsEmpty ? [0] : encodedTargetSv.ToArray();
            updatesV2.Add(Updates.DiffV2(store.PendingStructs.Update, svBytes));
        }
        if (v2)
        {
            updatesV2.Insert(0, main);
            return Updates.MergeV2(updatesV2);
        }
        var v1 = new List<byte[]>(updatesV2.Count + 1) { main };
        foreach (var u in updatesV2) v1.Add(Updates.V2ToV1(u));
        return Updates.Merge(v1);
    }
}
