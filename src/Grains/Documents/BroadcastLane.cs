namespace Spotter.Collab.Grains.Documents;

/// <summary>
/// Paces one kind of broadcast (content or awareness) of a document. The first change after a quiet period goes out
/// at once; while changes keep coming, they are collected and sent at most once per tick. So a lone edit is not
/// held back by the tick, and a busy document still costs one message per connection per tick. The tick is asked
/// for on every request, so it can follow the document's audience (see <see cref="DocumentGrainOptions.TickFor"/>).
/// </summary>
internal sealed class BroadcastLane(Func<TimeSpan> tick, TimeProvider time)
{
    public BroadcastLane(TimeSpan tick, TimeProvider time) : this(() => tick, time)
    {
    }

    private long _lastFlush;
    private bool _flushedOnce;

    /// <summary>Set by the grain: fires the delayed flush.</summary>
    public IGrainTimer? Timer { get; set; }

    /// <summary>A delayed flush is pending.</summary>
    public bool Scheduled { get; private set; }

    /// <summary>
    /// Called when something was queued: returns true when the caller should flush now; otherwise a flush is (or
    /// already was) scheduled for when the tick since the last flush is over.
    /// </summary>
    public bool Request()
    {
        if (Scheduled) return false;
        var current = tick();
        var sinceLast = _flushedOnce ? time.GetElapsedTime(_lastFlush) : TimeSpan.MaxValue;
        if (sinceLast >= current) return true;
        Scheduled = true;
        Timer?.Change(current - sinceLast, Timeout.InfiniteTimeSpan);
        return false;
    }

    /// <summary>Called by the flush itself (immediate or from the timer).</summary>
    public void Flushed()
    {
        Scheduled = false;
        _flushedOnce = true;
        _lastFlush = time.GetTimestamp();
    }
}
