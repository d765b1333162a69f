using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

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
/// per-connection rate limit. The server is the clock authority for what it relays: each relayed entry gets a clock
/// above the one relayed before, so a reconnecting client is never ignored because of an old removal.
/// </summary>
public sealed class AwarenessRelay(AwarenessRelayOptions options, TimeProvider timeProvider)
{
    private static readonly JsonSerializerOptions RelaxedJson = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
    private readonly Dictionary<ulong, ClientState> _clients = [];
    private readonly Dictionary<string, TokenBucket> _buckets = [];

    public int Count => _clients.Count(c => c.Value.Owner is not null);

    /// <summary>
    /// Applies an awareness update from <paramref name="connectionId"/>. Entries for client ids owned by another
    /// connection are dropped silently; the rest are stamped with <paramref name="identity"/> and returned in
    /// <paramref name="accepted"/> for relaying.
    /// </summary>
    public AwarenessOutcome Apply(string connectionId, AwarenessIdentity identity, ReadOnlySpan<byte> update, out List<AwarenessEntry> accepted)
    {
        // Decode first: a malformed update throws and changes nothing, not even the rate budget.
        var entries = AwarenessCodec.Decode(update);
        accepted = [];
        if (!Bucket(connectionId).TryTake(timeProvider.GetTimestamp(), timeProvider.TimestampFrequency, options))
        {
            return AwarenessOutcome.RateLimited;
        }
        var rewritten = new List<(AwarenessEntry Entry, string? State)>(entries.Count);
        foreach (var entry in entries) rewritten.Add((entry, entry.IsRemoval ? null : StampIdentity(entry.StateJson, identity)));

        foreach (var (entry, state) in rewritten)
        {
            if (_clients.TryGetValue(entry.ClientId, out var client))
            {
                if (client.Owner is not null && client.Owner != connectionId) continue;
            }
            else
            {
                if (OwnedBy(connectionId) >= options.MaxClientIdsPerConnection) continue;
                client = new ClientState();
                _clients.Add(entry.ClientId, client);
            }
            client.Owner = connectionId;
            client.Clock = Math.Max(entry.Clock, client.Clock + 1);
            client.StateJson = state;
            accepted.Add(new AwarenessEntry(entry.ClientId, client.Clock, state ?? "null"));
        }
        return AwarenessOutcome.Accepted;
    }

    /// <summary>Removes every state the connection owns; returns the removal entries (null state, clock + 1) to relay.</summary>
    public List<AwarenessEntry> RemoveConnection(string connectionId)
    {
        _buckets.Remove(connectionId);
        var removed = new List<AwarenessEntry>();
        foreach (var (clientId, client) in _clients)
        {
            if (client.Owner != connectionId) continue;
            client.Owner = null;
            client.Clock++;
            client.StateJson = null;
            removed.Add(new AwarenessEntry(clientId, client.Clock, "null"));
        }
        return removed;
    }

    /// <summary>Every live state except those owned by <paramref name="requester"/>, as an awareness update; null if none.</summary>
    public byte[]? EncodeStates(string? requester)
    {
        var entries = new List<AwarenessEntry>();
        foreach (var (clientId, client) in _clients)
        {
            if (client.StateJson is null || client.Owner == requester) continue;
            entries.Add(new AwarenessEntry(clientId, client.Clock, client.StateJson));
        }
        return entries.Count == 0 ? null : AwarenessCodec.Encode(entries);
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

    private static string StampIdentity(string stateJson, AwarenessIdentity identity)
    {
        JsonNode? node;
        try
        {
            node = JsonNode.Parse(stateJson);
        }
        catch (JsonException ex)
        {
            throw new FrameFormatException("awareness state is not valid JSON", ex);
        }
        if (node is not JsonObject state) throw new FrameFormatException("awareness state must be a JSON object or null");
        state["user"] = new JsonObject { ["id"] = identity.Id, ["name"] = identity.Name };
        return state.ToJsonString(RelaxedJson);
    }

    private sealed class ClientState
    {
        public string? Owner { get; set; }
        public ulong Clock { get; set; }
        public string? StateJson { get; set; }
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
