namespace Spotter.Collab.Grains.KnowledgeBase.Storage;

/// <summary>
/// How long automatic versions are kept (<c>KnowledgeBase:VersionRetention</c>): every one younger than
/// <see cref="KeepAllFor"/>, then the newest per hour until <see cref="HourlyFor"/>, the newest per day until
/// <see cref="DailyFor"/>, and the newest per week after that. Versions with any other reason than
/// <see cref="AutomaticReasons"/> (before-import, import, before-restore, restore, …) are never pruned.
/// </summary>
public sealed class VersionRetentionOptions
{
    /// <summary>Reasons of the versions the document grain takes on its own; only these are pruned.</summary>
    public static readonly IReadOnlySet<string> AutomaticReasons = new HashSet<string>(StringComparer.Ordinal) { "activity", "last-editor-left", "closed" };

    /// <summary>Off: nothing is ever pruned.</summary>
    public bool Enabled { get; set; } = true;

    public TimeSpan KeepAllFor { get; set; } = TimeSpan.FromHours(24);

    public TimeSpan HourlyFor { get; set; } = TimeSpan.FromDays(7);

    public TimeSpan DailyFor { get; set; } = TimeSpan.FromDays(90);

    /// <summary>Ages must grow tier by tier; anything else is a configuration error.</summary>
    public void Validate()
    {
        if (KeepAllFor < TimeSpan.Zero || HourlyFor < KeepAllFor || DailyFor < HourlyFor)
        {
            throw new InvalidOperationException("KnowledgeBase:VersionRetention needs 0 <= KeepAllFor <= HourlyFor <= DailyFor");
        }
    }
}

/// <summary>Decides which of a document's versions the retention policy drops (pure: the stores delete them).</summary>
public static class VersionRetention
{
    /// <summary>Ids of the versions to delete, given all of one document's versions. In each hour, day or week (UTC)
    /// of its tier the newest automatic version stays, so the document's latest state of every period survives and
    /// the newest version of all is never dropped.</summary>
    public static IReadOnlyList<long> Prunable(IEnumerable<VersionSummary> versions, DateTimeOffset now, VersionRetentionOptions options)
    {
        ArgumentNullException.ThrowIfNull(versions);
        ArgumentNullException.ThrowIfNull(options);
        if (!options.Enabled) return [];
        var kept = new HashSet<(char Tier, long Period)>();
        var prunable = new List<long>();
        // Newest first: the first version seen in a period is the one it keeps.
        foreach (var version in versions.OrderByDescending(v => v.CreatedAt).ThenByDescending(v => v.Id))
        {
            if (!VersionRetentionOptions.AutomaticReasons.Contains(version.Reason)) continue;
            var age = now - version.CreatedAt;
            if (age < options.KeepAllFor) continue;
            var period = age < options.HourlyFor ? ('h', Floor(version.CreatedAt, TimeSpan.FromHours(1)))
                : age < options.DailyFor ? ('d', Floor(version.CreatedAt, TimeSpan.FromDays(1)))
                : ('w', Week(version.CreatedAt));
            if (!kept.Add(period)) prunable.Add(version.Id);
        }
        return prunable;
    }

    private static long Floor(DateTimeOffset at, TimeSpan unit) => at.UtcTicks / unit.Ticks;

    /// <summary>Weeks starting on Monday (0001-01-01 was a Monday).</summary>
    private static long Week(DateTimeOffset at) => at.UtcTicks / TimeSpan.FromDays(7).Ticks;
}
