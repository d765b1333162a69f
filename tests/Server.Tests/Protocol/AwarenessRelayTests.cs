using Microsoft.Extensions.Time.Testing;
using Spotter.Collab.Crdt;
using Spotter.Collab.Crdt.Protocols;
using Spotter.Collab.Grains.Protocol;
using Spotter.Collab.Server.Tests.Infrastructure;

namespace Spotter.Collab.Server.Tests.Protocol;

public sealed class AwarenessRelayTests
{
    private static readonly AwarenessIdentity Alice = new("alice", "Alice");
    private static readonly AwarenessIdentity Bob = new("bob", "Bob");

    private static byte[] Update(params (ulong Client, ulong Clock, string State)[] entries) => AwarenessUpdates.Encode(entries);

    [Fact]
    public void Truncated_lying_or_overlong_updates_are_format_errors_and_change_nothing()
    {
        var relay = new AwarenessRelay(new AwarenessRelayOptions(), new FakeTimeProvider());
        var bytes = Update((7, 3, """{"x":1}"""), (1UL << 40, 0, "null"));
        Assert.Throws<CrdtFormatException>(() => relay.Apply("c1", Alice, bytes.AsMemory(0, bytes.Length - 1), out _));
        Assert.Throws<CrdtFormatException>(() => relay.Apply("c1", Alice, new byte[] { 200, 1 }, out _));
        Assert.Throws<CrdtFormatException>(() => relay.Apply("c1", Alice, bytes.Append((byte)0).ToArray(), out _));
        Assert.Null(relay.EncodeStates(null));
        relay.Apply("c1", Alice, bytes, out var accepted);
        Assert.Equal([7UL, 1UL << 40], accepted.Select(e => e.Client));
    }

    [Fact]
    public void Forged_identity_is_overwritten_with_the_authenticated_user()
    {
        var relay = new AwarenessRelay(new AwarenessRelayOptions(), new FakeTimeProvider());
        relay.Apply("c1", Alice, Update((10, 1, """{"user":{"id":"mallory","name":"Evil"},"cursor":4}""")), out var accepted);
        var state = System.Text.Encoding.UTF8.GetString(Assert.Single(accepted).StateJson);
        Assert.Equal("""{"user":{"id":"alice","name":"Alice"},"cursor":4}""", state);
    }

    [Fact]
    public void Client_ids_owned_by_another_connection_are_dropped()
    {
        var relay = new AwarenessRelay(new AwarenessRelayOptions(), new FakeTimeProvider());
        relay.Apply("c1", Alice, Update((10, 1, "{}")), out _);
        relay.Apply("c2", Bob, Update((10, 5, """{"hijack":true}"""), (20, 1, "{}")), out var accepted);
        Assert.Equal(20UL, Assert.Single(accepted).Client);
        var query = Assert.Single(AwarenessProtocol.DecodeUpdate(relay.EncodeStates("c2")!));
        Assert.Equal(10UL, query.Client);
        Assert.Null(query.State!["hijack"]);
    }

    [Fact]
    public void Removing_a_connection_nulls_its_states_with_a_higher_clock_and_frees_the_ids()
    {
        var relay = new AwarenessRelay(new AwarenessRelayOptions(), new FakeTimeProvider());
        relay.Apply("c1", Alice, Update((10, 4, "{}")), out _);
        var removed = Assert.Single(relay.RemoveConnection("c1"));
        Assert.Equal((10UL, 5UL, "null"), (removed.Client, removed.Clock, System.Text.Encoding.UTF8.GetString(removed.StateJson)));
        Assert.Null(relay.EncodeStates(null));
        // A reconnecting client reusing its id is relayed with a clock above the removal.
        relay.Apply("c3", Alice, Update((10, 1, "{}")), out var again);
        Assert.Equal(6UL, Assert.Single(again).Clock);
    }

    [Fact]
    public void Entries_relayed_with_the_senders_clock_are_echo_safe_and_re_clocked_ones_are_not()
    {
        var relay = new AwarenessRelay(new AwarenessRelayOptions(), new FakeTimeProvider());
        relay.Apply("c1", Alice, Update((10, 4, "{}")), out var first);
        Assert.True(Assert.Single(first).EchoSafe);
        relay.RemoveConnection("c1");
        // The id comes back with a clock below the server's: relayed as 6, which the sender's own awareness would
        // take over its local state, so it must not be echoed to it.
        relay.Apply("c2", Alice, Update((10, 2, "{}")), out var reclocked);
        Assert.Equal((6UL, false), (Assert.Single(reclocked).Clock, reclocked[0].EchoSafe));
    }

    [Fact]
    public void Frames_beyond_the_burst_are_rate_limited_until_tokens_refill()
    {
        var clock = new FakeTimeProvider();
        var relay = new AwarenessRelay(new AwarenessRelayOptions { Burst = 3, FramesPerSecond = 10 }, clock);
        for (var i = 1; i <= 3; i++) Assert.Equal(AwarenessOutcome.Accepted, relay.Apply("c1", Alice, Update((1, (ulong)i, "{}")), out _));
        Assert.Equal(AwarenessOutcome.RateLimited, relay.Apply("c1", Alice, Update((1, 4, "{}")), out _));
        Assert.Equal(AwarenessOutcome.Accepted, relay.Apply("c2", Bob, Update((2, 1, "{}")), out _));
        clock.Advance(TimeSpan.FromMilliseconds(100)); // 0.1 s at 10 frames/s = one token
        Assert.Equal(AwarenessOutcome.Accepted, relay.Apply("c1", Alice, Update((1, 5, "{}")), out _));
    }

    [Fact]
    public void Invalid_state_json_is_a_format_error_and_changes_nothing()
    {
        var relay = new AwarenessRelay(new AwarenessRelayOptions(), new FakeTimeProvider());
        byte[] invalidJson = [2, 1, 1, .. "\u0002{}"u8, 2, 1, .. "\u0005{oops"u8];
        Assert.Throws<CrdtFormatException>(() => relay.Apply("c1", Alice, invalidJson, out _));
        Assert.Throws<CrdtFormatException>(() => relay.Apply("c1", Alice, Update((1, 1, "{}"), (2, 1, "42")), out _));
        Assert.Null(relay.EncodeStates(null));
    }
}
