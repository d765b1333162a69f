using Spotter.Collab.Crdt.Protocols;
using Spotter.Collab.Grains.Protocol;

namespace Spotter.Collab.Grains.Documents;

/// <summary>
/// What a document accepted during one broadcast tick. Draining yields, in the normal case, one update frame and one
/// awareness frame, each sent to the whole SignalR group with one serialisation: fan-out costs one message per
/// connection per tick, not one per connection per sender, and the work per tick is linear in what arrived.
/// Updates are merged ONCE per tick (a CRDT merge of k updates is superlinear in k): every connection gets the same
/// merged frame, senders included, and a yjs client ignores the part it already has. A lone sender is skipped.
/// Awareness: the newest entry per client id. A sender's own entries come back to it in the shared frame only when
/// they are echo-safe (relayed with the clock it sent, which y-protocols ignores); a sender whose entry the server
/// re-clocked is left out of the shared frame and gets the others' entries in a frame of its own, so its local state
/// is never overwritten by the stamped copy.
/// </summary>
internal sealed class BroadcastBuffer
{
    private const string NoOrigin = "";
    private readonly Dictionary<string, List<byte[]>> _updates = [];
    private readonly Dictionary<ulong, (string Origin, RelayedAwareness Entry)> _awareness = [];
    private readonly HashSet<string> _awarenessOrigins = [];
    private readonly HashSet<string> _echoUnsafeOrigins = [];

    public bool IsEmpty => _updates.Count == 0 && _awareness.Count == 0;

    public void AddUpdate(string? origin, byte[] update)
    {
        var key = origin ?? NoOrigin;
        if (!_updates.TryGetValue(key, out var list)) _updates.Add(key, list = []);
        list.Add(update);
    }

    public void AddAwareness(string? origin, IEnumerable<RelayedAwareness> entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        var key = origin ?? NoOrigin;
        foreach (var entry in entries)
        {
            _awareness[entry.Client] = (key, entry);
            if (!entry.EchoSafe && key.Length > 0) _echoUnsafeOrigins.Add(key);
        }
        _awarenessOrigins.Add(key);
    }

    /// <summary>Everything queued, content first.</summary>
    public List<BroadcastFrame> Drain(Func<IReadOnlyList<byte[]>, byte[]> mergeUpdates)
    {
        var frames = DrainUpdates(mergeUpdates);
        frames.AddRange(DrainAwareness());
        return frames;
    }

    /// <summary>The merged update frame of everything queued (none if nothing was).</summary>
    public List<BroadcastFrame> DrainUpdates(Func<IReadOnlyList<byte[]>, byte[]> mergeUpdates)
    {
        ArgumentNullException.ThrowIfNull(mergeUpdates);
        var frames = new List<BroadcastFrame>(1);
        if (_updates.Count == 0) return frames;
        // One sender's updates (the usual case) are merged from its own list, without a copy.
        List<byte[]>? all = null;
        foreach (var group in _updates.Values)
        {
            if (all is null) all = _updates.Count == 1 ? group : [.. group];
            else all.AddRange(group);
        }
        var merged = Frames.Sync(SyncMessageType.Update, mergeUpdates(all!));
        frames.Add(new BroadcastFrame(SoleOrigin(_updates.Keys) is { } sole ? [sole] : [], merged));
        _updates.Clear();
        return frames;
    }

    /// <summary>The shared awareness frame, plus one of the others' entries for each sender left out of it.</summary>
    public List<BroadcastFrame> DrainAwareness()
    {
        var frames = new List<BroadcastFrame>(1);
        if (_awareness.Count == 0) return frames;
        var except = new List<string>(_echoUnsafeOrigins);
        if (SoleOrigin(_awarenessOrigins) is { } sole && !_echoUnsafeOrigins.Contains(sole)) except.Add(sole);
        var all = new List<RelayedAwareness>(_awareness.Count);
        foreach (var (_, entry) in _awareness.Values) all.Add(entry);
        frames.Add(new BroadcastFrame(except, Frames.Awareness(RelayedAwareness.Encode(all))));
        foreach (var origin in _echoUnsafeOrigins)
        {
            var others = new List<RelayedAwareness>(_awareness.Count);
            foreach (var (from, entry) in _awareness.Values)
            {
                if (from != origin) others.Add(entry);
            }
            if (others.Count > 0) frames.Add(new BroadcastFrame([], Frames.Awareness(RelayedAwareness.Encode(others)), origin));
        }
        _awareness.Clear();
        _awarenessOrigins.Clear();
        _echoUnsafeOrigins.Clear();
        return frames;
    }

    /// <summary>The one connection everything came from, if so (then it has nothing to learn from the frame).</summary>
    private static string? SoleOrigin(Dictionary<string, List<byte[]>>.KeyCollection origins)
    {
        if (origins.Count != 1) return null;
        foreach (var origin in origins) return origin.Length > 0 ? origin : null;
        return null;
    }

    private static string? SoleOrigin(HashSet<string> origins)
    {
        if (origins.Count != 1) return null;
        foreach (var origin in origins) return origin.Length > 0 ? origin : null;
        return null;
    }
}
