using Microsoft.Extensions.Time.Testing;
using Spotter.Collab.Grains.Projects;

namespace Spotter.Collab.Server.Tests.Projects;

/// <summary>"Overdue" is judged in the project's time zone, not the server's.</summary>
public sealed class ProjectDatesTests
{
    [Fact]
    public void Overdue_starts_when_the_planned_day_ends_in_the_projects_zone()
    {
        var shanghai = ProjectDates.FindZone("Asia/Shanghai")!;
        var newYork = ProjectDates.FindZone("America/New_York")!;
        var due = new DateOnly(2026, 12, 7);
        // 2026-12-07 16:30 UTC: already the 8th in Shanghai (UTC+8), still the 7th in New York (UTC-5).
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 7, 16, 30, 0, TimeSpan.Zero));
        Assert.True(ProjectDates.IsOverdue(due, "in_progress", time, shanghai));
        Assert.Equal(1, ProjectDates.DaysOverdue(due, "in_progress", time, shanghai));
        Assert.False(ProjectDates.IsOverdue(due, "in_progress", time, newYork));
        // Done work is never overdue; no planned end, nothing to be late for.
        Assert.False(ProjectDates.IsOverdue(due, "done", time, shanghai));
        Assert.False(ProjectDates.IsOverdue(null, "in_progress", time, shanghai));

        // 2026-12-08 05:30 UTC: the 8th in New York too.
        time.Advance(TimeSpan.FromHours(13));
        Assert.True(ProjectDates.IsOverdue(due, "not_started", time, newYork));
        Assert.Equal(1, ProjectDates.DaysOverdue(due, "not_started", time, shanghai));
        time.Advance(TimeSpan.FromDays(1));
        Assert.Equal(2, ProjectDates.DaysOverdue(due, "not_started", time, shanghai));
    }

    [Fact]
    public void Only_known_iana_zones_are_accepted()
    {
        Assert.NotNull(ProjectDates.FindZone("Europe/Berlin"));
        Assert.Null(ProjectDates.FindZone("Mars/Olympus_Mons"));
        Assert.Null(ProjectDates.FindZone(""));
        Assert.Null(ProjectDates.FindZone(new string('a', 100)));
    }
}
