using Spotter.Collab.Crdt;
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
        lock (_gate) return Frames.Sync(SyncMessageType.Step1, Doc.EncodeStateVector());
    }

    /// <summary>Handles a server frame; returns the reply to send, if any.</summary>
    public byte[]? Handle(byte[] frame)
    {
        var parsed = Frames.Parse(frame);
        if (parsed.Type != FrameType.Sync) return null;
        lock (_gate)
        {
            switch (parsed.SyncType)
            {
                case SyncMessageType.Step1:
                    return Frames.Sync(SyncMessageType.Step2, Doc.EncodeStateAsUpdate(parsed.Payload));
                default:
                    Doc.ApplyUpdate(parsed.Payload, Remote);
                    return null;
            }
        }
    }
}
