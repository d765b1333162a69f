using System.Text.RegularExpressions;

namespace Spotter.Collab.Grains.Projects;

/// <summary>
/// The project kind's constants: its id prefix, the roots of its Y document, statuses and project roles
/// (docs/projects.md is the contract).
/// </summary>
public static partial class ProjectSchema
{
    /// <summary>Project ids are <c>project-&lt;32 hex digits&gt;</c>.</summary>
    public const string IdPrefix = "project-";

    /// <summary>The DI key of the <see cref="TimeProvider"/> projects run on (the process clock unless a test
    /// registers its own).</summary>
    public const string ClockKey = "projects";

    /// <summary>Root <c>Y.Map</c>: item id → item <c>Y.Map</c>. Written only by the server.</summary>
    public const string ItemsRoot = "items";

    /// <summary>Root <c>Y.Map</c>: name, time zone, functional roles. Written only by the server.</summary>
    public const string ProjectRoot = "project";

    /// <summary>Root <c>Y.Map</c>: work-item type key → type <c>Y.Map</c> (name, workflow template). Written only by the server.</summary>
    public const string TypesRoot = "types";

    /// <summary>The roots clients may not write (<c>Rejected(server-owned)</c>).</summary>
    public static readonly IReadOnlyList<string> ServerOwnedRoots = [ItemsRoot, ProjectRoot, TypesRoot];

    public static string NewId() => IdPrefix + Guid.NewGuid().ToString("N");

    public static bool IsProjectId(string? id) =>
        id is { Length: 40 } && id.StartsWith(IdPrefix, StringComparison.Ordinal) && !id.AsSpan(IdPrefix.Length).ContainsAnyExcept(HexDigits);

    private static readonly System.Buffers.SearchValues<char> HexDigits = System.Buffers.SearchValues.Create("0123456789abcdef");

    public static string NewItemId() => Guid.NewGuid().ToString("N");

    /// <summary>Keys of work-item types, workflow nodes and functional roles (and item ids): 1-32 of lower-case letters,
    /// digits, <c>-</c> and <c>_</c>, starting with a letter or digit.</summary>
    public static bool IsKey(string? key) => key is not null && KeyPattern().IsMatch(key);

    /// <summary>How many functional roles one member may hold.</summary>
    public const int MaxFunctionsPerMember = 10;

    /// <summary>Null when <paramref name="functions"/> is a valid list of functional roles; else what is wrong.</summary>
    public static string? CheckFunctions(IReadOnlyList<string>? functions)
    {
        if (functions is null) return null;
        if (functions.Count > MaxFunctionsPerMember) return $"functionalRoles: at most {MaxFunctionsPerMember}";
        return functions.FirstOrDefault(f => !IsKey(f)) is { } bad ? $"functionalRoles: '{bad}' is not a role key (a-z, 0-9, '-', '_')" : null;
    }

    [GeneratedRegex("^[a-z0-9][a-z0-9_-]{0,31}$")]
    private static partial Regex KeyPattern();
}

/// <summary>Statuses of a workflow node; an item's status is derived from its nodes' (docs/projects.md).</summary>
public static class NodeStatuses
{
    public const string NotStarted = "not_started";
    public const string InProgress = "in_progress";
    public const string Done = "done";
    public const string Blocked = "blocked";
    public const string Skipped = "skipped";

    public static readonly IReadOnlyList<string> All = [NotStarted, InProgress, Done, Blocked, Skipped];

    /// <summary>A predecessor in one of these lets its successors start.</summary>
    public static bool IsFinished(string? status) => status is Done or Skipped;
}

/// <summary>Refusal codes of project commands (<see cref="FrameResult.RejectCode"/>); the HTTP API maps them to
/// statuses (docs/projects.md). Besides these: <see cref="RejectCodes.Forbidden"/> (no access: 404 like a missing
/// project) and <see cref="RejectCodes.ReadOnly"/> (a viewer or commenter: 403).</summary>
public static class ProjectRejectCodes
{
    /// <summary>403: the caller is neither the node's owner nor a project admin.</summary>
    public const string NotOwner = "not-owner";

    /// <summary>403: only a project admin may do this.</summary>
    public const string NotAdmin = "not-admin";

    /// <summary>409: a predecessor of the node is neither done nor skipped.</summary>
    public const string PredecessorsPending = "predecessors-pending";

    /// <summary>409: the node's status does not allow the transition (e.g. completing a node that is not in progress).</summary>
    public const string InvalidTransition = "invalid-transition";

