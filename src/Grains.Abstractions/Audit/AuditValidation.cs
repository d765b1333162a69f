namespace Spotter.Collab.Grains.Audit;

/// <summary>What every audit log accepts: the bounds both stores enforce.</summary>
public static class AuditValidation
{
    public const int MaxLimit = 1000;
    public const int MaxFieldLength = 4000;

    public static void Check(AuditEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        ArgumentException.ThrowIfNullOrEmpty(entry.Actor);
        ArgumentException.ThrowIfNullOrEmpty(entry.Action);
        // Bounded so a hostile value (e.g. a huge attempted username) cannot bloat the log.
        if (entry.Actor.Length > MaxFieldLength || entry.Action.Length > MaxFieldLength
            || entry.Target?.Length > MaxFieldLength || entry.Detail?.Length > MaxFieldLength || entry.SourceAddress?.Length > MaxFieldLength)
        {
            throw new ArgumentException($"audit fields are limited to {MaxFieldLength} characters", nameof(entry));
        }
    }

    public static int ClampLimit(int limit) => Math.Clamp(limit, 1, MaxLimit);
}
