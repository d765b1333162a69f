using System.Buffers;

namespace Spotter.Collab.Grains.Okr;

/// <summary>The OKR kind's constants and ids (docs/okr.md is the contract).</summary>
public static class OkrSchema
{
    /// <summary>Objective ids are <c>objective-&lt;32 hex digits&gt;</c>: a live resource of the objective kind.</summary>
    public const string ObjectiveIdPrefix = "objective-";

    /// <summary>Key-result ids are <c>kr-&lt;the objective's 32 hex digits&gt;-&lt;12 hex digits&gt;</c>, so a key
    /// result names its objective.</summary>
    public const string KeyResultIdPrefix = "kr-";

    public const string CycleIdPrefix = "cycle-";

    /// <summary>Root <c>Y.Map</c>: the objective's definition and its key results. Written only by the server.</summary>
    public const string ObjectiveRoot = "objective";

    /// <summary>Root <c>Y.Map</c>: the progress read model the server keeps current. Written only by the server.</summary>
    public const string ProgressRoot = "progress";

    /// <summary>Root <c>Y.XmlFragment</c> (or any other root not listed here): the description, the clients' to write.</summary>
    public const string DescriptionRoot = "description";

    public static readonly IReadOnlyList<string> ServerOwnedRoots = [ObjectiveRoot, ProgressRoot];

    private static readonly SearchValues<char> HexDigits = SearchValues.Create("0123456789abcdef");

    public static string NewObjectiveId() => ObjectiveIdPrefix + Guid.NewGuid().ToString("N");

    public static string NewCycleId() => CycleIdPrefix + Guid.NewGuid().ToString("N");

    public static string NewKeyResultId(string objectiveId) =>
        KeyResultIdPrefix + objectiveId[ObjectiveIdPrefix.Length..] + "-" + Guid.NewGuid().ToString("N")[..12];

    public static bool IsObjectiveId(string? id) => IsHexId(id, ObjectiveIdPrefix, 32);

    public static bool IsCycleId(string? id) => IsHexId(id, CycleIdPrefix, 32);

    public static bool IsKeyResultId(string? id) =>
        id is { Length: 48 } && id.StartsWith(KeyResultIdPrefix, StringComparison.Ordinal) && id[35] == '-'
        && !id.AsSpan(3, 32).ContainsAnyExcept(HexDigits) && !id.AsSpan(36).ContainsAnyExcept(HexDigits);

    /// <summary>The objective a key result belongs to; null when <paramref name="keyResultId"/> is not a key-result id.</summary>
    public static string? ObjectiveOf(string? keyResultId) =>
        IsKeyResultId(keyResultId) ? ObjectiveIdPrefix + keyResultId![3..35] : null;

    private static bool IsHexId(string? id, string prefix, int digits) =>
        id is not null && id.Length == prefix.Length + digits && id.StartsWith(prefix, StringComparison.Ordinal)
        && !id.AsSpan(prefix.Length).ContainsAnyExcept(HexDigits);

    public const int MaxTitleLength = 300;
    public const int MaxNoteLength = 2000;
    public const int MaxKeyResults = 50;
    public const int MaxMilestones = 50;
    public const int MaxPeople = 50;
    public const int MaxDepartments = 50;
}

/// <summary>Cycle kinds and statuses.</summary>
public static class OkrCycles
{
    public static readonly IReadOnlyList<string> Kinds = ["quarter", "half", "year", "custom"];
    public const string Draft = "draft";
    public const string Active = "active";
    public const string Closed = "closed";
    public static readonly IReadOnlyList<string> Statuses = [Draft, Active, Closed];
}

/// <summary>Values of an objective's settings (docs/okr.md).</summary>
public static class OkrValues
{
    public static readonly IReadOnlyList<string> Categories = ["committed", "aspirational"];

    /// <summary>Visibility kinds: every employee, listed departments (and those below them), listed people.</summary>
    public static readonly IReadOnlyList<string> Visibilities = ["everyone", "departments", "people"];

    /// <summary>What an objective's progress is the mean of.</summary>
    public const string FromKeyResults = "keyResults";
    public const string FromChildren = "children";
    public const string FromBoth = "both";
    public static readonly IReadOnlyList<string> ProgressModes = [FromKeyResults, FromChildren, FromBoth];

