using Spotter.Collab.Grains.Protocol;

namespace Spotter.Collab.Grains.Documents;

public sealed class DocumentGrainOptions
{
    public const string SectionName = "Documents";

    /// <summary>While updates keep coming, they are merged and sent to the hosts at most once per tick (a lone
    /// update after a quiet tick goes out at once). This is the longest tick, the one of a crowded document; a
    /// document with fewer connections uses a shorter one (<see cref="TickFor"/>).</summary>
    public TimeSpan BroadcastTick { get; set; } = TimeSpan.FromMilliseconds(15);

    /// <summary>The shortest content tick, for a document with few connections.</summary>
    public TimeSpan MinBroadcastTick { get; set; } = TimeSpan.FromMilliseconds(2);

    /// <summary>Messages per second one busy document may cause across its connections (one message per connection
    /// per tick). The content tick is the connection count divided by this, between <see cref="MinBroadcastTick"/>
    /// and <see cref="BroadcastTick"/>: 100 typists get a 3 ms tick, 500 or more the full 15 ms, so a small
    /// document's edits are not held back for a batching window sized for a crowd.</summary>
    public int FanOutMessagesPerSecond { get; set; } = 33_000;

    /// <summary>The same for awareness (presence, cursors). Longer than the content tick: with hundreds of people in
    /// a document, every tick costs one message per connection, and a cursor 50 ms late is not noticed the way
    /// late text is (cursors are relative positions: one that arrives before its text simply waits for it).</summary>
    public TimeSpan AwarenessTick { get; set; } = TimeSpan.FromMilliseconds(50);

    /// <summary>
    /// When true (the default), an accepted update is relayed to the other connections in the next broadcast tick,
    /// while it is being made durable; when false, only after it is durable. Either way the SENDER's <c>Send</c>
    /// completes only once the update is durable, so nothing acknowledged can be lost: if the server dies before the
    /// commit, the sender never got its acknowledgement and resends, and the receivers hand the update back in the
    /// sync that follows their reconnection. Relaying early takes the commit (an fsync) out of everyone else's latency.
    /// </summary>
    public bool RelayBeforeDurable { get; set; } = true;

    /// <summary>A host observer not refreshed within this time is dropped; hosts refresh at a third of it.</summary>
    public TimeSpan ObserverExpiry { get; set; } = TimeSpan.FromSeconds(90);

    /// <summary>How often a document with open connections re-registers them with the organisation grain and
    /// re-reads their roles (covers a reactivated organisation grain and any missed push).</summary>
    public TimeSpan AccessRefresh { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long an activation stays after its last participant left: a page reopened meanwhile finds it
    /// loaded; after that it deactivates (its timers with it). Activations nobody joined (HTTP API calls) are left
    /// to Orleans' collection age.</summary>
    public TimeSpan IdleDeactivation { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Log entries after which the document is compacted into a new snapshot.</summary>
    public int CompactAfterUpdates { get; set; } = 1000;

    /// <summary>Logged bytes after which the document is compacted into a new snapshot.</summary>
    public long CompactAfterBytes { get; set; } = 8 * 1024 * 1024;

    public AwarenessRelayOptions Awareness { get; set; } = new();

    /// <summary>The content tick of a document with <paramref name="connections"/> open connections.</summary>
    public TimeSpan TickFor(int connections)
    {
        var budget = TimeSpan.FromSeconds((double)Math.Max(connections, 1) / Math.Max(FanOutMessagesPerSecond, 1));
        return budget < MinBroadcastTick ? MinBroadcastTick : budget > BroadcastTick ? BroadcastTick : budget;
    }
}
