using Spotter.Collab.Crdt;
using Spotter.Collab.Crdt.Lib0;
using Spotter.Collab.Crdt.Protocols;
using Spotter.Collab.Grains.Protocol;

namespace Spotter.Collab.Server.Tests.Infrastructure;

/// <summary>A client-side engine document speaking y-protocols sync, like a browser provider.</summary>
public sealed class SyncedDoc
{
    private static readonly object Remote = new();
    private readonly object _gate = new();

    public SyncedDoc(ulong? clientId = null) => Doc = new Doc(new DocOptions { ClientId = clientId });

    public Doc Doc { get; }

    public string Text(string name = "t")
    {
        lock (_gate) return Doc.GetText(name).ToString();
    }

    /// <summary>Reads the document under the same lock as the sync handler.</summary>
    public T Read<T>(Func<Doc, T> read)
    {
        ArgumentNullException.ThrowIfNull(read);
        lock (_gate) return read(Doc);
    }

    /// <summary>Applies a local edit and returns the update frame it produced (null if nothing changed).</summary>
    public byte[]? Edit(Action<Doc> edit)
    {
        byte[]? update = null;
        void Capture(object? sender, UpdateEventArgs e) => update = e.Update;
        lock (_gate)
        {
            Doc.Updated += Capture;
            try
            {
                edit(Doc);
            }
            finally
            {
                Doc.Updated -= Capture;
            }
        }
        return update is null ? null : Frames.Sync(SyncMessageType.Update, update);
    }

    public byte[] Step1()
    {
        using var writer = SyncFrameWriter();
        lock (_gate) SyncProtocol.WriteSyncStep1(writer, Doc);
        return writer.ToArray();
    }

    /// <summary>Handles a server frame like y-websocket's provider; returns the reply to send, if any.</summary>
    public byte[]? Handle(byte[] frame)
    {
        var reader = new Lib0Reader(frame);
        if (reader.ReadVarUint() != (ulong)FrameType.Sync) return null;
        using var reply = SyncFrameWriter();
        lock (_gate) SyncProtocol.ReadSyncMessage(reader, reply, Doc, Remote);
        return reply.Length > 1 ? reply.ToArray() : null;
    }

    private static Lib0Writer SyncFrameWriter()
    {
        var writer = new Lib0Writer();
        writer.WriteVarUint((ulong)FrameType.Sync);
        return writer;
    }
}
