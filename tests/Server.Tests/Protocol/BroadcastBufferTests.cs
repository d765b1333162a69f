using Spotter.Collab.Crdt.Lib0;
using Spotter.Collab.Crdt.Protocols;
using Spotter.Collab.Grains;
using Spotter.Collab.Grains.Documents;
using Spotter.Collab.Grains.Protocol;

namespace Spotter.Collab.Server.Tests.Protocol;

public sealed class BroadcastBufferTests
{
    // Concatenation stands in for the CRDT merge so the test can see exactly which updates went into a frame.
    private static byte[] Concat(IReadOnlyList<byte[]> updates) => updates.SelectMany(u => u).ToArray();

    private static byte[] Payload(BroadcastFrame frame) => Frames.Parse(frame.Frame).Payload.ToArray();

    private static AwarenessProtocol.Entry Entry(ulong client, ulong clock, string stateJson) => new(client, clock, JsJson.ParseNode(stateJson));

    private static List<(ulong Client, ulong Clock, string State)> AwarenessIn(BroadcastFrame frame) =>
        AwarenessProtocol.DecodeUpdate(Payload(frame)).Select(e => (e.Client, e.Clock, JsJson.Stringify(e.State))).ToList();

    [Fact]
    public void Updates_of_a_tick_are_merged_once_into_one_frame_for_every_connection()
    {
        var buffer = new BroadcastBuffer();
        buffer.AddUpdate("a", [1]);
        buffer.AddUpdate("b", [2]);
        buffer.AddUpdate("a", [3]);
        buffer.AddUpdate(null, [4]); // HTTP: no origin connection
        var merges = 0;

        var frames = buffer.Drain(updates => { merges++; return Concat(updates); });

        Assert.True(buffer.IsEmpty);
        Assert.Equal(1, merges);
        var frame = Assert.Single(frames);
        Assert.Null(frame.To);
        Assert.Empty(frame.Except);
        Assert.Equal([1, 3, 2, 4], Payload(frame));
    }

    [Fact]
    public void A_single_sender_gets_nothing_back()
    {
        var buffer = new BroadcastBuffer();
        buffer.AddUpdate("a", [1]);
        buffer.AddAwareness("a", [Entry(7, 1, "{}")]);

        var frames = buffer.Drain(Concat);

        Assert.Equal(2, frames.Count);
        Assert.All(frames, f => Assert.Equal(["a"], f.Except));
        Assert.All(frames, f => Assert.Null(f.To));
    }

    [Fact]
    public void Awareness_frames_carry_the_newest_entry_per_client_and_skip_the_recipients_own()
    {
        var buffer = new BroadcastBuffer();
        buffer.AddAwareness("a", [Entry(1, 1, "{\"c\":1}")]);
        buffer.AddAwareness("a", [Entry(1, 2, "{\"c\":2}")]);
        buffer.AddAwareness("b", [Entry(2, 5, "{}")]);

        var frames = buffer.Drain(Concat);

        Assert.Equal([(1UL, 2UL, "{\"c\":2}"), (2UL, 5UL, "{}")], AwarenessIn(Assert.Single(frames, f => f.To is null)));
        Assert.Equal([(2UL, 5UL, "{}")], AwarenessIn(Assert.Single(frames, f => f.To == "a")));
        Assert.Equal([(1UL, 2UL, "{\"c\":2}")], AwarenessIn(Assert.Single(frames, f => f.To == "b")));
    }
}
