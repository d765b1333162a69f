namespace Spotter.Collab.Grains.KnowledgeBase.Storage;

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
