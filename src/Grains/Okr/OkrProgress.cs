namespace Spotter.Collab.Grains.Okr;

/// <summary>
/// The roll-up arithmetic (docs/okr.md *Progress*): a key result's progress, an objective's weighted mean and its
/// status. Pure functions of their inputs; the objective's extension feeds them from its document.
/// </summary>
public static class OkrProgress
{
    /// <summary>A metric: clamp((current − start) / (target − start), 0, 1); a target below the start is a decreasing
    /// metric and works the same. A target equal to the start is refused when the key result is made.</summary>
    public static double Metric(double start, double target, double current)
    {
        if (target == start || !double.IsFinite(current)) return current >= target ? 1 : 0;
        return Math.Clamp((current - start) / (target - start), 0, 1);
    }

    /// <summary>A milestone checklist: the share of milestones done.</summary>
    public static double Milestones(int done, int total) => total <= 0 ? 0 : Math.Clamp((double)done / total, 0, 1);

    /// <summary>Σ wᵢ·pᵢ / Σ wᵢ: the weights are normalised; weights that are not positive count as equal (1); no
    /// entries is 0.</summary>
    public static double WeightedMean(IEnumerable<(double Progress, double Weight)> entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        double sum = 0, weights = 0;
        foreach (var (progress, weight) in entries)
        {
            var w = weight > 0 && double.IsFinite(weight) ? weight : 1;
            sum += w * Math.Clamp(progress, 0, 1);
            weights += w;
        }
        return weights == 0 ? 0 : sum / weights;
    }

    /// <summary>An objective's progress: the weighted mean of its key results (<c>keyResults</c>), the mean of its
    /// aligned children (<c>children</c>), or the mean of those two means when both have entries (<c>both</c>; with
    /// only one of them, that one).</summary>
    public static double Objective(string mode, IReadOnlyList<(double Progress, double Weight)> keyResults, IReadOnlyList<double> children)
    {
        ArgumentNullException.ThrowIfNull(keyResults);
        ArgumentNullException.ThrowIfNull(children);
        var fromKeyResults = WeightedMean(keyResults);
        var fromChildren = WeightedMean(children.Select(c => (c, 1.0)));
        return mode switch
        {
            OkrValues.FromChildren => fromChildren,
            OkrValues.FromBoth when keyResults.Count > 0 && children.Count > 0 => (fromKeyResults + fromChildren) / 2,
            OkrValues.FromBoth when children.Count > 0 => fromChildren,
            _ => fromKeyResults,
        };
    }

    /// <summary>How far the cycle has run at <paramref name="now"/>: 0 before its first day, 1 after its last (days in UTC).</summary>
    public static double Elapsed(DateOnly start, DateOnly end, DateTimeOffset now)
    {
        var from = new DateTimeOffset(start.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
        var to = new DateTimeOffset(end.AddDays(1).ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
        if (to <= from) return 1;
        return Math.Clamp((now - from) / (to - from), 0, 1);
    }

    /// <summary>Progress against the elapsed share of the cycle: <c>done</c> at 1; <c>on_track</c> up to 0.1 behind the
    /// elapsed share, <c>at_risk</c> up to 0.25 behind, else <c>off_track</c>.</summary>
    public static string Status(double progress, double elapsed)
    {
        if (progress >= 1) return OkrValues.Done;
        var behind = elapsed - progress;
        if (behind <= 0.1) return OkrValues.OnTrack;
        return behind <= 0.25 ? OkrValues.AtRisk : OkrValues.OffTrack;
    }

    /// <summary>The worst of some statuses (off_track &gt; at_risk &gt; on_track &gt; done); none is on_track.</summary>
    public static string Worst(IEnumerable<string> statuses)
    {
        ArgumentNullException.ThrowIfNull(statuses);
        var worst = -1;
        foreach (var status in statuses) worst = Math.Max(worst, Rank(status));
        return worst switch
        {
            3 => OkrValues.OffTrack,
            2 => OkrValues.AtRisk,
            0 => OkrValues.Done,
            _ => OkrValues.OnTrack,
        };
    }

    private static int Rank(string status) => status switch
    {
        OkrValues.OffTrack => 3,
        OkrValues.AtRisk => 2,
        OkrValues.OnTrack => 1,
        _ => 0,
    };
}
