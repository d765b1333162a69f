using System.Text.Json.Nodes;
using Spotter.Collab.Crdt.Lib0;

namespace Spotter.Collab.Crdt.Protocols;

/// <summary>
/// y-protocols 1.0.7 awareness messages: a varuint count, then per client its id (varuint), clock (varuint)
/// and state as JSON text (varstring, "null" for an absent state).
/// </summary>
public static class AwarenessProtocol
{
    /// <summary>One decoded awareness entry.</summary>
    public readonly record struct Entry(ulong Client, ulong Clock, JsonNode? State);

    /// <summary>
    /// Encodes the given clients' states and clocks. <paramref name="states"/> overrides the awareness's states
    /// (a client missing from it is written as null); every client must have meta (have been seen).
    /// </summary>
    public static byte[] EncodeUpdate(Awareness awareness, IReadOnlyList<ulong> clients, IReadOnlyDictionary<ulong, JsonNode?>? states = null)
    {
        ArgumentNullException.ThrowIfNull(awareness);
        ArgumentNullException.ThrowIfNull(clients);
        using var writer = new Lib0Writer();
        writer.WriteVarUint((ulong)clients.Count);
        foreach (var client in clients)
        {
            if (!awareness.TryGetEntry(client, out var meta, out var state))
            {
                throw new ArgumentException($"Awareness has no clock for client {client}.", nameof(clients));
            }
            if (states is not null)
            {
                state = states.GetValueOrDefault(client);
            }
            WriteEntry(writer, client, meta.Clock, state);
        }
        return writer.ToArray();
    }

    private static void WriteEntry(Lib0Writer writer, ulong client, ulong clock, JsonNode? state)
    {
        writer.WriteVarUint(client);
        writer.WriteVarUint(clock);
        // y-protocols writes `states.get(id) || null`: falsy states travel as null.
        writer.WriteVarString(JsJson.Stringify(JsonDeepEquality.IsFalsy(state) ? null : state));
    }

    /// <summary>Decodes an awareness update completely (throws <see cref="CrdtFormatException"/> on malformed input).</summary>
    public static List<Entry> DecodeUpdate(ReadOnlySpan<byte> update)
    {
        var reader = Lib0Reader.FromSpan(update);
        // Each entry takes at least three bytes (client, clock, empty string), which bounds the count.
        int count = reader.ReadLength(3);
        var entries = new List<Entry>(count);
        for (int i = 0; i < count; i++)
        {
            ulong client = reader.ReadVarUint();
            ulong clock = reader.ReadVarUint();
            var state = JsJson.ParseNode(reader.ReadVarString());
            entries.Add(new Entry(client, clock, state));
        }
        return entries;
    }

    /// <summary>
    /// Applies an update: an entry is accepted when its clock is newer than the known one, or equal with a null
    /// state while a state is present; a null state removes the client (except the local one, whose clock is
    /// bumped instead). The whole update is decoded first, so malformed input changes nothing.
    /// </summary>
    public static void ApplyUpdate(Awareness awareness, ReadOnlySpan<byte> update, object? origin)
    {
        ArgumentNullException.ThrowIfNull(awareness);
        var entries = DecodeUpdate(update);
        awareness.ApplyEntries(entries, origin);
    }

    /// <summary>Re-encodes an update with every state passed through <paramref name="modify"/> (y-protocols modifyAwarenessUpdate).</summary>
    public static byte[] ModifyUpdate(ReadOnlySpan<byte> update, Func<JsonNode?, JsonNode?> modify)
    {
        ArgumentNullException.ThrowIfNull(modify);
        var entries = DecodeUpdate(update);
        using var writer = new Lib0Writer();
        writer.WriteVarUint((ulong)entries.Count);
        foreach (var (client, clock, state) in entries)
        {
            writer.WriteVarUint(client);
            writer.WriteVarUint(clock);
            writer.WriteVarString(JsJson.Stringify(modify(state)));
        }
        return writer.ToArray();
    }

    /// <summary>Removes the clients' states, as y-protocols removeAwarenessStates does.</summary>
    public static void RemoveStates(Awareness awareness, IEnumerable<ulong> clients, object? origin)
    {
        ArgumentNullException.ThrowIfNull(awareness);
        awareness.RemoveStates(clients, origin);
    }
}
