using System.Text.Json.Nodes;
using Spotter.Collab.Crdt;
using Spotter.Collab.Crdt.Lib0;
using Spotter.Collab.Crdt.Protocols;

namespace Spotter.Collab.Grains.Protocol;

/// <summary>Identity the server stamps into every awareness state as its <c>user</c> field.</summary>
public sealed record AwarenessIdentity(string Id, string Name);

public sealed class AwarenessRelayOptions
{
    /// <summary>Sustained awareness frames per second per connection.</summary>
    public double FramesPerSecond { get; set; } = 20;

    /// <summary>Frames a connection may send in a burst before the rate applies.</summary>
    public int Burst { get; set; } = 40;

    /// <summary>Awareness client ids one connection may own on one document.</summary>
    public int MaxClientIdsPerConnection { get; set; } = 8;
}

public enum AwarenessOutcome
{
    Accepted,
    RateLimited,
}

/// <summary>
/// Server side of awareness for one document: who owns which client id, the last state relayed for each, and a
/// per-connection rate limit; the wire format is the engine's <see cref="AwarenessProtocol"/>. The server is the clock
/// authority for what it relays: each relayed entry gets a clock above the one relayed before, so a reconnecting
/// client is never ignored because of an old removal.
/// </summary>
public sealed class AwarenessRelay(AwarenessRelayOptions options, TimeProvider timeProvider)
{
    private readonly Dictionary<ulong, ClientState> _clients = [];
    private readonly Dictionary<string, TokenBucket> _buckets = [];

    public int Count => _clients.Count(c => c.Value.Owner is not null);

    /// <summary>
    /// Applies an awareness update from <paramref name="connectionId"/>. Entries for client ids owned by another
    /// connection are dropped silently; the rest are stamped with <paramref name="identity"/> and returned in
    /// <paramref name="accepted"/> for relaying.
    /// </summary>
    public AwarenessOutcome Apply(string connectionId, AwarenessIdentity identity, ReadOnlyMemory<byte> update, out List<AwarenessProtocol.Entry> accepted)
    {
        // Decode and stamp first: a malformed update throws CrdtFormatException and changes nothing, not even the
        // rate budget.
        var reader = new Lib0Reader(update);
        var entries = AwarenessProtocol.DecodeUpdate(reader);
        if (reader.HasContent) throw new CrdtFormatException("Trailing bytes after awareness update.");
        var stamped = entries.ConvertAll(entry => entry with { State = StampIdentity(entry.State, identity) });
        accepted = [];
        if (!Bucket(connectionId).TryTake(timeProvider.GetTimestamp(), timeProvider.TimestampFrequency, options))
        {
            return AwarenessOutcome.RateLimited;
        }

        foreach (var entry in stamped)
        {
            if (_clients.TryGetValue(entry.Client, out var client))
            {
                if (client.Owner is not null && client.Owner != connectionId) continue;
            }
            else
            {
                if (OwnedBy(connectionId) >= options.MaxClientIdsPerConnection) continue;
                client = new ClientState();
                _clients.Add(entry.Client, client);
            }
            client.Owner = connectionId;
            client.Clock = Math.Max(entry.Clock, client.Clock + 1);
            client.State = entry.State;
            accepted.Add(entry with { Clock = client.Clock });
        }
        return AwarenessOutcome.Accepted;
    }

    /// <summary>Removes every state the connection owns; returns the removal entries (null state, clock + 1) to relay.</summary>
    public List<AwarenessProtocol.Entry> RemoveConnection(string connectionId)
    {
        _buckets.Remove(connectionId);
        var removed = new List<AwarenessProtocol.Entry>();
        foreach (var (clientId, client) in _clients)
        {
            if (client.Owner != connectionId) continue;
            client.Owner = null;
            client.Clock++;
            client.State = null;
            removed.Add(new AwarenessProtocol.Entry(clientId, client.Clock, null));
        }
        return removed;
    }

    /// <summary>Every live state except those owned by <paramref name="requester"/>, as an awareness update; null if none.</summary>
    public byte[]? EncodeStates(string? requester)
    {
        var entries = new List<AwarenessProtocol.Entry>();
        foreach (var (clientId, client) in _clients)
        {
            if (client.State is null || client.Owner == requester) continue;
            entries.Add(new AwarenessProtocol.Entry(clientId, client.Clock, client.State));
        }
        return entries.Count == 0 ? null : AwarenessProtocol.EncodeEntries(entries);
    }

    private int OwnedBy(string connectionId) => _clients.Values.Count(c => c.Owner == connectionId);

    private TokenBucket Bucket(string connectionId)
    {
        if (!_buckets.TryGetValue(connectionId, out var bucket))
        {
            bucket = new TokenBucket(options.Burst, timeProvider.GetTimestamp());
            _buckets.Add(connectionId, bucket);
        }
        return bucket;
    }

    /// <summary>Overwrites the state's <c>user</c> field; a removal (null) stays null, any non-object is malformed.</summary>
    private static JsonObject? StampIdentity(JsonNode? state, AwarenessIdentity identity)
    {
        if (state is null) return null;
        if (state is not JsonObject stamped) throw new CrdtFormatException("Awareness state must be a JSON object or null.");
        stamped["user"] = new JsonObject { ["id"] = identity.Id, ["name"] = identity.Name };
        return stamped;
    }

    private sealed class ClientState
    {
        public string? Owner { get; set; }
        public ulong Clock { get; set; }
        /// <summary>The last relayed (stamped) state; null once removed. Never mutated after stamping.</summary>
        public JsonNode? State { get; set; }
    }

    private sealed class TokenBucket(double tokens, long timestamp)
    {
        private double _tokens = tokens;
        private long _timestamp = timestamp;

        public bool TryTake(long now, long frequency, AwarenessRelayOptions options)
        {
            _tokens = Math.Min(options.Burst, _tokens + (now - _timestamp) * options.FramesPerSecond / frequency);
            _timestamp = now;
            if (_tokens < 1) return false;
            _tokens -= 1;
            return true;
        }
    }
}
