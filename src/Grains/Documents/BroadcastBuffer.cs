using Spotter.Collab.Crdt.Protocols;
using Spotter.Collab.Grains.Protocol;

namespace Spotter.Collab.Grains.Documents;

/// <summary>
/// What a document accepted during one broadcast tick, grouped by the connection it came from so each group can
/// skip its sender. Updates of one origin are merged into one; awareness keeps the newest entry per client id.
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
        var frames = new List<BroadcastFrame>(_updates.Count + _awareness.Count);
        foreach (var (origin, updates) in _updates)
        {
            frames.Add(new BroadcastFrame(origin.Length == 0 ? null : origin, Frames.Sync(SyncMessageType.Update, mergeUpdates(updates))));
        }
        foreach (var (origin, entries) in _awareness)
        {
            frames.Add(new BroadcastFrame(origin.Length == 0 ? null : origin, Frames.Awareness(AwarenessProtocol.EncodeEntries(entries.Values))));
        }
        _updates.Clear();
        _awareness.Clear();
        return frames;
    }
}
