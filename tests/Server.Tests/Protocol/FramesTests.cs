using Spotter.Collab.Crdt;
using Spotter.Collab.Crdt.Protocols;
using Spotter.Collab.Grains.Protocol;

namespace Spotter.Collab.Server.Tests.Protocol;

public sealed class FramesTests
{
    [Fact]
    public void Sync_and_awareness_frames_round_trip()
    {
        var payload = Enumerable.Range(0, 300).Select(i => (byte)i).ToArray();
        var sync = Frames.Parse(Frames.Sync(SyncMessageType.Update, payload));
        Assert.Equal(FrameType.Sync, sync.Type);
        Assert.Equal(SyncMessageType.Update, sync.SyncType);
        Assert.Equal(payload, sync.Payload.ToArray());
        var awareness = Frames.Parse(Frames.Awareness([1, 2, 3]));
        Assert.Equal(FrameType.Awareness, awareness.Type);
        Assert.Equal(FrameType.QueryAwareness, Frames.Parse(new byte[] { 3 }).Type);
    }

    [Theory]
    [InlineData(new byte[0])]
    [InlineData(new byte[] { 9 })]
    [InlineData(new byte[] { 0, 3, 0 })]
    [InlineData(new byte[] { 0, 2, 5, 1 })]
    [InlineData(new byte[] { 0, 2, 0, 7 })]
    [InlineData(new byte[] { 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F })]
    public void Bad_envelopes_are_format_errors(byte[] frame)
    {
        Assert.Throws<CrdtFormatException>(() => { Frames.Parse(frame); });
    }
}
