namespace Spotter.Collab.Crdt;

/// <summary>A deleted clock range.</summary>
public readonly record struct DeleteItem(uint Clock, uint Len);

/// <summary>Deleted clock ranges per client. Sorted and merged after <see cref="SortAndMerge"/>.</summary>
public sealed class DeleteSet
{
    // Allocated on first use: most transactions and most received updates delete nothing.
    private Dictionary<ulong, List<DeleteItem>>? _clients;
    internal Dictionary<ulong, List<DeleteItem>> Clients => _clients ??= [];

    public bool IsEmpty => _clients is null || _clients.Count == 0;

    // The list Add used last: loading a state adds one range per deleted item, nearly always of one client.
    // Entries are never replaced or removed once Add has created them, so the cached list stays the client's.
    private ulong _addClient;
    private List<DeleteItem>? _addList;

    internal void Add(ulong client, uint clock, uint length)
    {
        var list = _addList;
        if (list is null || _addClient != client)
        {
            if (!Clients.TryGetValue(client, out list))
            {
                list = [];
                Clients[client] = list;
            }
            _addClient = client;
            _addList = list;
        }
        list.Add(new DeleteItem(clock, length));
    }

    internal static int? FindIndex(List<DeleteItem> dis, uint clock)
    {
        int left = 0, right = dis.Count - 1;
        while (left <= right)
        {
            int midIndex = (left + right) / 2;
            var mid = dis[midIndex];
            if (mid.Clock <= clock)
            {
                if (clock < mid.Clock + mid.Len) return midIndex;
                left = midIndex + 1;
            }
            else
            {
                right = midIndex - 1;
            }
        }
        return null;
    }

    internal bool IsDeleted(Id id) => Clients.TryGetValue(id.Client, out var dis) && FindIndex(dis, id.Clock) is not null;

    private static readonly Comparison<DeleteItem> ByClock = (a, b) => a.Clock.CompareTo(b.Clock);

    private static bool IsSorted(List<DeleteItem> dels)
    {
        // Decoded and transaction delete sets are almost always in order already.
        for (int i = 1; i < dels.Count; i++)
        {
            if (dels[i - 1].Clock > dels[i].Clock) return false;
        }
        return true;
    }

    internal void SortAndMerge()
    {
        if (_clients is null) return;
        foreach (var (_, dels) in _clients)
        {
            if (dels.Count > 1 && !IsSorted(dels)) dels.Sort(ByClock);
            int j = 1;
            for (int i = 1; i < dels.Count; i++)
            {
                var left = dels[j - 1];
                var right = dels[i];
                if (left.Clock + left.Len >= right.Clock)
                {
                    dels[j - 1] = new DeleteItem(left.Clock, Math.Max(left.Len, right.Clock + right.Len - left.Clock));
                }
                else
                {
                    if (j < i) dels[j] = right;
                    j++;
                }
            }
            if (j < dels.Count) dels.RemoveRange(j, dels.Count - j);
        }
    }

    internal static DeleteSet Merge(IReadOnlyList<DeleteSet> dss)
    {
        var merged = new DeleteSet();
        for (int k = 0; k < dss.Count; k++)
        {
            foreach (var (client, dels) in dss[k].Clients)
            {
                if (merged.Clients.ContainsKey(client)) continue;
                var all = new List<DeleteItem>(dels);
                for (int i = k + 1; i < dss.Count; i++)
                {
                    if (dss[i].Clients.TryGetValue(client, out var more)) all.AddRange(more);
                }
                merged.Clients[client] = all;
            }
        }
        merged.SortAndMerge();
        return merged;
    }

    internal static DeleteSet FromStructStore(StructStore store)
    {
        var ds = new DeleteSet();
        foreach (var (client, structs) in store.Clients)
        {
            List<DeleteItem>? items = null;
            for (int i = 0; i < structs.Count; i++)
            {
                var s = structs[i];
                if (!s.Deleted) continue;
                uint clock = s.Id.Clock;
                uint len = s.Length;
                while (i + 1 < structs.Count && structs[i + 1].Deleted)
                {
                    len += structs[++i].Length;
                }
                (items ??= []).Add(new DeleteItem(clock, len));
            }
            if (items is not null) ds.Clients[client] = items;
        }
        return ds;
    }

    /// <summary>Writes clients in descending order, as yjs does.</summary>
    internal void Write(IDSEncoder encoder)
    {
        if (IsEmpty)
        {
            encoder.Rest.WriteVarUint(0u);
            return;
        }
        encoder.Rest.WriteVarUint((uint)Clients.Count);
        foreach (var client in SortedClientsDescending(Clients.Keys))
        {
            var items = Clients[client];
            encoder.ResetDsCurVal();
            encoder.Rest.WriteVarUint(client);
            encoder.Rest.WriteVarUint((uint)items.Count);
            foreach (var item in items)
            {
                encoder.WriteDsClock(item.Clock);
                encoder.WriteDsLen(item.Len);
            }
        }
    }

    internal static ulong[] SortedClientsDescending(IEnumerable<ulong> clients)
    {
        var arr = clients.ToArray();
        Array.Sort(arr);
        Array.Reverse(arr);
        return arr;
    }

    /// <summary>Reads a delete set, validating clock arithmetic; the result is sorted and merged.</summary>
    internal static DeleteSet Read(IDSDecoder decoder)
    {
        var ds = new DeleteSet();
        ulong numClients = decoder.Rest.ReadVarUint();
        for (ulong i = 0; i < numClients; i++)
        {
            decoder.ResetDsCurVal();
            ulong client = decoder.Rest.ReadVarUint();
            ulong count = decoder.Rest.ReadVarUint();
            if (count > (ulong)decoder.Rest.Remaining + 1) throw new CrdtFormatException("Delete set length exceeds the input.");
            if (count == 0) continue;
            if (!ds.Clients.TryGetValue(client, out var list))
            {
                list = new List<DeleteItem>((int)count);
                ds.Clients[client] = list;
            }
            for (ulong k = 0; k < count; k++)
            {
                uint clock = decoder.ReadDsClock();
                uint len = decoder.ReadDsLen();
                // yjs never writes an empty range (V2 cannot even express one); accepting it would leave a
                // range that no encoder can write back when the delete set is re-encoded or kept pending.
                if (len == 0) throw new CrdtFormatException("Delete range of length 0.");
                if ((ulong)clock + len > uint.MaxValue) throw new CrdtFormatException("Delete range exceeds the clock space.");
                list.Add(new DeleteItem(clock, len));
            }
        }
        // Well-formed updates are already sorted and merged; this keeps malformed ones encodable.
        ds.SortAndMerge();
        return ds;
    }

    internal bool EqualTo(DeleteSet other)
    {
        if (Clients.Count != other.Clients.Count) return false;
        foreach (var (client, a) in Clients)
        {
            if (!other.Clients.TryGetValue(client, out var b) || a.Count != b.Count) return false;
            for (int i = 0; i < a.Count; i++)
            {
                if (a[i] != b[i]) return false;
            }
        }
        return true;
    }
}
