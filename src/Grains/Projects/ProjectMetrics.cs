namespace Spotter.Collab.Grains.Projects;

/// <summary>The delivery metrics of a project from its items and history (definitions: docs/projects.md,
/// <i>Metrics</i>). Pure: the caller passes the time and the zone.</summary>
public static class ProjectMetrics
{
    public const int ThroughputWeeks = 12;

    public static ProjectMetricsView Compute(IReadOnlyList<ProjectItemView> items, IReadOnlyList<ProjectEvent> events, TimeProvider time, TimeZoneInfo zone)
    {
        ArgumentNullException.ThrowIfNull(items);
        ArgumentNullException.ThrowIfNull(events);
        ArgumentNullException.ThrowIfNull(zone);
        var today = ProjectDates.Today(time, zone);
        var deliveredAt = new Dictionary<string, DateTimeOffset>(StringComparer.Ordinal);
        var firstStart = new Dictionary<string, DateTimeOffset>(StringComparer.Ordinal);
        int reschedules = 0, rollBacks = 0;
        foreach (var e in events)
        {
            if (e.ItemId is not { } itemId) continue;
            switch (e.Type)
            {
                case ProjectEventTypes.ItemStatusChanged when e.To == NodeStatuses.Done:
                    if (!deliveredAt.TryGetValue(itemId, out var at) || e.At > at) deliveredAt[itemId] = e.At;
                    break;
                case ProjectEventTypes.NodeStarted:
                    if (!firstStart.TryGetValue(itemId, out var start) || e.At < start) firstStart[itemId] = e.At;
                    break;
                case ProjectEventTypes.NodeRolledBack:
                    rollBacks++;
                    break;
                case ProjectEventTypes.ItemFieldChanged when e.NodeKey is null && e.Field == "plannedEnd" && e.From is not null:
                    reschedules++;
                    break;
            }
        }

        int delivered = 0, planned = 0, late = 0, defects = 0, deliveredNonDefects = 0;
        double delayDays = 0, cycleDays = 0, leadDays = 0;
        int cycleCount = 0, leadCount = 0;
        var weeks = new int[ThroughputWeeks];
        var thisMonday = Monday(today);
        var firstMonday = thisMonday.AddDays(-7 * (ThroughputWeeks - 1));
        foreach (var item in items)
        {
            if (item.Type == "defect") defects++;
            if (item.Status != NodeStatuses.Done) continue;
            delivered++;
            if (item.Type != "defect") deliveredNonDefects++;
            var at = deliveredAt.TryGetValue(item.Id, out var recorded) ? recorded
                : item.Nodes.Select(n => n.ActualEnd).Max() ?? item.CreatedAt;
            if (at is not { } deliveredInstant) continue;
            var day = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(deliveredInstant, zone).DateTime);
            if (item.PlannedEnd is { } end)
            {
                planned++;
                if (day > end)
                {
                    late++;
                    delayDays += day.DayNumber - end.DayNumber;
                }
            }
            var week = (Monday(day).DayNumber - firstMonday.DayNumber) / 7;
            if (week is >= 0 and < ThroughputWeeks) weeks[week]++;
            if (firstStart.TryGetValue(item.Id, out var started))
            {
                cycleDays += (deliveredInstant - started).TotalDays;
                cycleCount++;
            }
            if (item.CreatedAt is { } created)
            {
                leadDays += (deliveredInstant - created).TotalDays;
                leadCount++;
            }
        }

        var workload = new SortedDictionary<string, (int Items, int Nodes, double Hours)>(StringComparer.Ordinal);
        foreach (var item in items)
        {
            if (item.Status != NodeStatuses.Done)
            {
                foreach (var person in item.Assignees.Distinct(StringComparer.Ordinal))
                {
                    var load = workload.GetValueOrDefault(person);
                    workload[person] = load with { Items = load.Items + 1 };
                }
            }
            foreach (var node in item.Nodes.Where(n => !NodeStatuses.IsFinished(n.Status)))
            {
                foreach (var owner in node.Owners.Distinct(StringComparer.Ordinal))
                {
                    var load = workload.GetValueOrDefault(owner);
                    workload[owner] = (load.Items, load.Nodes + 1, load.Hours + (node.Estimate ?? 0));
                }
            }
        }

        return new ProjectMetricsView(
            zone.Id,
            today,
            items.Count,
            delivered,
            planned == 0 ? null : Round((double)(planned - late) / planned),
            planned == 0 ? null : Round((double)late / planned),
            late == 0 ? null : Round(delayDays / late),
            items.Count(i => i.Overdue),
            reschedules,
            rollBacks,
            defects,
            deliveredNonDefects == 0 ? null : Round((double)defects / deliveredNonDefects),
            cycleCount == 0 ? null : Round(cycleDays / cycleCount),
            leadCount == 0 ? null : Round(leadDays / leadCount),
            [.. weeks.Select((count, i) => new WeeklyThroughput(firstMonday.AddDays(7 * i), count))],
            [.. workload.Select(w => new PersonWorkload(w.Key, w.Value.Items, w.Value.Nodes, w.Value.Hours))]);
    }

    private static DateOnly Monday(DateOnly day) => day.AddDays(-(((int)day.DayOfWeek + 6) % 7));

    private static double Round(double value) => Math.Round(value, 4, MidpointRounding.AwayFromZero);
}
