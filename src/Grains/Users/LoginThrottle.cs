namespace Spotter.Collab.Grains.Users;

/// <summary>
/// Failed-login bookkeeping of one account: <see cref="LockoutOptions.MaxFailures"/> failures within the window lock
/// it for <see cref="LockoutOptions.Duration"/>. Persisted with real accounts; unknown usernames keep one in memory.
/// </summary>
[GenerateSerializer, Alias("spotter.LoginThrottle")]
public sealed class LoginThrottle
{
    [Id(0)] public List<DateTimeOffset> RecentFailures { get; set; } = [];
    [Id(1)] public DateTimeOffset? LockedUntil { get; set; }

    public bool IsLocked(DateTimeOffset now, out DateTimeOffset until)
    {
        until = LockedUntil.GetValueOrDefault();
        return LockedUntil > now;
    }

    /// <summary>Counts a failure; returns the end of the lockout when this failure started one.</summary>
    public DateTimeOffset? RecordFailure(LockoutOptions options, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.MaxFailures <= 0) return null;
        RecentFailures.RemoveAll(failure => failure <= now - options.Window);
        RecentFailures.Add(now);
        if (RecentFailures.Count < options.MaxFailures) return null;
        RecentFailures.Clear();
        LockedUntil = now + options.Duration;
        return LockedUntil;
    }

    /// <summary>A successful login forgets earlier failures; true if there was anything to forget.</summary>
    public bool Reset()
    {
        var changed = RecentFailures.Count > 0 || LockedUntil is not null;
        RecentFailures.Clear();
        LockedUntil = null;
        return changed;
    }
}
