namespace Spotter.Collab.Grains.Users;

/// <summary>
/// Failed-login bookkeeping of one account, kept per client address: <see cref="LockoutOptions.MaxFailures"/>
/// failures from one address within the window lock the account for that address only, for
/// <see cref="LockoutOptions.Duration"/>. Someone guessing from elsewhere therefore cannot lock the owner out; the
/// web host's per-address request limit bounds how fast any one address may guess across accounts. Persisted with
/// real accounts; unknown usernames keep one in memory.
/// </summary>
[GenerateSerializer, Alias("spotter.LoginThrottle")]
public sealed class LoginThrottle
{
    /// <summary>Addresses tracked per account; beyond it the address whose last failure is oldest is forgotten.</summary>
    public const int MaxSources = 1000;

    [Id(2)] public Dictionary<string, SourceThrottle> BySource { get; set; } = new(StringComparer.Ordinal);

    public bool IsLocked(string source, DateTimeOffset now, out DateTimeOffset until)
    {
        until = default;
        if (!BySource.TryGetValue(source, out var entry)) return false;
        until = entry.LockedUntil.GetValueOrDefault();
        return entry.LockedUntil > now;
    }

    /// <summary>Counts a failure from <paramref name="source"/>; returns the end of the lockout when this failure started one.</summary>
    public DateTimeOffset? RecordFailure(string source, LockoutOptions options, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.MaxFailures <= 0) return null;
        Prune(options, now);
        if (!BySource.TryGetValue(source, out var entry))
        {
            if (BySource.Count >= MaxSources) BySource.Remove(BySource.MinBy(pair => pair.Value.RecentFailures.LastOrDefault()).Key);
            BySource[source] = entry = new SourceThrottle();
        }
        entry.RecentFailures.RemoveAll(failure => failure <= now - options.Window);
        entry.RecentFailures.Add(now);
        if (entry.RecentFailures.Count < options.MaxFailures) return null;
        entry.RecentFailures.Clear();
        entry.LockedUntil = now + options.Duration;
        return entry.LockedUntil;
    }

    /// <summary>A successful login from <paramref name="source"/> forgets that address's failures (not those of
    /// other addresses); true if there was anything to forget.</summary>
    public bool Reset(string source) => BySource.Remove(source);

    /// <summary>Forgets every failure and lockout (an administrator unlocked the account); true if there were any.</summary>
    public bool Clear()
    {
        var changed = BySource.Count > 0;
        BySource.Clear();
        return changed;
    }

    /// <summary>Drops addresses with neither a failure in the window nor a running lockout.</summary>
    private void Prune(LockoutOptions options, DateTimeOffset now)
    {
        foreach (var (source, entry) in BySource)
        {
            if (entry.LockedUntil > now) continue;
            if (entry.RecentFailures.Count == 0 || entry.RecentFailures[^1] <= now - options.Window) BySource.Remove(source);
        }
    }
}

/// <summary>Failures and lockout of one account from one client address.</summary>
[GenerateSerializer, Alias("spotter.LoginThrottle.Source")]
public sealed class SourceThrottle
{
    [Id(0)] public List<DateTimeOffset> RecentFailures { get; set; } = [];
    [Id(1)] public DateTimeOffset? LockedUntil { get; set; }
}
