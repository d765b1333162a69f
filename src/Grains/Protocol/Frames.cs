namespace Spotter.Collab.Grains.Protocol;

/// <summary>y-websocket message types at the start of every frame.</summary>
public enum FrameType
{
    Sync = 0,
    Awareness = 1,
    Auth = 2,
    QueryAwareness = 3,
}

/// <summary>y-protocols sync message types (second varuint of a sync frame).</summary>
public enum SyncMessageType
{
    Step1 = 0,
    Step2 = 1,
    Update = 2,
}

/// <summary>A parsed client frame: its type and, for sync/awareness, the inner payload.</summary>
public readonly ref struct ClientFrame
{
    public FrameType Type { get; init; }
    public SyncMessageType SyncType { get; init; }
    /// <summary>State vector (step 1), update (step 2 / update) or awareness update.</summary>
    public ReadOnlySpan<byte> Payload { get; init; }
}

/// <summary>Builds and parses y-websocket frames.</summary>
public static class Frames
{
    /// <summary>Parses the envelope; the payload's own content is checked by whoever consumes it.</summary>
    public static ClientFrame Parse(ReadOnlySpan<byte> frame)
    {
        var reader = new WireReader(frame);
        var type = reader.ReadVarUInt();
        ClientFrame result;
        switch (type)
        {
            case (ulong)FrameType.Sync:
                var syncType = reader.ReadVarUInt();
                if (syncType > (ulong)SyncMessageType.Update) throw new FrameFormatException($"unknown sync message type {syncType}");
                result = new ClientFrame { Type = FrameType.Sync, SyncType = (SyncMessageType)syncType, Payload = reader.ReadVarBytes() };
                break;
            case (ulong)FrameType.Awareness:
                result = new ClientFrame { Type = FrameType.Awareness, Payload = reader.ReadVarBytes() };
                break;
            case (ulong)FrameType.QueryAwareness:
                result = new ClientFrame { Type = FrameType.QueryAwareness };
                break;
            default:
                throw new FrameFormatException($"unsupported message type {type}");
        }
        if (!reader.End) throw new FrameFormatException("trailing bytes after message");
        return result;
    }

    public static byte[] Sync(SyncMessageType type, ReadOnlySpan<byte> payload)
    {
        var writer = new WireWriter(payload.Length + 8);
        writer.WriteVarUInt((ulong)FrameType.Sync);
        writer.WriteVarUInt((ulong)type);
        writer.WriteVarBytes(payload);
        return writer.ToArray();
    }

    public static byte[] Awareness(ReadOnlySpan<byte> awarenessUpdate)
    {
        var writer = new WireWriter(awarenessUpdate.Length + 8);
        writer.WriteVarUInt((ulong)FrameType.Awareness);
        writer.WriteVarBytes(awarenessUpdate);
        return writer.ToArray();
    }
}
