namespace Spotter.Collab.Grains.Projects;

/// <summary>Makes <see cref="ItemId"/> depend on <see cref="PredecessorId"/>, finish-to-start: the item starts at the
/// earliest <see cref="LagDays"/> days after the day the predecessor ends (0: the next day). Setting it again changes
/// the lag. Members and admins; refused with <see cref="ProjectRejectCodes.DependencyCycle"/> when the predecessor
/// already depends on the item, directly or not.</summary>
[GenerateSerializer, Immutable, Alias("spotter.projects.SetItemDependency")]
public sealed record SetItemDependency(
    [property: Id(0)] string ItemId,
    [property: Id(1)] string PredecessorId,
    [property: Id(2)] int LagDays = 0) : ResourceCommand;

[GenerateSerializer, Immutable, Alias("spotter.projects.RemoveItemDependency")]
public sealed record RemoveItemDependency(
    [property: Id(0)] string ItemId,
    [property: Id(1)] string PredecessorId) : ResourceCommand;

/// <summary>Sets the item's planned dates and moves every item that depends on it, directly or not, later as far as
/// its dependencies need (keeping each one's length); nothing is moved earlier. One change, one history entry per
/// moved date.</summary>
[GenerateSerializer, Immutable, Alias("spotter.projects.RescheduleItem")]
public sealed record RescheduleItem(
    [property: Id(0)] string ItemId,
    [property: Id(1)] DateOnly PlannedStart,
    [property: Id(2)] DateOnly PlannedEnd) : ResourceCommand;

/// <param name="Item">The predecessor's id.</param>
/// <param name="Lag">Days between the predecessor's end and this item's start, beyond the next day.</param>
public sealed record ItemDependencyView(string Item, int Lag);

public static class ItemDependencies
{
    public const int MaxPerItem = 50;
    public const int MaxLagDays = 365;
}
