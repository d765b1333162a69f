using System.Text.Json.Nodes;
using Spotter.Collab.Crdt.Lib0;
using Spotter.Collab.Crdt.Protocols;

namespace Spotter.Collab.Crdt.Tests.Protocols;

/// <summary>
/// Fixtures come from y-protocols 1.0.7 + yjs 13.6.33 in node: an Awareness on a doc with clientID 3000000000,
/// <c>setLocalState({user: {name: 'Ann', color: '#ff0000'}, cursor: {anchor: 3, head: 5.5}, 10: true,
/// emoji: '😀\ud800', big: 1e21, small: 1e-7})</c>, then <c>encodeAwarenessUpdate(a, [clientID])</c> as hex;
/// a second awareness (clientID 7) applied those updates and recorded its 'change'/'update' events.
/// </summary>
public class AwarenessTests
{
    private const ulong Ann = 3000000000;
    private const string Initial = "0180bcc1960b00027b7d";
    private const string State1 = "0180bcc1960b0182017b223130223a747275652c2275736572223a7b226e616d65223a22416e6e222c22636f6c6f72223a2223666630303030227d2c22637572736f72223a7b22616e63686f72223a332c2268656164223a352e357d2c22656d6f6a69223a22f09f98805c7564383030222c22626967223a31652b32312c22736d616c6c223a31652d377d";
    private const string Modified = "0180bcc1960b0182017b223130223a747275652c2275736572223a7b226e616d65223a22426f62222c22636f6c6f72223a2223666630303030227d2c22637572736f72223a7b22616e63686f72223a332c2268656164223a352e357d2c22656d6f6a69223a22f09f98805c7564383030222c22626967223a31652b32312c22736d616c6c223a31652d377d";
    private const string Both = "020700027b7d80bcc1960b0282017b223130223a747275652c2275736572223a7b226e616d65223a22416e6e222c22636f6c6f72223a2223666630303030227d2c22637572736f72223a7b22616e63686f72223a332c2268656164223a352e357d2c22656d6f6a69223a22f09f98805c7564383030222c22626967223a31652b32312c22736d616c6c223a31652d377d";
    private const string Removed = "0180bcc1960b03046e756c6c";

    private static readonly DateTimeOffset Start = new(2026, 11, 24, 22, 0, 0, TimeSpan.Zero);

    private static JsonObject AnnState() => new JsonObject
    {
        ["user"] = new JsonObject { ["name"] = "Ann", ["color"] = "#ff0000" },
        ["cursor"] = new JsonObject { ["anchor"] = 3, ["head"] = 5.5 },
        ["10"] = true,
        ["emoji"] = "😀" + (char)0xD800,
        ["big"] = 1e21,
        ["small"] = 1e-7,
    };

    private static string Hex(byte[] bytes) => Convert.ToHexStringLower(bytes);

    private static List<string> Record(Awareness awareness)
    {
        var log = new List<string>();
        awareness.Changed += (_, e) => log.Add($"change {Describe(e)}");
        awareness.Updated += (_, e) => log.Add($"update {Describe(e)}");
        return log;
    }

    private static string Describe(AwarenessChangeEventArgs e) =>
        $"+[{string.Join(',', e.Change.Added)}] ~[{string.Join(',', e.Change.Updated)}] -[{string.Join(',', e.Change.Removed)}] {e.Origin}";

    [Fact]
    public void Encoding_matches_y_protocols()
    {
        using var ann = new Awareness(Ann, runOutdatedTimer: false);
        Assert.Equal(Initial, Hex(AwarenessProtocol.EncodeUpdate(ann, [Ann])));
        ann.SetLocalState(AnnState());
        Assert.Equal(State1, Hex(AwarenessProtocol.EncodeUpdate(ann, [Ann])));
        var modified = AwarenessProtocol.ModifyUpdate(AwarenessProtocol.EncodeUpdate(ann, [Ann]), state =>
        {
            var copy = state!.DeepClone();
            copy["user"]!["name"] = "Bob";
            return copy;
        });
        Assert.Equal(Modified, Hex(modified));
        ann.SetLocalState(ann.GetLocalState()); // the node script renewed once before removing
        ann.SetLocalState(null);
        Assert.Equal(Removed, Hex(AwarenessProtocol.EncodeUpdate(ann, [Ann])));
    }

