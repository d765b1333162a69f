using Spotter.Collab.Grains.Protocol;

namespace Spotter.Collab.Grains.Documents;

/// <summary>
/// What a document accepted during one broadcast tick, grouped by the connection it came from. Draining yields at
/// most one update frame and one awareness frame per recipient: everything merged for the connections that sent
/// nothing, and for each sender everything except its own contribution. Fan-out cost per tick is thus one message
/// per connection, not one per connection per sender.
/// </summary>
internal sealed class BroadcastBuffer
{
    private const string NoOrigin = "";
    private readonly Dictionary<string, List<byte[]>> _updates = [];
    private readonly Dictionary<string, Dictionary<ulong, AwarenessEntry>> _awareness = [];

    public bool IsEmpty => _updates.Count == 0 && _awareness.Count == 0;

    public void AddUpdate(string? origin, byte[] update)
    {
        var key = origin ?? NoOrigin;
        if (!_updates.TryGetValue(key, out var list)) _updates.Add(key, list = []);
        list.Add(update);
    }

    public void AddAwareness(string? origin, IEnumerable<AwarenessEntry> entries)
    {
        var key = origin ?? NoOrigin;
        if (!_awareness.TryGetValue(key, out var byClient)) _awareness.Add(key, byClient = []);
        foreach (var entry in entries) byClient[entry.ClientId] = entry;
    }

    public List<BroadcastFrame> Drain(Func<IReadOnlyList<byte[]>, byte[]> mergeUpdates)
    {
        var frames = new List<BroadcastFrame>();
        DrainGroups(_updates, frames, groups => Frames.Sync(SyncMessageType.Update, mergeUpdates(groups.SelectMany(g => g).ToList())));
        DrainGroups(_awareness, frames, groups => Frames.Awareness(AwarenessCodec.Encode(LatestPerClient(groups))));
        _updates.Clear();
        _awareness.Clear();
        return frames;
    }

    /// <summary>One frame of everything for non-senders, then per sender one frame of the other senders' parts.</summary>
    private static void DrainGroups<T>(Dictionary<string, T> byOrigin, List<BroadcastFrame> frames, Func<IEnumerable<T>, byte[]> encode)
    {
        if (byOrigin.Count == 0) return;
        var origins = byOrigin.Keys.Where(key => key.Length > 0).ToArray();
        frames.Add(new BroadcastFrame(origins, encode(byOrigin.Values)));
        if (byOrigin.Count == 1) return;
        foreach (var origin in origins)
        {
            frames.Add(new BroadcastFrame([], encode(byOrigin.Where(g => g.Key != origin).Select(g => g.Value)), origin));
        }
    }

    private static Dictionary<ulong, AwarenessEntry>.ValueCollection LatestPerClient(IEnumerable<Dictionary<ulong, AwarenessEntry>> groups)
    {
        var latest = new Dictionary<ulong, AwarenessEntry>();
        foreach (var group in groups)
        {
            foreach (var (clientId, entry) in group) latest[clientId] = entry;
        }
        return latest.Values;
    }
}
