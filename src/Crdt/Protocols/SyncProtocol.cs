using Spotter.Collab.Crdt.Lib0;

namespace Spotter.Collab.Crdt.Protocols;

/// <summary>y-protocols sync message types (the first varuint of a sync message).</summary>
public enum SyncMessageType
{
    /// <summary>Carries the sender's state vector; the receiver answers with <see cref="Step2"/>.</summary>
    Step1 = 0,

    /// <summary>Carries the update the receiver of a step 1 was missing.</summary>
    Step2 = 1,

    /// <summary>Carries an incremental document update.</summary>
    Update = 2,
}

/// <summary>
/// y-protocols 1.0.7 sync protocol: a message is a varuint type followed by one length-prefixed payload
/// (a V1 state vector for step 1, a V1 update for step 2 and update).
/// </summary>
public static class SyncProtocol
{
    public static void WriteSyncStep1(Lib0Writer writer, Doc doc)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(doc);
        writer.WriteVarUint((ulong)SyncMessageType.Step1);
        writer.WriteVarUint8Array(doc.EncodeStateVector());
    }

    /// <summary>Writes the update the owner of <paramref name="encodedStateVector"/> is missing.</summary>
    public static void WriteSyncStep2(Lib0Writer writer, Doc doc, ReadOnlySpan<byte> encodedStateVector)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(doc);
        var update = doc.EncodeStateAsUpdate(encodedStateVector);
        writer.WriteVarUint((ulong)SyncMessageType.Step2);
        writer.WriteVarUint8Array(update);
    }

    public static void WriteUpdate(Lib0Writer writer, ReadOnlySpan<byte> update)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteVarUint((ulong)SyncMessageType.Update);
        writer.WriteVarUint8Array(update);
    }

    /// <summary>Reads a step 1 payload (after the type) and writes the step 2 answer.</summary>
    public static void ReadSyncStep1(Lib0Reader reader, Lib0Writer writer, Doc doc)
    {
        ArgumentNullException.ThrowIfNull(reader);
        WriteSyncStep2(writer, doc, reader.ReadVarUint8ArraySpan());
    }

    /// <summary>Reads a step 2 or update payload (after the type) and applies it to the document.</summary>
    public static void ReadSyncStep2(Lib0Reader reader, Doc doc, object? origin)
    {
        ArgumentNullException.ThrowIfNull(reader);
        ArgumentNullException.ThrowIfNull(doc);
        doc.ApplyUpdate(reader.ReadVarUint8ArraySpan(), origin);
    }

    public static void ReadUpdate(Lib0Reader reader, Doc doc, object? origin) => ReadSyncStep2(reader, doc, origin);

    /// <summary>
    /// Reads one sync message: a step 1 is answered with a step 2 into <paramref name="writer"/>; step 2 and
    /// update are applied to <paramref name="doc"/> with <paramref name="origin"/>. Malformed messages throw
    /// <see cref="CrdtFormatException"/> without changing the document (unlike y-protocols, which logs and
    /// swallows errors while applying).
    /// </summary>
    public static SyncMessageType ReadSyncMessage(Lib0Reader reader, Lib0Writer writer, Doc doc, object? origin)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var type = ReadMessageType(reader);
        switch (type)
        {
            case SyncMessageType.Step1:
                ReadSyncStep1(reader, writer, doc);
                break;
            default:
                ReadSyncStep2(reader, doc, origin);
                break;
        }
        return type;
    }

    /// <summary>Reads and validates the message type, e.g. to check permissions before handling the payload.</summary>
    public static SyncMessageType ReadMessageType(Lib0Reader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        ulong type = reader.ReadVarUint();
        if (type > (ulong)SyncMessageType.Update)
        {
            ThrowHelper.Format($"Unknown sync message type {type}.");
        }
        return (SyncMessageType)type;
    }
}
