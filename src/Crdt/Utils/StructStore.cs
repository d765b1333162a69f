namespace Spotter.Collab.Crdt;

/// <summary>All structs of a document, per client, sorted by clock and without gaps.</summary>
public sealed class StructStore
{
    internal readonly Dictionary<ulong, StructList> Clients = [];
    /// <summary>Structs that wait for missing dependencies, as a V2 update, and the lowest missing clock per client.</summary>
    internal PendingUpdate? PendingStructs;
    /// <summary>Deletions of ranges not yet known, as a V2 update.</summary>
    internal byte[]? PendingDs;

    internal sealed class PendingUpdate(Dictionary<ulong, uint> missing, byte[] update)
    {
        internal readonly Dictionary<ulong, uint> Missing = missing;
        internal byte[] Update = update;
    }

    internal Dictionary<ulong, uint> GetStateVector()
    {
        var sv = new Dictionary<ulong, uint>(Clients.Count);
        foreach (var (client, structs) in Clients)
        {
            var last = structs.Last;
            sv[client] = last.Id.Clock + last.Length;
        }
        return sv;
    }

    // The list of the client looked up last: integration asks for the same client several times per struct
    // (state, origin, right origin, adding), and a dictionary lookup costs more than the rest of such a step.
    // Clients entries are only ever added (SetClient, AddStruct), never replaced behind the cache's back.
    private ulong _lastClient;
    private StructList? _lastStructs;

    internal bool TryGetStructs(ulong client, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out StructList? structs)
    {
        if (_lastStructs is not null && _lastClient == client)
        {
            structs = _lastStructs;
            return true;
        }
        if (!Clients.TryGetValue(client, out structs)) return false;
        _lastClient = client;
        _lastStructs = structs;
        return true;
    }

    private StructList StructsOf(ulong client) =>
        TryGetStructs(client, out var structs) ? structs : throw new KeyNotFoundException($"No structs of client {client}.");

    internal void SetClient(ulong client, StructList structs)
    {
        Clients[client] = structs;
        _lastClient = client;
        _lastStructs = structs;
    }

    internal uint GetState(ulong client)
    {
        if (!TryGetStructs(client, out var structs)) return 0;
        var last = structs.Last;
        return last.Id.Clock + last.Length;
    }

    internal void AddStruct(AbstractStruct s)
    {
        if (!TryGetStructs(s.Id.Client, out var structs))
        {
            structs = new StructList();
            SetClient(s.Id.Client, structs);
        }
        else
        {
            var last = structs.Last;
            if (last.Id.Clock + last.Length != s.Id.Clock)
                throw new InvalidOperationException("Structs must be added without clock gaps.");
        }
        structs.Add(s);
    }

    /// <summary>Index of the struct containing <paramref name="clock"/>.</summary>
    internal static int FindIndex(StructList structs, uint clock)
    {
        int index = structs.FindIndex(clock);
        if (index < 0) throw new InvalidOperationException($"No struct holds clock {clock}.");
        return index;
    }

    internal AbstractStruct Find(Id id) => Find(id.Client, id.Clock);

    internal AbstractStruct Find(ulong client, uint clock)
    {
        var structs = StructsOf(client);
        return structs[FindIndex(structs, clock)];
    }

    internal static int FindIndexCleanStart(Transaction transaction, StructList structs, uint clock)
    {
        int index = FindIndex(structs, clock);
        var s = structs[index];
        if (s.Id.Clock < clock && s is Item item)
        {
            structs.Insert(index + 1, Item.Split(transaction, item, clock - item.Id.Clock));
            return index + 1;
        }
        return index;
    }

    /// <summary>The struct that starts exactly at <paramref name="id"/>, splitting an item if needed.</summary>
    internal AbstractStruct GetItemCleanStart(Transaction transaction, Id id)
    {
        var structs = StructsOf(id.Client);
        return structs[FindIndexCleanStart(transaction, structs, id.Clock)];
    }

    /// <summary>The struct that ends exactly at <paramref name="id"/>, splitting an item if needed.</summary>
    internal AbstractStruct GetItemCleanEnd(Transaction transaction, Id id)
    {
        var structs = StructsOf(id.Client);
        int index = FindIndex(structs, id.Clock);
        var s = structs[index];
        if (id.Clock != s.Id.Clock + s.Length - 1 && s is Item item)
        {
            structs.Insert(index + 1, Item.Split(transaction, item, id.Clock - item.Id.Clock + 1));
        }
        return s;
    }

    internal void ReplaceStruct(AbstractStruct old, AbstractStruct replacement)
    {
        var structs = Clients[old.Id.Client];
        structs[FindIndex(structs, old.Id.Clock)] = replacement;
    }

    /// <summary>Calls <paramref name="f"/> for every struct in [clockStart, clockStart+len), splitting at both ends.</summary>
    internal static void IterateStructs(Transaction transaction, StructList structs, uint clockStart, uint len, Action<AbstractStruct> f)
    {
        if (len == 0) return;
        uint clockEnd = clockStart + len;
        int index = FindIndexCleanStart(transaction, structs, clockStart);
        AbstractStruct s;
        do
        {
            s = structs[index++];
            if (clockEnd < s.Id.Clock + s.Length)
            {
                FindIndexCleanStart(transaction, structs, clockEnd);
            }
            f(s);
        } while (index < structs.Count && structs[index].Id.Clock < clockEnd);
    }
}