    /// <summary>How an objective's status is set: from progress against the cycle's elapsed time, the worst key result, or by hand.</summary>
    public const string StatusAutomatic = "automatic";
    public const string StatusWorstKeyResult = "worstKeyResult";
    public const string StatusManual = "manual";
    public static readonly IReadOnlyList<string> StatusModes = [StatusAutomatic, StatusWorstKeyResult, StatusManual];

    public const string OnTrack = "on_track";
    public const string AtRisk = "at_risk";
    public const string OffTrack = "off_track";
    public const string Done = "done";
    public static readonly IReadOnlyList<string> Statuses = [OnTrack, AtRisk, OffTrack, Done];

    public const string Metric = "metric";
    public const string Milestones = "milestones";

    /// <summary>Measures of a key result fed from a project.</summary>
    public const string ItemsDone = "itemsDone";
    public const string NodeDone = "nodeDone";
    public const string EstimateDone = "estimateDone";
    public static readonly IReadOnlyList<string> Measures = [ItemsDone, NodeDone, EstimateDone];
}

/// <summary>Refusal codes of objective commands; <see cref="RejectCodes.Forbidden"/> (no access: 404 like a missing
/// objective), <see cref="RejectCodes.ReadOnly"/> (403) and <see cref="RejectCodes.ServerOwned"/> besides.</summary>
public static class OkrRejectCodes
{
    public const string Invalid = "invalid";
    public const string NotOwner = "not-owner";
    public const string UnknownKeyResult = "unknown-key-result";
    public const string Exists = "exists";
    public const string Cycle = "alignment-cycle";
    public const string CycleClosed = "cycle-closed";
}

[GenerateSerializer, Immutable, Alias("spotter.okr.Visibility")]
public sealed record OkrVisibility(
    [property: Id(0)] string Kind,
    [property: Id(1)] IReadOnlyList<string> Departments,
    [property: Id(2)] IReadOnlyList<string> People);

/// <summary>A key result's link to project work: <see cref="Measure"/> is <c>itemsDone</c> (items done, of
/// <see cref="ItemType"/> and with <see cref="Label"/> when given), <c>nodeDone</c> (1 when node
/// <see cref="NodeKey"/> of item <see cref="ItemId"/> is done or skipped) or <c>estimateDone</c> (the estimates of
/// done nodes of matching items, summed).</summary>
[GenerateSerializer, Immutable, Alias("spotter.okr.ProjectLink")]
public sealed record OkrProjectLink(
    [property: Id(0)] string ProjectId,
    [property: Id(1)] string Measure,
    [property: Id(2)] string? ItemType = null,
    [property: Id(3)] string? Label = null,
    [property: Id(4)] string? ItemId = null,
    [property: Id(5)] string? NodeKey = null);

/// <summary>Writes a new objective's definition (its creator, right after <see cref="IDocumentGrain.Create"/>).</summary>
[GenerateSerializer, Immutable, Alias("spotter.okr.InitializeObjective")]
public sealed record InitializeObjective(
    [property: Id(0)] string CycleId,
    [property: Id(1)] DateOnly CycleStart,
    [property: Id(2)] DateOnly CycleEnd,
    [property: Id(3)] string Title,
    [property: Id(4)] IReadOnlyList<string> Owners,
    [property: Id(5)] IReadOnlyList<string> Contributors,
    [property: Id(6)] string Category,
    [property: Id(7)] OkrVisibility Visibility) : ResourceCommand;

/// <summary>Adds a key result: a metric (start → target; target below start is a decreasing metric) or a milestone
/// checklist (<see cref="Milestones"/> not empty). Owners only.</summary>
[GenerateSerializer, Immutable, Alias("spotter.okr.AddKeyResult")]
public sealed record AddKeyResult(
    [property: Id(0)] string KeyResultId,
    [property: Id(1)] string Title,
    [property: Id(2)] double Start,
    [property: Id(3)] double Target,
    [property: Id(4)] string? Unit,
    [property: Id(5)] double Weight,
    [property: Id(6)] IReadOnlyList<string>? Milestones,
    [property: Id(7)] OkrProjectLink? Link) : ResourceCommand;

