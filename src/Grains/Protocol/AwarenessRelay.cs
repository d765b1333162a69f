using System.Text;
using System.Text.Json.Nodes;
using Spotter.Collab.Crdt;
using Spotter.Collab.Crdt.Lib0;
using Spotter.Collab.Crdt.Protocols;

namespace Spotter.Collab.Grains.Protocol;

/// <summary>Identity the server stamps into every awareness state as its <c>user</c> field.</summary>
public sealed record AwarenessIdentity(string Id, string Name);

/// <summary>
/// One awareness entry as the server relays it: the state is already stamped and encoded as JSON text (UTF-8), so
/// fan-out copies bytes instead of re-serialising a JSON tree per frame. <see cref="EchoSafe"/>: the relayed clock is
/// the one the sender sent, so the sender's own y-protocols awareness ignores the entry when it comes back
/// (equal clock, non-null state) and it may go out in the frame every connection gets.
/// </summary>
public sealed record RelayedAwareness(ulong Client, ulong Clock, byte[] StateJson, bool EchoSafe)
{
    /// <summary>The JSON text of a removed state.</summary>
    internal static readonly byte[] NullState = "null"u8.ToArray();

    public static RelayedAwareness Removal(ulong client, ulong clock) => new(client, clock, NullState, true);

    /// <summary>An awareness update (y-protocols encoding) of the given entries.</summary>
    public static byte[] Encode(IReadOnlyCollection<RelayedAwareness> entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        using var writer = new Lib0Writer();
        writer.WriteVarUint((ulong)entries.Count);
        foreach (var entry in entries)
        {
            writer.WriteVarUint(entry.Client);
            writer.WriteVarUint(entry.Clock);
            // A lib0 var string is its UTF-8 length followed by the bytes.
            writer.WriteVarUint8Array(entry.StateJson);
        }
        return writer.ToArray();
    }
}

public enum AwarenessOutcome
{
    Accepted,
    RateLimited,
    /// <summary>A state exceeds <see cref="AwarenessRelayOptions.MaxStateBytes"/>; nothing was applied.</summary>
    TooLarge,
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
    public AwarenessOutcome Apply(string connectionId, AwarenessIdentity identity, ReadOnlyMemory<byte> update, out List<RelayedAwareness> accepted)
    {
        accepted = [];
        // An update holding more than any connection may relay is refused before its JSON is parsed.
        if (update.Length > (long)options.MaxStateBytes * options.MaxClientIdsPerConnection + 64) return AwarenessOutcome.TooLarge;
        // Decode and stamp first: a malformed or oversized update throws CrdtFormatException or is refused, and
        // changes nothing, not even the rate budget.
        var reader = new Lib0Reader(update);
        var entries = AwarenessProtocol.DecodeUpdate(reader);
        if (reader.HasContent) throw new CrdtFormatException("Trailing bytes after awareness update.");
        var stamped = entries.ConvertAll(entry => (entry.Client, entry.Clock, State: StampIdentity(entry.State, identity)));
        if (stamped.Exists(entry => entry.State?.Length > options.MaxStateBytes)) return AwarenessOutcome.TooLarge;
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
            accepted.Add(new RelayedAwareness(entry.Client, client.Clock, entry.State ?? RelayedAwareness.NullState, client.Clock == entry.Clock));
        }
        return AwarenessOutcome.Accepted;
    }

    /// <summary>Removes every state the connection owns; returns the removal entries (null state, clock + 1) to relay.</summary>
    public List<RelayedAwareness> RemoveConnection(string connectionId)
    {
        _buckets.Remove(connectionId);
        var removed = new List<RelayedAwareness>();
        foreach (var (clientId, client) in _clients)
        {
            if (client.Owner != connectionId) continue;
            client.Owner = null;
            client.Clock++;
            client.State = null;
            removed.Add(RelayedAwareness.Removal(clientId, client.Clock));
        }
        return removed;
    }

    /// <summary>Every live state except those owned by <paramref name="requester"/>, as an awareness update; null if none.</summary>
    public byte[]? EncodeStates(string? requester)
    {
        var entries = new List<RelayedAwareness>();
        foreach (var (clientId, client) in _clients)
        {
            if (client.State is null || client.Owner == requester) continue;
            entries.Add(new RelayedAwareness(clientId, client.Clock, client.State, true));
        }
        return entries.Count == 0 ? null : RelayedAwareness.Encode(entries);
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

    /// <summary>Overwrites the state's <c>user</c> field and encodes the result as JSON text the way JavaScript's
    /// JSON.stringify would; a removal (null) stays "null", any non-object is malformed.</summary>
    private static byte[]? StampIdentity(JsonNode? state, AwarenessIdentity identity)
    {
        if (state is null) return null;
        if (state is not JsonObject stamped) throw new CrdtFormatException("Awareness state must be a JSON object or null.");
        stamped["user"] = new JsonObject { ["id"] = identity.Id, ["name"] = identity.Name };
        return Encoding.UTF8.GetBytes(JsJson.Stringify(stamped));
    }

    private sealed class ClientState
    {
        public string? Owner { get; set; }
        public ulong Clock { get; set; }
        /// <summary>The last relayed (stamped) state as JSON text; null once removed.</summary>
        public byte[]? State { get; set; }
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
