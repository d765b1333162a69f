using Spotter.Collab.Grains.Okr;

namespace Spotter.Collab.Server.Tests.Okr;

/// <summary>The roll-up arithmetic of docs/okr.md *Progress*.</summary>
public sealed class OkrProgressTests
{
    [Theory]
    [InlineData(0, 100, 25, 0.25)]
    [InlineData(0, 100, 150, 1)] // clamped above
    [InlineData(10, 20, 5, 0)] // clamped below
    [InlineData(100, 40, 70, 0.5)] // a decreasing metric: from 100 down to 40, now at 70
    [InlineData(100, 40, 30, 1)]
    [InlineData(100, 40, 120, 0)]
    [InlineData(-10, 10, 0, 0.5)]
    public void A_metric_is_the_clamped_share_of_the_way_from_start_to_target(double start, double target, double current, double expected) =>
        Assert.Equal(expected, OkrProgress.Metric(start, target, current), 10);

    [Fact]
    public void A_milestone_checklist_is_the_share_done() =>
        Assert.Equal([0.0, 0.25, 1.0, 0.0], [OkrProgress.Milestones(0, 4), OkrProgress.Milestones(1, 4), OkrProgress.Milestones(4, 4), OkrProgress.Milestones(0, 0)]);

    [Fact]
    public void Weights_are_normalised_and_default_to_equal()
    {
        // 3:1 weights: (3·0.2 + 1·1.0) / 4
        Assert.Equal(0.4, OkrProgress.WeightedMean([(0.2, 3), (1.0, 1)]), 10);
        // The same shares at any scale.
        Assert.Equal(0.4, OkrProgress.WeightedMean([(0.2, 0.75), (1.0, 0.25)]), 10);
        // Equal weights: the plain mean; a weight that is not positive counts as 1.
        Assert.Equal(0.5, OkrProgress.WeightedMean([(0.2, 1), (0.8, 1)]), 10);
        Assert.Equal(0.5, OkrProgress.WeightedMean([(0.2, 0), (0.8, -2)]), 10);
        Assert.Equal(0, OkrProgress.WeightedMean([]));
    }

    [Fact]
    public void An_objective_is_the_mean_of_its_key_results_its_aligned_children_or_both()
    {
        (double, double)[] keyResults = [(1.0, 1), (0.0, 3)]; // 0.25
        double[] children = [0.5, 1.0]; // 0.75
        Assert.Equal(0.25, OkrProgress.Objective(OkrValues.FromKeyResults, keyResults, children), 10);
        Assert.Equal(0.75, OkrProgress.Objective(OkrValues.FromChildren, keyResults, children), 10);
        Assert.Equal(0.5, OkrProgress.Objective(OkrValues.FromBoth, keyResults, children), 10);
        // "both" with only one side is that side.
        Assert.Equal(0.75, OkrProgress.Objective(OkrValues.FromBoth, [], children), 10);
        Assert.Equal(0.25, OkrProgress.Objective(OkrValues.FromBoth, keyResults, []), 10);
        Assert.Equal(0, OkrProgress.Objective(OkrValues.FromChildren, keyResults, []));
    }

    [Fact]
    public void Status_compares_progress_with_the_elapsed_share_of_the_cycle()
    {
        var start = new DateOnly(2026, 1, 1);
        var end = new DateOnly(2026, 1, 10); // ten days
        var halfway = new DateTimeOffset(2026, 1, 6, 0, 0, 0, TimeSpan.Zero);
        Assert.Equal(0.5, OkrProgress.Elapsed(start, end, halfway), 10);
        Assert.Equal(0, OkrProgress.Elapsed(start, end, halfway.AddDays(-30)));
        Assert.Equal(1, OkrProgress.Elapsed(start, end, halfway.AddDays(30)));
        Assert.Equal(OkrValues.OnTrack, OkrProgress.Status(0.45, 0.5));
        Assert.Equal(OkrValues.AtRisk, OkrProgress.Status(0.3, 0.5));
        Assert.Equal(OkrValues.OffTrack, OkrProgress.Status(0.1, 0.5));
        Assert.Equal(OkrValues.Done, OkrProgress.Status(1, 0.5));
        Assert.Equal(OkrValues.OffTrack, OkrProgress.Worst([OkrValues.OnTrack, OkrValues.OffTrack, OkrValues.AtRisk]));
        Assert.Equal(OkrValues.AtRisk, OkrProgress.Worst([OkrValues.Done, OkrValues.AtRisk]));
        Assert.Equal(OkrValues.OnTrack, OkrProgress.Worst([]));
    }
}
