namespace Spotter.Collab.Crdt.Tests.Protocols;

/// <summary>A clock that moves only when told to, firing due timers as it passes them.</summary>
internal sealed class ManualTimeProvider(DateTimeOffset start) : TimeProvider
{
    private readonly List<ManualTimer> _timers = [];
    private DateTimeOffset _now = start;

    public override DateTimeOffset GetUtcNow() => _now;

    public int ActiveTimers => _timers.Count(t => !t.Disposed);

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = new ManualTimer(this, callback, state, dueTime, period);
        _timers.Add(timer);
        return timer;
    }

    /// <summary>Advances in steps so that periodic timers fire once per period, in time order.</summary>
    public void Advance(TimeSpan by)
    {
        var end = _now + by;
        while (true)
        {
            var next = _timers.Where(t => !t.Disposed && t.Due <= end).OrderBy(t => t.Due).FirstOrDefault();
            if (next is null)
            {
                break;
            }
            _now = next.Due;
            next.Fire();
        }
        _now = end;
    }

    private sealed class ManualTimer : ITimer
    {
        private readonly ManualTimeProvider _owner;
        private readonly TimerCallback _callback;
        private readonly object? _state;
        private TimeSpan _period;

        public ManualTimer(ManualTimeProvider owner, TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            _owner = owner;
            _callback = callback;
            _state = state;
            Change(dueTime, period);
        }

        public DateTimeOffset Due { get; private set; }

        public bool Disposed { get; private set; }

        public void Fire()
        {
            Due = _period > TimeSpan.Zero ? Due + _period : DateTimeOffset.MaxValue;
            _callback(_state);
        }

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            Due = dueTime == Timeout.InfiniteTimeSpan ? DateTimeOffset.MaxValue : _owner._now + dueTime;
            _period = period == Timeout.InfiniteTimeSpan ? TimeSpan.Zero : period;
            return true;
        }

        public void Dispose() => Disposed = true;

        public ValueTask DisposeAsync()
        {
            Disposed = true;
            return ValueTask.CompletedTask;
        }
    }
}
