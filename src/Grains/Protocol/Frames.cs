using Spotter.Collab.Crdt;
using Spotter.Collab.Crdt.Lib0;
using Spotter.Collab.Crdt.Protocols;

namespace Spotter.Collab.Grains.Protocol;

/// <summary>y-websocket message types at the start of every frame.</summary>
public enum FrameType
{
    Sync = 0,
    Awareness = 1,
    Auth = 2,
    QueryAwareness = 3,
}

/// <summary>A parsed client frame: its type and, for sync/awareness, the inner payload.</summary>
/// <param name="Payload">State vector (step 1), update (step 2 / update) or awareness update.</param>
public readonly record struct ClientFrame(FrameType Type, SyncMessageType SyncType, ReadOnlyMemory<byte> Payload);

/// <summary>Builds and parses y-websocket frames: a frame type, then a y-protocols sync or awareness message.</summary>
public static class Frames
{
    /// <summary>
    /// Parses the envelope; the payload's own content is checked by whoever consumes it. Malformed frames throw
    /// <see cref="CrdtFormatException"/>, the engine's exception for malformed input.
    /// </summary>
    public static ClientFrame Parse(ReadOnlyMemory<byte> frame)
    {
        var reader = new Lib0Reader(frame);
        var type = reader.ReadVarUint();
        var result = type switch
        {
            (ulong)FrameType.Sync => new ClientFrame(FrameType.Sync, SyncProtocol.ReadMessageType(reader), reader.ReadVarUint8ArrayMemory()),
            (ulong)FrameType.Awareness => new ClientFrame(FrameType.Awareness, default, reader.ReadVarUint8ArrayMemory()),
            (ulong)FrameType.QueryAwareness => new ClientFrame(FrameType.QueryAwareness, default, default),
            _ => throw new CrdtFormatException($"Unsupported message type {type}."),
        };
        if (reader.HasContent) throw new CrdtFormatException("Trailing bytes after message.");
        return result;
    }

    public static byte[] Sync(SyncMessageType type, ReadOnlySpan<byte> payload)
    {
        using var writer = new Lib0Writer(payload.Length + 8);
        writer.WriteVarUint((ulong)FrameType.Sync);
        writer.WriteVarUint((ulong)type);
        writer.WriteVarUint8Array(payload);
        return writer.ToArray();
    }

    public static byte[] Awareness(ReadOnlySpan<byte> awarenessUpdate)
    {
        using var writer = new Lib0Writer(awarenessUpdate.Length + 8);
        writer.WriteVarUint((ulong)FrameType.Awareness);
        writer.WriteVarUint8Array(awarenessUpdate);
        return writer.ToArray();
    }
}