/// <summary>A check-in: the key result's current value (for a milestone checklist, ignored: its value is the number
/// of milestones done), confidence 0–10 (null keeps the last), a note. <see cref="Source"/> is set for automatic
/// check-ins (e.g. <c>project:&lt;id&gt;#&lt;sequence&gt;</c>). Owners and contributors.</summary>
[GenerateSerializer, Immutable, Alias("spotter.okr.CheckIn")]
public sealed record CheckInKeyResult(
    [property: Id(0)] string KeyResultId,
    [property: Id(1)] double Value,
    [property: Id(2)] int? Confidence,
    [property: Id(3)] string? Note,
    [property: Id(4)] string? Source = null,
    [property: Id(5)] int? Milestone = null,
    [property: Id(6)] bool MilestoneDone = false) : ResourceCommand;

/// <summary>Changes how progress and status are computed, the manual status and weights; null leaves a setting as it is. Owners only.</summary>
[GenerateSerializer, Immutable, Alias("spotter.okr.UpdateObjective")]
public sealed record UpdateObjective(
    [property: Id(0)] string? ProgressMode = null,
    [property: Id(1)] string? StatusMode = null,
    [property: Id(2)] string? ManualStatus = null,
    [property: Id(3)] string? Title = null,
    [property: Id(4)] string? Category = null,
    [property: Id(5)] IReadOnlyDictionary<string, double>? Weights = null) : ResourceCommand;

/// <summary>Reads the objective; the reply is an <see cref="ObjectiveView"/> as JSON.</summary>
[GenerateSerializer, Immutable, Alias("spotter.okr.ReadObjective")]
public sealed record ReadObjective : ResourceCommand;

/// <summary>Reads a key result's check-ins, oldest first; the reply is a list of <see cref="OkrCheckIn"/> as JSON.</summary>
[GenerateSerializer, Immutable, Alias("spotter.okr.ReadCheckIns")]
public sealed record ReadCheckIns([property: Id(0)] string KeyResultId) : ResourceCommand;

/// <summary>Makes the objective read its aligned children's progress again (sent by its cycle's alignment graph; it
/// carries nothing the objective takes on trust).</summary>
[GenerateSerializer, Immutable, Alias("spotter.okr.RefreshAlignment")]
public sealed record RefreshAlignment : ResourceCommand;

/// <summary>One check-in as stored and read back.</summary>
[GenerateSerializer, Immutable, Alias("spotter.okr.CheckInRecord")]
public sealed record OkrCheckIn(
    [property: Id(0)] string KeyResultId,
    [property: Id(1)] string ObjectiveId,
    [property: Id(2)] double Value,
    [property: Id(3)] int? Confidence,
    [property: Id(4)] string? Note,
    [property: Id(5)] string Author,
    [property: Id(6)] string? Source,
    [property: Id(7)] DateTimeOffset At);

[GenerateSerializer, Immutable, Alias("spotter.okr.Cycle")]
public sealed record OkrCycle(
    [property: Id(0)] string Id,
    [property: Id(1)] string Name,
    [property: Id(2)] string Kind,
    [property: Id(3)] DateOnly Start,
    [property: Id(4)] DateOnly End,
    [property: Id(5)] string Status,
    [property: Id(6)] DateTimeOffset CreatedAt);

public sealed record MilestoneView(string Title, bool Done);

public sealed record KeyResultView(
    string Id,
    string Title,
    string Kind,
    double Start,
    double Target,
    double Current,
    string? Unit,
    double Weight,
    double Progress,
    string Status,
    int? Confidence,
    IReadOnlyList<MilestoneView> Milestones,
    OkrProjectLink? Link);

public sealed record AlignedChildView(string Id, double Progress);

public sealed record ObjectiveView(
    string Id,
    string CycleId,
    string Title,
    IReadOnlyList<string> Owners,
    IReadOnlyList<string> Contributors,
    string Category,
    OkrVisibility Visibility,
    string ProgressMode,
    string StatusMode,
    double Progress,
    string Status,
    IReadOnlyList<KeyResultView> KeyResults,
    IReadOnlyList<AlignedChildView> Children);

