using System.Text.Json;
using Microsoft.Extensions.Logging;
using Spotter.Collab.Crdt;
using Spotter.Collab.Grains.Documents;
using Spotter.Collab.Grains.Projects;

namespace Spotter.Collab.Grains.Okr;

/// <summary>
/// The objective: a live resource (ids <c>objective-…</c>) whose Y document holds its description (the clients') and
/// its definition and progress read model (the server's: docs/okr.md). Key results, check-ins and settings are
/// commands (<see cref="IDocumentGrain.Execute"/>); each change recomputes the read model in the same update, records
/// a check-in durably before answering, and reports the new progress to the cycle's alignment graph, which makes the
/// aligned parents recompute in turn.
/// </summary>
public sealed class ObjectiveKind(IOkrStore store, ILogger<ObjectiveKind> logger, TimeProvider? time = null) : IResourceKind
{
    public string Name => "objective";

    public string IdPrefix => OkrSchema.ObjectiveIdPrefix;

    public LiveResourceExtension Attach(ILiveResource resource) => new ObjectiveExtension(resource, store, logger, time ?? TimeProvider.System);
}

internal sealed partial class ObjectiveExtension(ILiveResource objective, IOkrStore store, ILogger logger, TimeProvider time) : LiveResourceExtension
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private Task _lastChange = Task.CompletedTask;
    private ObjectiveDocument? _document;

    public override bool ValidatesUpdates => true;

    public override UpdateRejection? Validate(DocumentRole role, string principal, ReadOnlySpan<byte> update)
    {
        if (objective.Content is not { } content) return null;
        foreach (var root in OkrSchema.ServerOwnedRoots)
        {
            if (content.WritesRoot(update, root)) return new UpdateRejection(RejectCodes.ServerOwned, $"the {root} of an objective is changed through its commands");
        }
        return null;
    }

    public override void OnCommitted(string author, byte[] update) => _document?.Apply(update);

    public override Task<FrameResult> ExecuteAsync(ILiveResource resource, string principal, ResourceCommand command) => command switch
    {
        InitializeObjective c => ChangeAsync(principal, (role, doc) => Initialize(principal, role, doc, c)),
        AddKeyResult c => ChangeAsync(principal, (role, doc) => AddKeyResult(role, doc, c)),
        CheckInKeyResult c => ChangeAsync(principal, (role, doc) => CheckIn(principal, role, doc, c)),
        UpdateObjective c => ChangeAsync(principal, (role, doc) => Update(role, doc, c)),
        ReadObjective => ReadAsync(principal, doc => Reply(doc.View(objective.Id, time.GetUtcNow()))),
        ReadCheckIns c => ReadCheckInsAsync(principal, c),
        RefreshAlignment => RefreshAsync(),
        _ => base.ExecuteAsync(resource, principal, command),
    };

    private ObjectiveDocument Document() => _document ??= new ObjectiveDocument(objective.Content!.EncodeStateAsUpdate());

    private FrameResult Reply<T>(T value) => objective.Accepted with { Reply = JsonSerializer.SerializeToUtf8Bytes(value, Json) };

    private FrameResult NoAccess() => objective.Reject(RejectCodes.Forbidden, "no access to this objective");

    private FrameResult Invalid(string detail) => objective.Reject(OkrRejectCodes.Invalid, detail);

    private async Task<FrameResult> ReadAsync(string principal, Func<ObjectiveDocument, FrameResult> read)
    {
        if (await objective.ResolveRoleAsync(principal) is null || objective.Content is null || !Document().Initialized) return NoAccess();
        return read(Document());
    }

    private async Task<FrameResult> ReadCheckInsAsync(string principal, ReadCheckIns command)
    {
        if (await objective.ResolveRoleAsync(principal) is null || objective.Content is null || !Document().Initialized) return NoAccess();
        if (Document().KeyResult(command.KeyResultId) is null) return objective.Reject(OkrRejectCodes.UnknownKeyResult, $"no key result {command.KeyResultId}");
        return Reply(await store.ReadCheckInsAsync(command.KeyResultId));
    }

    /// <summary>A change decided on the replica: a refusal, or the update (with the read model recomputed in it), the
    /// check-in it records, and whether the progress moved (then the alignment graph hears of it).</summary>
    private readonly record struct Decision(FrameResult? Refusal, byte[] Update, OkrCheckIn? CheckIn, bool Report)
    {
        public static Decision Refuse(FrameResult refusal) => new(refusal, [], null, false);
    }

    /// <summary>Runs one change at a time (as the project does): role, decision on the replica, durable apply, the
    /// check-in stored, then the answer; the graph is told after the gate opens, so a parent's refresh never waits on it.</summary>
    private async Task<FrameResult> ChangeAsync(string principal, Func<DocumentRole, ObjectiveDocument, Decision> decide)
    {
        Decision decision;
        var previous = _lastChange;
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _lastChange = done.Task;
        await previous;
        try
        {
            if (await objective.ResolveRoleAsync(principal) is not { } role || objective.Content is null) return NoAccess();
            decision = decide(role, Document());
            if (decision.Refusal is { } refusal) return refusal;
            if (decision.Update.Length > 0)
            {
                var result = await objective.ApplyServerUpdateAsync(DocumentRole.Owner, decision.Update, principal);
                if (result.IsRejected)
                {
                    _document = null;
                    return result;
                }
            }
            if (decision.CheckIn is { } checkIn) await store.AppendCheckInAsync(checkIn);
        }
        catch
        {
            _document = null;
            throw;
        }
        finally
        {
            done.SetResult();
        }
        if (decision.Report) await ReportAsync();
        return objective.Accepted;
    }

    /// <summary>Tells the cycle's graph the objective's and its key results' progress; it refreshes aligned parents
    /// before answering. A failure is logged: the change itself is durable.</summary>
    private async Task ReportAsync()
    {
        var doc = Document();
        if (!doc.Initialized) return;
        var owners = ProjectBoard.Strings(doc.Objective, "owners");
        var node = new OkrGraphNode(objective.Id, objective.Id, doc.Text("title") ?? "", doc.ObjectiveProgress(doc.Children()), owners);
        var keyResults = doc.KeyResultEntries()
            .Select(k => new OkrGraphNode(k.Id, objective.Id, ProjectBoard.Text(k.Map, "title") ?? "", ObjectiveDocument.KeyResultProgress(k.Map), owners)).ToList();
        try
        {
            await objective.GrainFactory.GetGrain<IOkrAlignmentGrain>(doc.CycleId).Report(node, keyResults);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            LogReportFailed(logger, ex, objective.Id);
        }
    }

    /// <summary>The graph says an aligned child moved: read the children's progress and recompute. Carries nothing
    /// from the caller, so it needs no role.</summary>
    private async Task<FrameResult> RefreshAsync()
    {
        if (objective.Content is null || !objective.Exists || !Document().Initialized) return NoAccess();
        var children = await objective.GrainFactory.GetGrain<IOkrAlignmentGrain>(Document().CycleId).Children(objective.Id);
        var views = children.Select(c => new AlignedChildView(c.Id, c.Progress)).ToList();
        return await SystemChangeAsync((_, doc) =>
        {
            var moved = false;
            var update = doc.Change(() => moved = doc.Recompute(time.GetUtcNow(), views));
            return new Decision(null, update, null, moved);
        });
    }

    private async Task<FrameResult> SystemChangeAsync(Func<DocumentRole, ObjectiveDocument, Decision> decide)
    {
        Decision decision;
        var previous = _lastChange;
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _lastChange = done.Task;
        await previous;
        try
        {
            decision = decide(DocumentRole.Owner, Document());
            if (decision.Update.Length > 0)
            {
                var result = await objective.ApplyServerUpdateAsync(DocumentRole.Owner, decision.Update, OkrPrincipals.System);
                if (result.IsRejected)
                {
                    _document = null;
                    return result;
                }
            }
        }
        catch
        {
            _document = null;
            throw;
        }
        finally
        {
            done.SetResult();
        }
        if (decision.Report) await ReportAsync();
        return objective.Accepted;
    }

    private static List<object?> List(IEnumerable<string> values) => ProjectBoard.List(values);

    private Decision Initialize(string principal, DocumentRole role, ObjectiveDocument doc, InitializeObjective command)
    {
        if (role != DocumentRole.Owner) return Decision.Refuse(objective.Reject(OkrRejectCodes.NotOwner, "only the objective's owners set it up"));
        if (doc.Initialized) return Decision.Refuse(objective.Reject(OkrRejectCodes.Exists, "the objective is set up already"));
        var title = command.Title?.Trim();
        if (string.IsNullOrEmpty(title) || title.Length > OkrSchema.MaxTitleLength) return Decision.Refuse(Invalid($"title: 1-{OkrSchema.MaxTitleLength} characters"));
        if (!OkrValues.Categories.Contains(command.Category)) return Decision.Refuse(Invalid("category: committed or aspirational"));
        var now = time.GetUtcNow();
        var update = doc.Change(() =>
        {
            var o = doc.Objective;
            o.Set("cycleId", command.CycleId);
            o.Set("cycleStart", ProjectBoard.Format(command.CycleStart));
            o.Set("cycleEnd", ProjectBoard.Format(command.CycleEnd));
            o.Set("title", title);
            o.Set("owners", List(command.Owners));
            o.Set("contributors", List(command.Contributors));
            o.Set("category", command.Category);
            o.Set("visibility", command.Visibility.Kind);
            o.Set("visibleToDepartments", List(command.Visibility.Departments));
            o.Set("visibleToPeople", List(command.Visibility.People));
            o.Set("progressMode", OkrValues.FromKeyResults);
            o.Set("statusMode", OkrValues.StatusAutomatic);
            o.Set("createdAt", ProjectBoard.Format(now));
            o.Set("createdBy", principal);
            o.Set("keyResults", new YMap());
            doc.Recompute(now, []);
        });
        return new Decision(null, update, null, true);
    }

    private Decision AddKeyResult(DocumentRole role, ObjectiveDocument doc, AddKeyResult command)
    {
        if (!doc.Initialized) return Decision.Refuse(NoAccess());
        if (role != DocumentRole.Owner) return Decision.Refuse(objective.Reject(OkrRejectCodes.NotOwner, "only the objective's owners add key results"));
        if (OkrSchema.ObjectiveOf(command.KeyResultId) != objective.Id) return Decision.Refuse(Invalid("the key result's id does not name this objective"));
        if (doc.KeyResult(command.KeyResultId) is not null) return Decision.Refuse(objective.Reject(OkrRejectCodes.Exists, "a key result with that id exists"));
        var entries = doc.KeyResultEntries();
        if (entries.Count >= OkrSchema.MaxKeyResults) return Decision.Refuse(Invalid($"at most {OkrSchema.MaxKeyResults} key results"));
        var title = command.Title?.Trim();
        if (string.IsNullOrEmpty(title) || title.Length > OkrSchema.MaxTitleLength) return Decision.Refuse(Invalid($"title: 1-{OkrSchema.MaxTitleLength} characters"));
        if (!double.IsFinite(command.Weight) || command.Weight <= 0 || command.Weight > 1000) return Decision.Refuse(Invalid("weight: above 0, at most 1000"));
        if (command.Unit is { Length: > 32 }) return Decision.Refuse(Invalid("unit: at most 32 characters"));
        var milestones = command.Milestones?.Select(m => m?.Trim() ?? "").ToList();
        var isMilestones = milestones is { Count: > 0 };
        if (isMilestones && (milestones!.Count > OkrSchema.MaxMilestones || milestones.Any(m => m.Length is 0 or > OkrSchema.MaxTitleLength)))
        {
            return Decision.Refuse(Invalid($"milestones: at most {OkrSchema.MaxMilestones}, each 1-{OkrSchema.MaxTitleLength} characters"));
        }
        if (!isMilestones && (!double.IsFinite(command.Start) || !double.IsFinite(command.Target) || command.Start == command.Target))
        {
            return Decision.Refuse(Invalid("start and target: finite numbers that differ (a target below the start is a decreasing metric)"));
        }
        var now = time.GetUtcNow();
        var update = doc.Change(() =>
        {
            var kr = new YMap();
            doc.KeyResults!.Set(command.KeyResultId, kr);
            kr.Set("title", title);
            kr.Set("kind", isMilestones ? OkrValues.Milestones : OkrValues.Metric);
            kr.Set("start", isMilestones ? 0.0 : command.Start);
            kr.Set("target", isMilestones ? (double)milestones!.Count : command.Target);
            kr.Set("current", isMilestones ? 0.0 : command.Start);
            if (command.Unit is { Length: > 0 } unit) kr.Set("unit", unit);
            kr.Set("weight", command.Weight);
            kr.Set("order", (double)(entries.Count == 0 ? 0 : entries.Max(e => ObjectiveDocument.Number(e.Map, "order")) + 1));
            if (isMilestones)
            {
                kr.Set("milestones", List(milestones!));
                kr.Set("milestonesDone", milestones!.Select(_ => (object?)false).ToList());
            }
            if (command.Link is { } link) kr.Set("link", ObjectiveDocument.LinkValue(link));
            doc.Recompute(now);
        });
        return new Decision(null, update, null, true);
    }

    private Decision CheckIn(string principal, DocumentRole role, ObjectiveDocument doc, CheckInKeyResult command)
    {
        if (!doc.Initialized) return Decision.Refuse(NoAccess());
        if (!role.CanEdit()) return Decision.Refuse(objective.Reject(RejectCodes.ReadOnly, "only the objective's owners and contributors check in"));
        if (doc.KeyResult(command.KeyResultId) is not { } kr) return Decision.Refuse(objective.Reject(OkrRejectCodes.UnknownKeyResult, $"no key result {command.KeyResultId}"));
        if (command.Confidence is < 0 or > 10) return Decision.Refuse(Invalid("confidence: 0-10"));
        var note = string.IsNullOrWhiteSpace(command.Note) ? null : command.Note.Trim();
        if (note?.Length > OkrSchema.MaxNoteLength) return Decision.Refuse(Invalid($"note: at most {OkrSchema.MaxNoteLength} characters"));
        var milestones = ProjectBoard.Text(kr, "kind") == OkrValues.Milestones;
        var done = ObjectiveDocument.Done(kr).ToList();
        double value;
        if (milestones)
        {
            if (command.Milestone is not { } index || index < 0 || index >= done.Count) return Decision.Refuse(Invalid($"milestone: an index 0-{done.Count - 1} of the checklist"));
            done[index] = command.MilestoneDone;
            value = done.Count(d => d);
        }
        else
        {
            if (!double.IsFinite(command.Value) || Math.Abs(command.Value) > 1e15) return Decision.Refuse(Invalid("value: a finite number"));
            value = command.Value;
        }
        // An automatic check-in that changes nothing is not one.
        if (command.Source is not null && ObjectiveDocument.Number(kr, "current") == value) return new Decision(null, [], null, false);
        var now = time.GetUtcNow();
        var update = doc.Change(() =>
        {
            kr.Set("current", value);
            if (milestones) kr.Set("milestonesDone", done.Select(d => (object?)d).ToList());
            if (command.Confidence is { } confidence) kr.Set("confidence", (double)confidence);
            doc.Recompute(now);
        });
        var confidenceNow = command.Confidence ?? (ProjectBoard.Number(kr.Get("confidence")) is { } c ? (int)c : null);
        return new Decision(null, update, new OkrCheckIn(command.KeyResultId, objective.Id, value, confidenceNow, note, principal, command.Source, now), true);
    }

    private Decision Update(DocumentRole role, ObjectiveDocument doc, UpdateObjective command)
    {
        if (!doc.Initialized) return Decision.Refuse(NoAccess());
        if (role != DocumentRole.Owner) return Decision.Refuse(objective.Reject(OkrRejectCodes.NotOwner, "only the objective's owners change it"));
        if (command.ProgressMode is { } mode && !OkrValues.ProgressModes.Contains(mode)) return Decision.Refuse(Invalid($"progressMode: {string.Join(", ", OkrValues.ProgressModes)}"));
        if (command.StatusMode is { } statusMode && !OkrValues.StatusModes.Contains(statusMode)) return Decision.Refuse(Invalid($"statusMode: {string.Join(", ", OkrValues.StatusModes)}"));
        if (command.ManualStatus is { } status && !OkrValues.Statuses.Contains(status)) return Decision.Refuse(Invalid($"status: {string.Join(", ", OkrValues.Statuses)}"));
        if (command.Category is { } category && !OkrValues.Categories.Contains(category)) return Decision.Refuse(Invalid("category: committed or aspirational"));
        var title = command.Title?.Trim();
        if (title is { Length: 0 or > OkrSchema.MaxTitleLength }) return Decision.Refuse(Invalid($"title: 1-{OkrSchema.MaxTitleLength} characters"));
        if (command.Weights is { } weights)
        {
            foreach (var (id, weight) in weights)
            {
                if (doc.KeyResult(id) is null) return Decision.Refuse(objective.Reject(OkrRejectCodes.UnknownKeyResult, $"no key result {id}"));
                if (!double.IsFinite(weight) || weight <= 0 || weight > 1000) return Decision.Refuse(Invalid("weight: above 0, at most 1000"));
            }
        }
        var now = time.GetUtcNow();
        var update = doc.Change(() =>
        {
            var o = doc.Objective;
            if (command.ProgressMode is { } m) o.Set("progressMode", m);
            if (command.StatusMode is { } s) o.Set("statusMode", s);
            if (command.ManualStatus is { } st) o.Set("manualStatus", st);
            if (command.Category is { } c) o.Set("category", c);
            if (title is not null) o.Set("title", title);
            foreach (var (id, weight) in command.Weights ?? new Dictionary<string, double>()) doc.KeyResult(id)!.Set("weight", weight);
            doc.Recompute(now);
        });
        return new Decision(null, update, null, true);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Objective {ObjectiveId}: reporting its progress to the alignment graph failed (the change is durable)")]
    private static partial void LogReportFailed(ILogger logger, Exception exception, string objectiveId);
}

/// <summary>The principal the OKR grains act as among themselves (never a username: usernames have no <c>:</c>).</summary>
public static class OkrPrincipals
{
    public const string System = "okr:system";
}
