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