    [Fact]
    public void Applying_updates_follows_the_clock_rules_and_raises_the_same_events_as_y_protocols()
    {
        using var ann = new Awareness(Ann, runOutdatedTimer: false);
        using var other = new Awareness(7, runOutdatedTimer: false);
        var log = Record(other);
        ann.SetLocalState(AnnState());
        AwarenessProtocol.ApplyUpdate(other, AwarenessProtocol.EncodeUpdate(ann, [Ann]), "remote");
        AwarenessProtocol.ApplyUpdate(other, AwarenessProtocol.EncodeUpdate(ann, [Ann]), "remote"); // same clock: ignored
        ann.SetLocalState(ann.GetLocalState()); // heartbeat: newer clock, same state
        AwarenessProtocol.ApplyUpdate(other, AwarenessProtocol.EncodeUpdate(ann, [Ann]), "remote");
        Assert.Equal(Both, Hex(AwarenessProtocol.EncodeUpdate(other, [7, Ann])));
        ann.SetLocalState(null);
        AwarenessProtocol.ApplyUpdate(other, AwarenessProtocol.EncodeUpdate(ann, [Ann]), "remote");
        // node: [change +[3e9]] [update +[3e9]] [update ~[3e9]] [change -[3e9]] [update -[3e9]], origin 'remote'
        Assert.Equal(
        [
            "change +[3000000000] ~[] -[] remote",
            "update +[3000000000] ~[] -[] remote",
            "update +[] ~[3000000000] -[] remote",
            "change +[] ~[] -[3000000000] remote",
            "update +[] ~[] -[3000000000] remote",
        ], log);
        Assert.False(other.GetStates().ContainsKey(Ann));
        Assert.Equal(3ul, other.GetMeta()[Ann].Clock);
    }

    [Fact]
    public void Equal_clock_with_null_state_removes_but_equal_clock_with_a_state_is_ignored()
    {
        using var target = new Awareness(1, runOutdatedTimer: false);
        AwarenessProtocol.ApplyUpdate(target, Update((5, 4, "{\"a\":1}")), null);
        AwarenessProtocol.ApplyUpdate(target, Update((5, 4, "{\"a\":2}")), null);
        Assert.Equal("{\"a\":1}", JsJson.Stringify(target.GetStates()[5]));
        AwarenessProtocol.ApplyUpdate(target, Update((5, 3, "null")), null); // older: ignored
        Assert.True(target.GetStates().ContainsKey(5));
        AwarenessProtocol.ApplyUpdate(target, Update((5, 4, "null")), null);
        Assert.False(target.GetStates().ContainsKey(5));
    }

    [Fact]
    public void A_remote_peer_cannot_remove_the_local_state()
    {
        using var local = new Awareness(1, runOutdatedTimer: false);
        local.SetLocalState(new JsonObject { ["x"] = 1 }); // clock 1
        AwarenessProtocol.ApplyUpdate(local, Update((1, 5, "null")), "remote");
        Assert.NotNull(local.GetLocalState());
        Assert.Equal(6ul, local.GetMeta()[1].Clock); // bumped past the remote removal
    }

    [Fact]
    public void Changed_is_not_raised_for_equal_states_in_a_different_key_order()
    {
        using var target = new Awareness(1, runOutdatedTimer: false);
        var log = Record(target);
        AwarenessProtocol.ApplyUpdate(target, Update((2, 1, "{\"a\":1,\"b\":[1.0,\"x\"]}")), null);
        AwarenessProtocol.ApplyUpdate(target, Update((2, 2, "{\"b\":[1,\"x\"],\"a\":1}")), null);
        Assert.Equal(["change +[2] ~[] -[] ", "update +[2] ~[] -[] ", "update +[] ~[2] -[] "], log);
    }

