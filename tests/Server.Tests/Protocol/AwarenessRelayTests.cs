using System.Text.Json;
using Spotter.Collab.Grains.Protocol;

namespace Spotter.Collab.Server.Tests.Protocol;

public sealed class AwarenessRelayTests
{
    private static readonly AwarenessIdentity Alice = new("alice", "Alice");
    private static readonly AwarenessIdentity Bob = new("bob", "Bob");

    private sealed class ManualClock : TimeProvider
    {
        public long Ticks { get; set; }
        public override long GetTimestamp() => Ticks;
        public override long TimestampFrequency => 1000;
    }

    private static byte[] Update(params (ulong Client, ulong Clock, string State)[] entries) =>
        AwarenessCodec.Encode(entries.Select(e => new AwarenessEntry(e.Client, e.Clock, e.State)).ToList());

    [Fact]
    public void Codec_round_trips_and_rejects_truncated_input()
    {
        var bytes = Update((7, 3, """{"x":1}"""), (1UL << 40, 0, "null"));
        var entries = AwarenessCodec.Decode(bytes);
        Assert.Equal([new AwarenessEntry(7, 3, """{"x":1}"""), new AwarenessEntry(1UL << 40, 0, "null")], entries);
        Assert.Throws<FrameFormatException>(() => AwarenessCodec.Decode(bytes.AsSpan(0, bytes.Length - 1)));
        Assert.Throws<FrameFormatException>(() => AwarenessCodec.Decode([200, 1]));
    }

    [Fact]
    public void Forged_identity_is_overwritten_with_the_authenticated_user()
    {
        var relay = new AwarenessRelay(new AwarenessRelayOptions(), new ManualClock());
        relay.Apply("c1", Alice, Update((10, 1, """{"user":{"id":"mallory","name":"Evil"},"cursor":4}""")), out var accepted);
        using var state = JsonDocument.Parse(Assert.Single(accepted).StateJson);
        Assert.Equal("alice", state.RootElement.GetProperty("user").GetProperty("id").GetString());
        Assert.Equal("Alice", state.RootElement.GetProperty("user").GetProperty("name").GetString());
        Assert.Equal(4, state.RootElement.GetProperty("cursor").GetInt32());
    }

    [Fact]
    public void Client_ids_owned_by_another_connection_are_dropped()
    {
        var relay = new AwarenessRelay(new AwarenessRelayOptions(), new ManualClock());
        relay.Apply("c1", Alice, Update((10, 1, "{}")), out _);
        relay.Apply("c2", Bob, Update((10, 5, """{"hijack":true}"""), (20, 1, "{}")), out var accepted);
        Assert.Equal(20UL, Assert.Single(accepted).ClientId);
        using var query = JsonDocument.Parse(AwarenessCodec.Decode(relay.EncodeStates("c2")!).Single().StateJson);
        Assert.False(query.RootElement.TryGetProperty("hijack", out _));
    }

    [Fact]
    public void Removing_a_connection_nulls_its_states_with_a_higher_clock_and_frees_the_ids()
    {
        var relay = new AwarenessRelay(new AwarenessRelayOptions(), new ManualClock());
        relay.Apply("c1", Alice, Update((10, 4, "{}")), out _);
        var removed = Assert.Single(relay.RemoveConnection("c1"));
        Assert.Equal(new AwarenessEntry(10, 5, "null"), removed);
        Assert.Null(relay.EncodeStates(null));
        // A reconnecting client reusing its id is relayed with a clock above the removal.
        relay.Apply("c3", Alice, Update((10, 1, "{}")), out var again);
        Assert.Equal(6UL, Assert.Single(again).Clock);
    }

    [Fact]
    public void Frames_beyond_the_burst_are_rate_limited_until_tokens_refill()
    {
        var clock = new ManualClock();
        var relay = new AwarenessRelay(new AwarenessRelayOptions { Burst = 3, FramesPerSecond = 10 }, clock);
        for (var i = 1; i <= 3; i++) Assert.Equal(AwarenessOutcome.Accepted, relay.Apply("c1", Alice, Update((1, (ulong)i, "{}")), out _));
        Assert.Equal(AwarenessOutcome.RateLimited, relay.Apply("c1", Alice, Update((1, 4, "{}")), out _));
        Assert.Equal(AwarenessOutcome.Accepted, relay.Apply("c2", Bob, Update((2, 1, "{}")), out _));
        clock.Ticks += 100; // 0.1 s at 10 frames/s = one token
        Assert.Equal(AwarenessOutcome.Accepted, relay.Apply("c1", Alice, Update((1, 5, "{}")), out _));
    }

    [Fact]
    public void Invalid_state_json_is_a_format_error_and_changes_nothing()
    {
        var relay = new AwarenessRelay(new AwarenessRelayOptions(), new ManualClock());
        Assert.Throws<FrameFormatException>(() => relay.Apply("c1", Alice, Update((1, 1, "{}"), (2, 1, "{oops")), out _));
        Assert.Throws<FrameFormatException>(() => relay.Apply("c1", Alice, Update((1, 1, "42")), out _));
        Assert.Null(relay.EncodeStates(null));
    }
}
