namespace Spotter.Collab.Grains.Projects;

/// <summary>Reads the project's delivery metrics (<see cref="ProjectMetricsView"/>), computed from its items and its
/// whole history; any project role may read them.</summary>
[GenerateSerializer, Immutable, Alias("spotter.projects.ReadProjectMetrics")]
public sealed record ReadProjectMetrics : ResourceCommand;

/// <summary>
/// A project's delivery metrics (docs/projects.md, <i>Metrics</i>). Days are judged in the project's time zone;
/// rates are 0–1 and null when nothing counts towards them.
/// </summary>
/// <param name="Items">Every item of the project.</param>
/// <param name="Delivered">Items whose status is <c>done</c>.</param>
/// <param name="OnTimeRate">Of delivered items with a planned end: the share delivered on or before that day.</param>
/// <param name="DelayRate">Of delivered items with a planned end: the share delivered after it.</param>
/// <param name="AverageDelayDays">Mean days past the planned end of the late deliveries.</param>
/// <param name="OverdueNow">Items not done whose planned end day has ended.</param>
/// <param name="Reschedules">Changes of an item's planned end that had one already.</param>
/// <param name="RollBacks">Nodes rolled back.</param>
/// <param name="Defects">Items of the type <c>defect</c>.</param>
/// <param name="DefectsPerDelivered">Defects per delivered item that is not a defect.</param>
/// <param name="CycleTimeDays">Mean time from an item's first node start to its delivery, in days.</param>
/// <param name="LeadTimeDays">Mean time from an item's creation to its delivery, in days.</param>
/// <param name="Throughput">Items delivered per week (weeks start on Monday), the last 12 weeks, oldest first.</param>
/// <param name="Workload">Per person named as an assignee or a node owner: what is still open.</param>
public sealed record ProjectMetricsView(
    string TimeZone,
    DateOnly Today,
    int Items,
    int Delivered,
    double? OnTimeRate,
    double? DelayRate,
    double? AverageDelayDays,
    int OverdueNow,
    int Reschedules,
    int RollBacks,
    int Defects,
    double? DefectsPerDelivered,
    double? CycleTimeDays,
    double? LeadTimeDays,
    IReadOnlyList<WeeklyThroughput> Throughput,
    IReadOnlyList<PersonWorkload> Workload);

/// <param name="Week">The week's Monday.</param>
public sealed record WeeklyThroughput(DateOnly Week, int Delivered);

/// <param name="OpenItems">Items not done that name the person as an assignee.</param>
/// <param name="OpenNodes">Nodes neither done nor skipped that the person owns.</param>
/// <param name="EstimateHours">The estimates of those nodes, summed.</param>
public sealed record PersonWorkload(string Username, int OpenItems, int OpenNodes, double EstimateHours);