    /// <summary>404: no such item (or node) in the project.</summary>
    public const string UnknownItem = "unknown-item";

    public const string UnknownNode = "unknown-node";

    /// <summary>400: input that breaks a rule of its shape (with a detail saying which).</summary>
    public const string Invalid = "invalid";

    /// <summary>409: an item with that id exists, or the project was initialised already.</summary>
    public const string Exists = "exists";

    /// <summary>A dependency that would close a circle of items.</summary>
    public const string DependencyCycle = "dependency-cycle";
}

/// <summary>A node of a workflow template: a DAG over <see cref="Key"/>s, <see cref="After"/> naming the
/// predecessors; <see cref="Role"/> is the functional role whose members become the node's owners.</summary>
[GenerateSerializer, Immutable, Alias("spotter.projects.WorkflowNodeTemplate")]
public sealed record WorkflowNodeTemplate(
    [property: Id(0)] string Key,
    [property: Id(1)] string Name,
    [property: Id(2)] IReadOnlyList<string> After,
    [property: Id(3)] string? Role);

/// <summary>Writes the project's name, time zone and the built-in work-item types into a new project (the creator,
/// right after <see cref="IDocumentGrain.Create"/>).</summary>
[GenerateSerializer, Immutable, Alias("spotter.projects.InitializeProject")]
public sealed record InitializeProject(
    [property: Id(0)] string Name,
    [property: Id(1)] string TimeZone) : ResourceCommand;

/// <summary>A member's functional roles (e.g. <c>pm</c>, <c>developer</c>, <c>qa</c>, <c>ops</c>); empty removes
/// them. Admins only.</summary>
[GenerateSerializer, Immutable, Alias("spotter.projects.SetMemberFunctions")]
public sealed record SetMemberFunctions(
    [property: Id(0)] string Username,
    [property: Id(1)] IReadOnlyList<string> Functions) : ResourceCommand;

/// <summary>Adds or replaces a work-item type and its workflow template. Admins only.</summary>
[GenerateSerializer, Immutable, Alias("spotter.projects.SetWorkItemType")]
public sealed record SetWorkItemType(
    [property: Id(0)] string Key,
    [property: Id(1)] string Name,
    [property: Id(2)] IReadOnlyList<WorkflowNodeTemplate> Nodes) : ResourceCommand;

/// <summary>Creates an item with the caller's id (<see cref="ProjectSchema.NewItemId"/>), instantiating its type's
/// template. Members and admins.</summary>
[GenerateSerializer, Immutable, Alias("spotter.projects.CreateProjectItem")]
public sealed record CreateProjectItem(
    [property: Id(0)] string ItemId,
    [property: Id(1)] string Title,
    [property: Id(2)] string? Type) : ResourceCommand;

/// <summary>What happens to a node: start (<see cref="ChangeNode.Override"/>: an admin starts it before its
/// predecessors finished; a blocked node starts again), complete, roll back (with a <see cref="ChangeNode.Reason"/>),
/// block (with a reason) or skip (admins; a skipped node counts as finished for its successors).</summary>
public enum NodeAction
{
    Start,
    Complete,
    RollBack,
    Block,
    Skip,
}

[GenerateSerializer, Immutable, Alias("spotter.projects.ChangeNode")]
public sealed record ChangeNode(
    [property: Id(0)] string ItemId,
    [property: Id(1)] string NodeKey,
    [property: Id(2)] NodeAction Action,
    [property: Id(3)] bool Override = false,
    [property: Id(4)] string? Reason = null) : ResourceCommand;

/// <summary>Changes an item's fields; null leaves a field as it is (<see cref="ClearPlannedStart"/> and
/// <see cref="ClearPlannedEnd"/> remove a date). <see cref="Depth"/>: how many rule-made changes led here (0 for a
/// person's change).</summary>
[GenerateSerializer, Immutable, Alias("spotter.projects.UpdateProjectItem")]
public sealed record UpdateProjectItem(
    [property: Id(0)] string ItemId,
    [property: Id(1)] string? Title = null,
    [property: Id(2)] string? Priority = null,
    [property: Id(3)] IReadOnlyList<string>? Assignees = null,
    [property: Id(4)] IReadOnlyList<string>? Labels = null,
    [property: Id(5)] DateOnly? PlannedStart = null,
    [property: Id(6)] DateOnly? PlannedEnd = null,
    [property: Id(7)] bool ClearPlannedStart = false,
    [property: Id(8)] bool ClearPlannedEnd = false,
    [property: Id(9)] int Depth = 0) : ResourceCommand;

