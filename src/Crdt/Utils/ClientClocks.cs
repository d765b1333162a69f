using System.Collections;
using System.Diagnostics.CodeAnalysis;

namespace Spotter.Collab.Crdt;

/// <summary>
/// An immutable state vector in two parallel arrays sorted by client. Every transaction takes two of these;
/// arrays are much cheaper to build than dictionaries, and lookups are a binary search.
/// </summary>
internal sealed class ClientClocks : IReadOnlyDictionary<ulong, uint>
{
    private readonly ulong[] _clients;
    private readonly uint[] _clocks;

    internal static readonly ClientClocks Empty = new([], []);

    internal ClientClocks(ulong[] clients, uint[] clocks)
    {
        _clients = clients;
        _clocks = clocks;
    }

    /// <summary>
    /// The store's state. When the store still has exactly <paramref name="previous"/>'s clients (the usual case
    /// after a transaction), its immutable client array is shared and no sorting is needed.
    /// </summary>
    internal static ClientClocks From(StructStore store, ClientClocks? previous)
    {
        if (previous is not null && previous._clients.Length == store.Clients.Count)
        {
            var prevClients = previous._clients;
            var sameClocks = new uint[prevClients.Length];
            int k = 0;
            for (; k < prevClients.Length; k++)
            {
                if (!store.Clients.TryGetValue(prevClients[k], out var structs)) break;
                var last = structs.Last;
                sameClocks[k] = last.Id.Clock + last.Length;
            }
            if (k == prevClients.Length) return new ClientClocks(prevClients, sameClocks);
        }
        return From(store);
    }

    internal static ClientClocks From(StructStore store)
    {
        int n = store.Clients.Count;
        var clients = new ulong[n];
        var clocks = new uint[n];
        int i = 0;
        foreach (var (client, structs) in store.Clients)
        {
            var last = structs.Last;
            clients[i] = client;
            clocks[i] = last.Id.Clock + last.Length;
            i++;
        }
        if (n > 1) Array.Sort(clients, clocks);
        return new ClientClocks(clients, clocks);
    }

    public uint this[ulong key] => TryGetValue(key, out var v) ? v : throw new KeyNotFoundException();
    public IEnumerable<ulong> Keys => _clients;
    public IEnumerable<uint> Values => _clocks;
    public int Count => _clients.Length;

    public bool ContainsKey(ulong key) => Array.BinarySearch(_clients, key) >= 0;

    public bool TryGetValue(ulong key, [MaybeNullWhen(false)] out uint value)
    {
        int i = _clients.Length == 1 ? (_clients[0] == key ? 0 : -1) : Array.BinarySearch(_clients, key);
        if (i >= 0)
        {
            value = _clocks[i];
            return true;
        }
        value = 0;
        return false;
    }

    internal uint GetOrZero(ulong key) => TryGetValue(key, out var v) ? v : 0;

    public IEnumerator<KeyValuePair<ulong, uint>> GetEnumerator()
    {
        for (int i = 0; i < _clients.Length; i++) yield return new(_clients[i], _clocks[i]);
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    internal int Length => _clients.Length;
    internal ulong ClientAt(int i) => _clients[i];
    internal uint ClockAt(int i) => _clocks[i];
}
