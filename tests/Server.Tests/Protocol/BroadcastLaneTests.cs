using Microsoft.Extensions.Time.Testing;
using Spotter.Collab.Grains.Documents;

namespace Spotter.Collab.Server.Tests.Protocol;

public sealed class BroadcastLaneTests
{
    [Fact]
    public void A_change_after_a_quiet_tick_goes_out_at_once_and_a_busy_lane_flushes_once_per_tick()
    {
        var clock = new FakeTimeProvider();
        var lane = new BroadcastLane(TimeSpan.FromMilliseconds(15), clock);

        Assert.True(lane.Request()); // first ever change: now
        lane.Flushed();
        clock.Advance(TimeSpan.FromMilliseconds(5));
        Assert.False(lane.Request()); // 5 ms after a flush: wait for the rest of the tick
        Assert.True(lane.Scheduled);
        Assert.False(lane.Request()); // already scheduled: no second timer
        clock.Advance(TimeSpan.FromMilliseconds(10));
        lane.Flushed(); // the timer fired
        Assert.False(lane.Scheduled);
        clock.Advance(TimeSpan.FromMilliseconds(40));
        Assert.True(lane.Request()); // quiet for longer than a tick: now again
    }

    [Fact]
    public void The_content_tick_grows_with_the_audience_between_its_bounds()
    {
        var options = new DocumentGrainOptions();
        Assert.Equal(TimeSpan.FromMilliseconds(2), options.TickFor(0));
        Assert.Equal(TimeSpan.FromMilliseconds(2), options.TickFor(10));
        Assert.InRange(options.TickFor(100).TotalMilliseconds, 2.9, 3.1);
        Assert.Equal(TimeSpan.FromMilliseconds(15), options.TickFor(500));
        Assert.Equal(TimeSpan.FromMilliseconds(15), options.TickFor(5000));
    }

    [Fact]
    public void A_lane_asks_for_its_tick_on_every_request()
    {
        var clock = new FakeTimeProvider();
        var tick = TimeSpan.FromMilliseconds(3);
        var lane = new BroadcastLane(() => tick, clock);
        Assert.True(lane.Request());
        lane.Flushed();
        clock.Advance(TimeSpan.FromMilliseconds(4));
        Assert.True(lane.Request()); // 4 ms after a flush with a 3 ms tick: now
        lane.Flushed();
        tick = TimeSpan.FromMilliseconds(15); // the audience grew
        clock.Advance(TimeSpan.FromMilliseconds(4));
        Assert.False(lane.Request());
        Assert.True(lane.Scheduled);
    }
}
