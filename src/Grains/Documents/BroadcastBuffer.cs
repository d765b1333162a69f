using Spotter.Collab.Crdt.Protocols;
using Spotter.Collab.Grains.Protocol;

namespace Spotter.Collab.Grains.Documents;

/// <summary>
/// What a document accepted during one broadcast tick, grouped by the connection it came from. Draining yields at
/// most one update frame and one awareness frame per recipient, so fan-out costs one message per connection per
/// tick, not one per connection per sender.
/// Updates are merged ONCE per tick (a CRDT merge of k updates is superlinear in k, so per-sender "all but your
/// own" merges would cost O(k) merges): when several connections sent updates, every connection gets the same
/// merged frame, senders included, and a yjs client ignores the part it already has. A lone sender is skipped.
/// Awareness entries are cheap to re-encode, so each sender gets the others' entries without its own (echoing a
/// client's own awareness state back would overwrite its local state with the server-stamped one).
/// </summary>
internal sealed class BroadcastBuffer
{
    private const string NoOrigin = "";
    private readonly Dictionary<string, List<byte[]>> _updates = [];
    private readonly Dictionary<string, Dictionary<ulong, AwarenessProtocol.Entry>> _awareness = [];

    public bool IsEmpty => _updates.Count == 0 && _awareness.Count == 0;

    public void AddUpdate(string? origin, byte[] update)
    {
        var key = origin ?? NoOrigin;
        if (!_updates.TryGetValue(key, out var list)) _updates.Add(key, list = []);
        list.Add(update);
    }

    public void AddAwareness(string? origin, IEnumerable<AwarenessProtocol.Entry> entries)
    {
        var key = origin ?? NoOrigin;
        if (!_awareness.TryGetValue(key, out var byClient)) _awareness.Add(key, byClient = []);
        foreach (var entry in entries) byClient[entry.Client] = entry;
    }

    public List<BroadcastFrame> Drain(Func<IReadOnlyList<byte[]>, byte[]> mergeUpdates)
    {
        var frames = new List<BroadcastFrame>();
        if (_updates.Count > 0)
        {
            var merged = Frames.Sync(SyncMessageType.Update, mergeUpdates(_updates.Values.SelectMany(g => g).ToList()));
            var soleOrigin = _updates.Count == 1 && !_updates.ContainsKey(NoOrigin) ? _updates.Keys.First() : null;
            frames.Add(new BroadcastFrame(soleOrigin is null ? [] : [soleOrigin], merged));
        }
        DrainAwareness(frames);
        _updates.Clear();
        _awareness.Clear();
        return frames;
    }

    /// <summary>One awareness frame of everything for non-senders, then per sender one of the other senders' entries.</summary>
    private void DrainAwareness(List<BroadcastFrame> frames)
    {
        if (_awareness.Count == 0) return;
        var origins = _awareness.Keys.Where(key => key.Length > 0).ToArray();
        frames.Add(new BroadcastFrame(origins, Frames.Awareness(AwarenessProtocol.EncodeEntries(LatestPerClient(_awareness.Values)))));
        if (_awareness.Count == 1) return;
        foreach (var origin in origins)
        {
            var others = LatestPerClient(_awareness.Where(g => g.Key != origin).Select(g => g.Value));
            frames.Add(new BroadcastFrame([], Frames.Awareness(AwarenessProtocol.EncodeEntries(others)), origin));
        }
    }

    private static Dictionary<ulong, AwarenessProtocol.Entry>.ValueCollection LatestPerClient(IEnumerable<Dictionary<ulong, AwarenessProtocol.Entry>> groups)
    {
        var latest = new Dictionary<ulong, AwarenessProtocol.Entry>();
        foreach (var group in groups)
        {
            foreach (var (clientId, entry) in group) latest[clientId] = entry;
        }
        return latest.Values;
    }
}