/// <summary>A node of a cycle's alignment graph: an objective or a key result with its last known progress.</summary>
[GenerateSerializer, Immutable, Alias("spotter.okr.GraphNode")]
public sealed record OkrGraphNode(
    [property: Id(0)] string Id,
    [property: Id(1)] string ObjectiveId,
    [property: Id(2)] string Title,
    [property: Id(3)] double Progress,
    [property: Id(4)] IReadOnlyList<string> Owners);

[GenerateSerializer, Immutable, Alias("spotter.okr.Alignment")]
public sealed record OkrAlignment([property: Id(0)] string From, [property: Id(1)] string To);

[GenerateSerializer, Immutable, Alias("spotter.okr.Graph")]
public sealed record OkrGraph(
    [property: Id(0)] IReadOnlyList<OkrGraphNode> Nodes,
    [property: Id(1)] IReadOnlyList<OkrAlignment> Alignments);

public enum AlignmentOutcome
{
    Ok,
    Exists,
    Cycle,
    UnknownNode,
}

/// <summary>The cycles of the company: created by administrators, listed by everyone (docs/okr.md). Key "default".</summary>
[Alias("spotter.okr.IOkrCyclesGrain")]
public interface IOkrCyclesGrain : IGrainWithStringKey
{
    public const string Key = "default";

    [Alias("Create")]
    Task<OkrCycle> Create(string name, string kind, DateOnly firstDay, DateOnly lastDay);

    [Alias("List")]
    Task<IReadOnlyList<OkrCycle>> List();

    [Alias("Get")]
    Task<OkrCycle?> Find(string cycleId);

    [Alias("SetStatus")]
    Task<OkrCycle?> SetStatus(string cycleId, string status);
}

/// <summary>
/// One cycle's alignment graph (keyed by the cycle id): the objectives and key results of the cycle with their last
/// progress, and the alignments between them. The one place that answers "would this alignment close a cycle", loads
/// the company graph, and pushes a change of progress up to the aligned parents.
/// </summary>
[Alias("spotter.okr.IOkrAlignmentGrain")]
public interface IOkrAlignmentGrain : IGrainWithStringKey
{
    /// <summary>An objective's progress and its key results' changed (or the objective is new): stored, and every
    /// objective it is aligned to recomputes before this returns.</summary>
    [Alias("Report")]
    Task Report(OkrGraphNode objective, IReadOnlyList<OkrGraphNode> keyResults);

    [Alias("Align")]
    Task<AlignmentOutcome> Align(string child, string parent);

    [Alias("Unalign")]
    Task<bool> Unalign(string child, string parent);

    /// <summary>The children aligned directly to <paramref name="objectiveId"/> with their progress.</summary>
    [Alias("Children")]
    Task<IReadOnlyList<OkrGraphNode>> Children(string objectiveId);

    [Alias("Graph")]
    Task<OkrGraph> Graph();
}

/// <summary>
/// The key results fed from one project (keyed by the project id): the project hands it its events (one way, after
/// its automation), and it recomputes each linked key result from the project's items and records a check-in when the
/// value moved.
/// </summary>
[Alias("spotter.okr.IOkrProjectFeedGrain")]
public interface IOkrProjectFeedGrain : IGrainWithStringKey
{
    [Alias("Publish"), Orleans.Concurrency.OneWay]
    Task Publish(IReadOnlyList<Projects.ProjectEvent> events);

    /// <summary>Links a key result to the project, reading it as <paramref name="linkedBy"/>, and records its first value.</summary>
    [Alias("Link")]
    Task Link(string keyResultId, OkrProjectLink link, string linkedBy);

    /// <summary>Recomputes every linked key result now (what <see cref="Publish"/> does, awaited).</summary>
    [Alias("Refresh")]
    Task Refresh(string? source);
}

/// <summary>Audit actions of the OKR API.</summary>
public static class OkrAuditActions
{
    public const string CycleCreated = "okr.cycle-created";
    public const string CycleChanged = "okr.cycle-changed";
    public const string ObjectiveCreated = "okr.objective-created";
    public const string ObjectiveChanged = "okr.objective-changed";
    public const string KeyResultCreated = "okr.key-result-created";
    public const string CheckIn = "okr.check-in";
    public const string Aligned = "okr.aligned";
    public const string Unaligned = "okr.unaligned";
}
