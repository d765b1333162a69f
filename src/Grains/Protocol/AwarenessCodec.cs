namespace Spotter.Collab.Grains.Protocol;

/// <summary>One entry of a y-protocols awareness update; <see cref="StateJson"/> is "null" for a removed state.</summary>
public readonly record struct AwarenessEntry(ulong ClientId, ulong Clock, string StateJson)
{
    public bool IsRemoval => StateJson == "null";
}

/// <summary>
/// y-protocols awareness update encoding: varuint count, then per entry varuint clientID, varuint clock and the
/// state as a JSON varstring.
/// </summary>
public static class AwarenessCodec
{
    public static List<AwarenessEntry> Decode(ReadOnlySpan<byte> update)
    {
        var reader = new WireReader(update);
        var count = reader.ReadVarUInt();
        // Each entry takes at least 3 bytes, which bounds the count before anything is allocated.
        if (count > (ulong)update.Length / 3) throw new FrameFormatException("awareness entry count exceeds the update length");
        var entries = new List<AwarenessEntry>((int)count);
        for (ulong i = 0; i < count; i++)
        {
            var clientId = reader.ReadVarUInt();
            var clock = reader.ReadVarUInt();
            entries.Add(new AwarenessEntry(clientId, clock, reader.ReadVarString()));
        }
        if (!reader.End) throw new FrameFormatException("trailing bytes after awareness update");
        return entries;
    }

    public static byte[] Encode(IReadOnlyCollection<AwarenessEntry> entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        var writer = new WireWriter();
        writer.WriteVarUInt((ulong)entries.Count);
        foreach (var entry in entries)
        {
            writer.WriteVarUInt(entry.ClientId);
            writer.WriteVarUInt(entry.Clock);
            writer.WriteVarString(entry.StateJson);
        }
        return writer.ToArray();
    }
}