    [Fact]
    public void Malformed_updates_throw_CrdtFormatException_and_change_nothing()
    {
        using var target = new Awareness(1, runOutdatedTimer: false);
        var valid = Update((2, 1, "{\"a\":1}"));
        byte[] trailingGarbage = [.. Update((2, 1, "{\"a\":1}"), (3, 1, "{bad json")) ];
        Assert.Throws<CrdtFormatException>(() => AwarenessProtocol.ApplyUpdate(target, trailingGarbage, null));
        Assert.False(target.GetStates().ContainsKey(2)); // the valid first entry was not applied either
        for (int cut = 0; cut < valid.Length; cut++)
        {
            Assert.Throws<CrdtFormatException>(() => AwarenessProtocol.ApplyUpdate(target, valid.AsSpan(0, cut), null));
        }
        Assert.Throws<CrdtFormatException>(() => AwarenessProtocol.ApplyUpdate(target, [0xff, 0xff, 0xff, 0xff, 0x0f], null));
        Assert.Single(target.GetStates());
    }

    [Fact]
    public void Remote_clients_time_out_after_30_seconds_and_the_local_state_is_renewed_after_15()
    {
        var time = new ManualTimeProvider(Start);
        using var local = new Awareness(1, time);
        var log = Record(local);
        AwarenessProtocol.ApplyUpdate(local, Update((2, 1, "{\"u\":2}")), "remote");
        time.Advance(TimeSpan.FromSeconds(14));
        Assert.Equal(0ul, local.GetMeta()[1].Clock);
        time.Advance(TimeSpan.FromSeconds(2)); // the 15 s check renews the local clock
        Assert.Equal(1ul, local.GetMeta()[1].Clock);
        Assert.True(local.GetStates().ContainsKey(2));
        time.Advance(TimeSpan.FromSeconds(14)); // 30 s after client 2's update: removed
        Assert.False(local.GetStates().ContainsKey(2));
        Assert.Contains("change +[] ~[] -[2] timeout", log);
        Assert.True(local.GetStates().ContainsKey(1));
    }

    [Fact]
    public void Removing_states_and_disposing()
    {
        var time = new ManualTimeProvider(Start);
        var local = new Awareness(1, time);
        var log = Record(local);
        AwarenessProtocol.ApplyUpdate(local, Update((2, 1, "{}"), (3, 1, "{}")), null);
        AwarenessProtocol.RemoveStates(local, [2, 9], "closed");
        Assert.Equal(["change +[2,3] ~[] -[] ", "update +[2,3] ~[] -[] ", "change +[] ~[] -[2] closed", "update +[] ~[] -[2] closed"], log);
        local.Dispose();
        local.Dispose();
        Assert.Null(local.GetLocalState());
        Assert.Equal(1ul, local.GetMeta()[1].Clock);
        Assert.Equal(0, time.ActiveTimers);
    }

    [Fact]
    public void Falsy_states_travel_as_null_and_overrides_replace_states()
    {
        using var local = new Awareness(1, runOutdatedTimer: false);
        local.SetLocalState(JsonValue.Create(0));
        Assert.Equal("01010104" + "6e756c6c", Hex(AwarenessProtocol.EncodeUpdate(local, [1])));
        var overrides = new Dictionary<ulong, JsonNode?> { [1] = new JsonObject { ["o"] = "x" } };
        Assert.Equal("010101" + "09" + Convert.ToHexStringLower("{\"o\":\"x\"}"u8), Hex(AwarenessProtocol.EncodeUpdate(local, [1], overrides)));
        Assert.Throws<ArgumentException>(() => AwarenessProtocol.EncodeUpdate(local, [99]));
    }

    private static byte[] Update(params (ulong Client, ulong Clock, string Json)[] entries)
    {
        using var writer = new Lib0Writer();
        writer.WriteVarUint((ulong)entries.Length);
        foreach (var (client, clock, json) in entries)
        {
            writer.WriteVarUint(client);
            writer.WriteVarUint(clock);
            writer.WriteVarString(json);
        }
        return writer.ToArray();
    }
}