/// <summary>Changes a node's fields; null leaves a field as it is. Owners and members: admins; dates and estimate: the
/// node's owners and admins.</summary>
[GenerateSerializer, Immutable, Alias("spotter.projects.UpdateProjectNode")]
public sealed record UpdateProjectNode(
    [property: Id(0)] string ItemId,
    [property: Id(1)] string NodeKey,
    [property: Id(2)] IReadOnlyList<string>? Owners = null,
    [property: Id(3)] IReadOnlyList<string>? Members = null,
    [property: Id(4)] DateOnly? PlannedStart = null,
    [property: Id(5)] DateOnly? PlannedEnd = null,
    [property: Id(6)] double? Estimate = null,
    [property: Id(7)] bool ClearPlannedStart = false,
    [property: Id(8)] bool ClearPlannedEnd = false,
    [property: Id(9)] bool ClearEstimate = false,
    [property: Id(10)] int Depth = 0) : ResourceCommand;

/// <summary>Reads one item; the reply is a <see cref="ProjectItemView"/> as JSON.</summary>
[GenerateSerializer, Immutable, Alias("spotter.projects.ReadProjectItem")]
public sealed record ReadProjectItem([property: Id(0)] string ItemId) : ResourceCommand;

/// <summary>Reads every item; the reply is a list of <see cref="ProjectItemView"/> as JSON.</summary>
[GenerateSerializer, Immutable, Alias("spotter.projects.ListProjectItems")]
public sealed record ListProjectItems : ResourceCommand;

/// <summary>Reads the project's settings and types; the reply is a <see cref="ProjectView"/> as JSON.</summary>
[GenerateSerializer, Immutable, Alias("spotter.projects.ReadProject")]
public sealed record ReadProject : ResourceCommand;

/// <summary>Reads recorded changes, newest first (of one item when <see cref="ItemId"/> is set), before
/// <see cref="Before"/> (a sequence); the reply is a list of <see cref="ProjectEvent"/> as JSON.</summary>
[GenerateSerializer, Immutable, Alias("spotter.projects.ReadProjectHistory")]
public sealed record ReadProjectHistory(
    [property: Id(0)] string? ItemId,
    [property: Id(1)] long? Before,
    [property: Id(2)] int Limit) : ResourceCommand;

/// <summary>A node as the API returns it.</summary>
public sealed record ProjectNodeView(
    string Key,
    string Name,
    string Status,
    IReadOnlyList<string> Owners,
    IReadOnlyList<string> Members,
    IReadOnlyList<string> After,
    DateOnly? PlannedStart,
    DateOnly? PlannedEnd,
    double? Estimate,
    DateTimeOffset? ActualStart,
    DateTimeOffset? ActualEnd);

/// <summary>An item as the API returns it; <see cref="Overdue"/> is judged in the project's time zone.</summary>
public sealed record ProjectItemView(
    string Id,
    string Title,
    string Type,
    string Status,
    string Priority,
    IReadOnlyList<string> Assignees,
    IReadOnlyList<string> Labels,
    DateOnly? PlannedStart,
    DateOnly? PlannedEnd,
    bool Overdue,
    DateTimeOffset? CreatedAt,
    string CreatedBy,
    IReadOnlyList<ProjectNodeView> Nodes,
    IReadOnlyList<ItemDependencyView> DependsOn);

public sealed record WorkItemTypeView(string Key, string Name, IReadOnlyList<WorkflowNodeTemplate> Nodes);

/// <summary>The project's own settings: <see cref="Functions"/> maps members to their functional roles.</summary>
public sealed record ProjectView(
    string Name,
    string TimeZone,
    IReadOnlyDictionary<string, IReadOnlyList<string>> Functions,
    IReadOnlyList<WorkItemTypeView> Types);

/// <summary>Audit actions of the project API.</summary>
public static class ProjectAuditActions
{
    public const string Created = "project.created";
    public const string MemberSet = "project.member-set";
    public const string MemberRemoved = "project.member-removed";
    public const string TypeSet = "project.type-set";
    public const string ItemCreated = "project.item-created";
    public const string ItemChanged = "project.item-changed";
    public const string NodeChanged = "project.node-changed";
}

/// <summary>Paging bounds of a project's history.</summary>
public static class ProjectHistory
{
    public const int MaxPage = 500;

    public static int ClampLimit(int limit) => Math.Clamp(limit, 1, MaxPage);
}
