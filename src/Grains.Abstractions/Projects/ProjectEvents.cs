namespace Spotter.Collab.Grains.Projects;

/// <summary>
/// One recorded change of a project (an item created, a node started, completed or rolled back, a field changed…):
/// the project's history and what its automation reacts to. Written durably by the project before the change is
/// acknowledged; <see cref="Sequence"/> increases by one per project, so a consumer keeps a cursor and an idempotency
/// key is <c>{ProjectId}:{Sequence}</c>.
/// </summary>
[GenerateSerializer, Immutable, Alias("spotter.ProjectEvent")]
public sealed record ProjectEvent(
    [property: Id(0)] string ProjectId,
    [property: Id(1)] long Sequence,
    [property: Id(2)] string Type,
    [property: Id(3)] string Actor,
    [property: Id(4)] DateTimeOffset At,
    [property: Id(5)] string? ItemId,
    [property: Id(6)] string? ItemTitle,
    [property: Id(7)] string? NodeKey,
    [property: Id(8)] string? Field,
    [property: Id(9)] string? From,
    [property: Id(10)] string? To,
    [property: Id(11)] string? Reason,
    [property: Id(12)] int Depth);

/// <summary>The <see cref="ProjectEvent.Type"/> values (also the names webhooks subscribe to).</summary>
public static class ProjectEventTypes
{
    public const string ItemCreated = "item.created";
    public const string ItemStatusChanged = "item.status_changed";
    public const string ItemFieldChanged = "item.field_changed";
    public const string ItemOverdue = "item.overdue";
    public const string NodeStarted = "node.started";
    public const string NodeCompleted = "node.completed";
    public const string NodeRolledBack = "node.rolled_back";
    public const string NodeStatusChanged = "node.status_changed";

    /// <summary>How many rule-made changes may follow one person's change (<see cref="ProjectEvent.Depth"/> counts
    /// them): rules cannot trigger each other without bound.</summary>
    public const int MaxDepth = 3;
}

/// <summary>
/// A project's automation (keyed by the project id): its webhooks and rules, and the outbox that delivers their
/// posts with retries. The project hands it every event once the event is durable and waits for this call, which
/// returns once the deliveries it causes are durably queued.
/// </summary>
[Alias("spotter.IProjectAutomationGrain")]
public interface IProjectAutomationGrain : IGrainWithStringKey
{
    [Alias("Publish")]
    Task Publish(IReadOnlyList<ProjectEvent> events);
}
