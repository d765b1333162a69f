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

    private static RelayedAwareness Entry(ulong client, ulong clock, string stateJson, bool echoSafe = true) =>
        new(client, clock, System.Text.Encoding.UTF8.GetBytes(stateJson), echoSafe);

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
    public void One_awareness_frame_carries_the_newest_entry_per_client_for_everyone()
    {
        var buffer = new BroadcastBuffer();
        buffer.AddAwareness("a", [Entry(1, 1, "{\"c\":1}")]);
        buffer.AddAwareness("a", [Entry(1, 2, "{\"c\":2}")]);
        buffer.AddAwareness("b", [Entry(2, 5, "{}")]);

        var frame = Assert.Single(buffer.Drain(Concat));

        // Senders get their own entries back with the clock they sent, which y-protocols ignores.
        Assert.Null(frame.To);
        Assert.Empty(frame.Except);
        Assert.Equal([(1UL, 2UL, "{\"c\":2}"), (2UL, 5UL, "{}")], AwarenessIn(frame));
    }

    [Fact]
    public void A_sender_whose_entry_was_re_clocked_gets_only_the_others_entries()
    {
        var buffer = new BroadcastBuffer();
        buffer.AddAwareness("a", [Entry(1, 7, "{\"c\":1}", echoSafe: false)]);
        buffer.AddAwareness("b", [Entry(2, 5, "{}")]);
        buffer.AddAwareness(null, [Entry(3, 9, "null")]); // a removal after a connection left

        var frames = buffer.Drain(Concat);

        var shared = Assert.Single(frames, f => f.To is null);
        Assert.Equal(["a"], shared.Except);
        Assert.Equal([(1UL, 7UL, "{\"c\":1}"), (2UL, 5UL, "{}"), (3UL, 9UL, "null")], AwarenessIn(shared));
        Assert.Equal([(2UL, 5UL, "{}"), (3UL, 9UL, "null")], AwarenessIn(Assert.Single(frames, f => f.To == "a")));
        Assert.Equal(2, frames.Count);
    }

    [Fact]
    public void Content_and_awareness_drain_separately()
    {
        var buffer = new BroadcastBuffer();
        buffer.AddUpdate("a", [1]);
        buffer.AddAwareness("b", [Entry(2, 5, "{}")]);

        Assert.Single(buffer.DrainUpdates(Concat));
        Assert.False(buffer.IsEmpty);
        Assert.Empty(buffer.DrainUpdates(Concat));
        Assert.Single(buffer.DrainAwareness());
        Assert.True(buffer.IsEmpty);
    }
}
