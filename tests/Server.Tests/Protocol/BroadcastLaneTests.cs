using Spotter.Collab.Grains.Documents;

namespace Spotter.Collab.Server.Tests.Protocol;

public sealed class BroadcastLaneTests
{
    private sealed class ManualClock : TimeProvider
    {
        public long Ticks { get; set; }
        public override long GetTimestamp() => Ticks;
        public override long TimestampFrequency => 1000; // milliseconds
    }

    [Fact]
    public void A_change_after_a_quiet_tick_goes_out_at_once_and_a_busy_lane_flushes_once_per_tick()
    {
        var clock = new ManualClock { Ticks = 10_000 };
        var lane = new BroadcastLane(TimeSpan.FromMilliseconds(15), clock);

        Assert.True(lane.Request()); // first ever change: now
        lane.Flushed();
        clock.Ticks += 5;
        Assert.False(lane.Request()); // 5 ms after a flush: wait for the rest of the tick
        Assert.True(lane.Scheduled);
        Assert.False(lane.Request()); // already scheduled: no second timer
        clock.Ticks += 10;
        lane.Flushed(); // the timer fired
        Assert.False(lane.Scheduled);
        clock.Ticks += 40;
        Assert.True(lane.Request()); // quiet for longer than a tick: now again
    }
}
