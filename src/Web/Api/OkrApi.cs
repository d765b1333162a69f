using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Spotter.Collab.Grains;
using Spotter.Collab.Grains.Access;
using Spotter.Collab.Grains.Okr;
using Spotter.Collab.WebHost.Auth;

namespace Spotter.Collab.WebHost.Api;

/// <summary><see cref="Kind"/>: <c>quarter</c>, <c>half</c>, <c>year</c> or <c>custom</c> (default).</summary>
public sealed record CreateCycleRequest(string Name, DateOnly Start, DateOnly End, string? Kind);
/// <summary><see cref="Status"/>: <c>draft</c>, <c>active</c> or <c>closed</c>.</summary>
public sealed record UpdateCycleRequest(string Status);
/// <summary><see cref="Kind"/>: <c>everyone</c> (every employee; the default), <c>departments</c> (the listed
/// departments and those below them) or <c>people</c> (the listed usernames). Owners and contributors always see it.</summary>
public sealed record ObjectiveVisibilityRequest(string Kind, IReadOnlyList<string>? Departments, IReadOnlyList<string>? People);
/// <summary><see cref="Owners"/> default to the caller; owners and contributors are employees of any department.</summary>
public sealed record CreateObjectiveRequest(string CycleId, string Title, IReadOnlyList<string>? Owners, IReadOnlyList<string>? Contributors,
    string? Category, ObjectiveVisibilityRequest? Visibility);
public sealed record OkrCreatedResponse(string Id);
/// <summary>The objective with the caller's <see cref="Role"/>: <c>owner</c>, <c>contributor</c> or <c>viewer</c>.</summary>
public sealed record ObjectiveResponse(string Id, string CycleId, string Title, IReadOnlyList<string> Owners, IReadOnlyList<string> Contributors,
    string Category, OkrVisibility Visibility, string ProgressMode, string StatusMode, double Progress, string Status,
    IReadOnlyList<KeyResultView> KeyResults, IReadOnlyList<AlignedChildView> Children, string Role);
/// <summary>Absent fields stay. <see cref="Status"/> is the manual status (used when <see cref="StatusMode"/> is
/// <c>manual</c>); <see cref="Weights"/> maps key-result ids to new weights.</summary>
public sealed record UpdateObjectiveRequest(string? Title, string? Category, string? ProgressMode, string? StatusMode, string? Status,
    IReadOnlyDictionary<string, double>? Weights);
/// <summary>A metric (<see cref="Start"/> → <see cref="Target"/>; a target below the start is a decreasing metric) or,
/// with <see cref="Milestones"/>, a checklist. <see cref="Weight"/> defaults to 1. <see cref="Link"/> feeds it from a
/// project the caller can read.</summary>
public sealed record CreateKeyResultRequest(string Title, double? Start, double? Target, string? Unit, double? Weight,
    IReadOnlyList<string>? Milestones, OkrProjectLinkRequest? Link);
/// <summary><see cref="Measure"/>: <c>itemsDone</c> (filtered by <see cref="Type"/> and <see cref="Label"/>),
/// <c>nodeDone</c> (<see cref="ItemId"/> and <see cref="NodeKey"/>) or <c>estimateDone</c>.</summary>
public sealed record OkrProjectLinkRequest(string ProjectId, string Measure, string? Type, string? Label, string? ItemId, string? NodeKey);
/// <summary><see cref="Confidence"/>: 0–10.</summary>
public sealed record CheckInRequest(double Value, int Confidence, string? Note);
public sealed record MilestoneRequest(bool Done, int? Confidence, string? Note);
/// <summary>Ids of objectives or key results: <see cref="From"/> (the child, which the caller owns) is aligned to
/// <see cref="To"/> (the parent, which the caller can see).</summary>
public sealed record AlignmentRequest(string From, string To);
public sealed record OkrGraphResponse(IReadOnlyList<OkrGraphNode> Nodes, IReadOnlyList<OkrAlignment> Alignments);
public sealed record ObjectiveSummary(string Id, string Title, IReadOnlyList<string> Owners, double Progress);

/// <summary>OKRs (docs/okr.md): cycles, objectives (a live resource kind), key results, check-ins and alignments.
/// Employees only: partners and link sessions get 404 from every read, 403 from every create.</summary>
public static class OkrApi
{
    public static IEndpointRouteBuilder MapOkrApi(this IEndpointRouteBuilder app)
    {
        var okr = app.MapGroup("/api/okr").RequireAuthorization().WithTags("OKR").ProducesProblems(StatusCodes.Status401Unauthorized);
        okr.MapPost("/cycles", CreateCycleAsync).RequireAuthorization(AuthExtensions.AdminPolicy)
            .ProducesProblems(StatusCodes.Status400BadRequest, StatusCodes.Status403Forbidden);
        okr.MapGet("/cycles", ListCyclesAsync).ProducesProblems(StatusCodes.Status404NotFound);
        okr.MapPatch("/cycles/{id}", UpdateCycleAsync).RequireAuthorization(AuthExtensions.AdminPolicy)
            .ProducesProblems(StatusCodes.Status400BadRequest, StatusCodes.Status403Forbidden, StatusCodes.Status404NotFound);
        okr.MapGet("/cycles/{id}/objectives", ListObjectivesAsync).ProducesProblems(StatusCodes.Status404NotFound);
        okr.MapGet("/cycles/{id}/graph", GraphAsync).ProducesProblems(StatusCodes.Status404NotFound);
        okr.MapPost("/objectives", CreateObjectiveAsync).ProducesProblems(StatusCodes.Status400BadRequest, StatusCodes.Status403Forbidden, StatusCodes.Status404NotFound, StatusCodes.Status409Conflict);
        okr.MapGet("/objectives/{id}", ReadObjectiveAsync).ProducesProblems(StatusCodes.Status404NotFound);
        okr.MapPatch("/objectives/{id}", UpdateObjectiveAsync).ProducesChangeProblems();
        okr.MapPost("/objectives/{id}/key-results", CreateKeyResultAsync).ProducesChangeProblems();
        okr.MapPost("/key-results/{id}/check-ins", CheckInAsync).ProducesChangeProblems();
        okr.MapGet("/key-results/{id}/check-ins", CheckInsAsync).ProducesProblems(StatusCodes.Status404NotFound);
        okr.MapPut("/key-results/{id}/milestones/{index:int}", SetMilestoneAsync).ProducesChangeProblems();
        okr.MapPost("/alignments", AlignAsync).ProducesChangeProblems();
        okr.MapDelete("/alignments", UnalignAsync).ProducesChangeProblems();
        return app;
    }

    private static RouteHandlerBuilder ProducesChangeProblems(this RouteHandlerBuilder builder) =>
        builder.ProducesProblems(StatusCodes.Status400BadRequest, StatusCodes.Status403Forbidden, StatusCodes.Status404NotFound, StatusCodes.Status409Conflict);

    private static IOkrCyclesGrain Cycles(this IGrainFactory grains) => grains.GetGrain<IOkrCyclesGrain>(IOkrCyclesGrain.Key);

    private static IDocumentGrain Objective(this IGrainFactory grains, string id) => grains.GetGrain<IDocumentGrain>(id);

    private static async Task<bool> IsEmployeeAsync(HttpContext http, IGrainFactory grains) =>
        !Principals.IsLink(http.User.Username()) && await grains.Organization().GetUser(http.User.Username()) is { Kind: UserKind.Employee, Deactivated: false };

    private static async Task<Results<Created<OkrCreatedResponse>, ProblemHttpResult>> CreateCycleAsync(
        CreateCycleRequest request, HttpContext http, IGrainFactory grains, AuditRecorder audit)
    {
        var name = request.Name?.Trim();
        if (string.IsNullOrEmpty(name) || name.Length > 200) return Problems.Invalid("name: 1-200 characters");
        var kind = string.IsNullOrWhiteSpace(request.Kind) ? "custom" : request.Kind.Trim();
        if (!OkrCycles.Kinds.Contains(kind)) return Problems.Invalid($"kind: {string.Join(", ", OkrCycles.Kinds)}");
        if (request.End < request.Start) return Problems.Invalid("end must not be before start");
        var cycle = await grains.Cycles().Create(name, kind, request.Start, request.End);
        await audit.RecordAsync(http, OkrAuditActions.CycleCreated, cycle.Id, name);
        return TypedResults.Created($"/api/okr/cycles/{cycle.Id}", new OkrCreatedResponse(cycle.Id));
    }

    private static async Task<Results<Ok<IReadOnlyList<OkrCycle>>, ProblemHttpResult>> ListCyclesAsync(HttpContext http, IGrainFactory grains)
    {
        if (!await IsEmployeeAsync(http, grains)) return Problems.NotFound();
        return TypedResults.Ok(await grains.Cycles().List());
    }

    private static async Task<Results<Ok<OkrCycle>, ProblemHttpResult>> UpdateCycleAsync(string id, UpdateCycleRequest request, HttpContext http, IGrainFactory grains, AuditRecorder audit)
    {
        if (!OkrCycles.Statuses.Contains(request.Status)) return Problems.Invalid($"status: {string.Join(", ", OkrCycles.Statuses)}");
        if (!OkrSchema.IsCycleId(id) || await grains.Cycles().SetStatus(id, request.Status) is not { } cycle) return Problems.NotFound();
        await audit.RecordAsync(http, OkrAuditActions.CycleChanged, id, request.Status);
        return TypedResults.Ok(cycle);
    }

    /// <summary>The cycle's graph as the caller may see it: nodes of objectives they can read, alignments between them.</summary>
    private static async Task<OkrGraph?> VisibleGraphAsync(string cycleId, HttpContext http, IGrainFactory grains)
    {
        if (!OkrSchema.IsCycleId(cycleId) || !await IsEmployeeAsync(http, grains) || await grains.Cycles().Find(cycleId) is null) return null;
        var graph = await grains.GetGrain<IOkrAlignmentGrain>(cycleId).Graph();
        var objectives = graph.Nodes.Select(n => n.ObjectiveId).Distinct(StringComparer.Ordinal).ToList();
        var readable = (await grains.AccessReader().FilterReadable(http.User.Username(), objectives)).ToHashSet(StringComparer.Ordinal);
        var nodes = graph.Nodes.Where(n => readable.Contains(n.ObjectiveId)).ToList();
        var ids = nodes.Select(n => n.Id).ToHashSet(StringComparer.Ordinal);
        return new OkrGraph(nodes, [.. graph.Alignments.Where(a => ids.Contains(a.From) && ids.Contains(a.To))]);
    }

    private static async Task<Results<Ok<OkrGraphResponse>, ProblemHttpResult>> GraphAsync(string id, HttpContext http, IGrainFactory grains) =>
        await VisibleGraphAsync(id, http, grains) is { } graph ? TypedResults.Ok(new OkrGraphResponse(graph.Nodes, graph.Alignments)) : Problems.NotFound();

    /// <summary>The cycle's objectives the caller can see; <c>owner</c> keeps a person's, <c>department</c> those with
    /// an owner in that department.</summary>
    private static async Task<Results<Ok<IReadOnlyList<ObjectiveSummary>>, ProblemHttpResult>> ListObjectivesAsync(
        string id, string? owner, string? department, HttpContext http, IGrainFactory grains)
    {
        if (await VisibleGraphAsync(id, http, grains) is not { } graph) return Problems.NotFound();
        var objectives = graph.Nodes.Where(n => n.Id == n.ObjectiveId);
        if (!string.IsNullOrEmpty(owner)) objectives = objectives.Where(n => n.Owners.Contains(owner, StringComparer.Ordinal));
        if (!string.IsNullOrEmpty(department))
        {
            var inDepartment = (await grains.Organization().GetUsers()).Where(u => u.DepartmentId == department).Select(u => u.Username).ToHashSet(StringComparer.Ordinal);
            objectives = objectives.Where(n => n.Owners.Any(inDepartment.Contains));
        }
        return TypedResults.Ok<IReadOnlyList<ObjectiveSummary>>([.. objectives.Select(n => new ObjectiveSummary(n.Id, n.Title, n.Owners, n.Progress))]);
    }

    /// <summary>Null when every name is an active employee; else the problem.</summary>
    private static async Task<(List<string>? Names, ProblemHttpResult? Problem)> EmployeesAsync(IGrainFactory grains, IReadOnlyList<string>? names, string field)
    {
        var list = new List<string>();
        if (names is null) return (list, null);
        if (names.Count > OkrSchema.MaxPeople) return (null, Problems.Invalid($"{field}: at most {OkrSchema.MaxPeople}"));
        foreach (var name in names)
        {
            var username = ApiExtensions.NormalizeUsername(name);
            if (username is null || await grains.Organization().GetUser(username) is not { Kind: UserKind.Employee, Deactivated: false })
            {
                return (null, Problems.Of(StatusCodes.Status400BadRequest, "unknown-user", $"{field}: '{name}' is not an employee (partners never hold objectives)"));
            }
            if (!list.Contains(username)) list.Add(username);
        }
        return (list, null);
    }

    private static async Task<Results<Created<OkrCreatedResponse>, ProblemHttpResult>> CreateObjectiveAsync(
        CreateObjectiveRequest request, HttpContext http, IGrainFactory grains, AuditRecorder audit)
    {
        if (!await IsEmployeeAsync(http, grains)) return Problems.Forbidden("only employees write OKRs");
        var caller = http.User.Username();
        if (!OkrSchema.IsCycleId(request.CycleId) || await grains.Cycles().Find(request.CycleId) is not { } cycle) return Problems.Invalid("cycleId: no such cycle");
        if (cycle.Status == OkrCycles.Closed) return Problems.Conflict(OkrRejectCodes.CycleClosed, "the cycle is closed");
        var (owners, ownersProblem) = await EmployeesAsync(grains, request.Owners is { Count: > 0 } given ? given : [caller], "owners");
        if (ownersProblem is not null) return ownersProblem;
        var (contributors, contributorsProblem) = await EmployeesAsync(grains, request.Contributors, "contributors");
        if (contributorsProblem is not null) return contributorsProblem;
        contributors!.RemoveAll(owners!.Contains);
        var category = request.Category ?? "committed";
        if (!OkrValues.Categories.Contains(category)) return Problems.Invalid("category: committed or aspirational");
        var visibilityKind = request.Visibility?.Kind ?? "everyone";
        if (!OkrValues.Visibilities.Contains(visibilityKind)) return Problems.Invalid("visibility.kind: everyone, departments or people");
        var departments = visibilityKind == "departments" ? (request.Visibility?.Departments ?? []).Distinct(StringComparer.Ordinal).ToList() : [];
        if (visibilityKind == "departments")
        {
            var known = (await grains.Organization().GetDepartments()).Select(d => d.Id).ToHashSet(StringComparer.Ordinal);
            if (departments.Count is 0 or > OkrSchema.MaxDepartments || departments.Any(d => !known.Contains(d)))
            {
                return Problems.Invalid($"visibility.departments: 1-{OkrSchema.MaxDepartments} department ids");
            }
        }
        List<string> people = [];
        if (visibilityKind == "people")
        {
            var (listed, peopleProblem) = await EmployeesAsync(grains, request.Visibility?.People ?? [], "visibility.people");
            if (peopleProblem is not null) return peopleProblem;
            people = listed!;
        }
        var title = request.Title?.Trim();
        if (string.IsNullOrEmpty(title) || title.Length > OkrSchema.MaxTitleLength) return Problems.Invalid($"title: 1-{OkrSchema.MaxTitleLength} characters");

        var id = OkrSchema.NewObjectiveId();
        var objective = grains.Objective(id);
        if (!await objective.Create(caller, title)) return Problems.Conflict(OkrRejectCodes.Exists, "objective id collision, retry");
        var setUp = await objective.Execute(caller, new InitializeObjective(cycle.Id, cycle.Start, cycle.End, title, owners!, contributors,
            category, new OkrVisibility(visibilityKind, departments, people)));
        if (setUp.IsRejected) return Refusal(setUp);
        // Access: owners manage, contributors edit, the audience views (docs/okr.md *Authorization*).
        foreach (var owner in owners!.Where(o => o != caller)) await objective.SetMember(caller, owner, DocumentRole.Owner);
        foreach (var contributor in contributors.Where(c => c != caller)) await objective.SetMember(caller, contributor, DocumentRole.Editor);
        var audience = visibilityKind switch
        {
            "everyone" => [Principals.Company],
            "departments" => departments.Select(d => Principals.DepartmentPrefix + d),
            _ => people.Select(Principals.User),
        };
        foreach (var principal in audience)
        {
            var granted = await grains.Organization().AddGrant(caller, id, principal, AccessLevel.View);
            if (granted.Outcome != OrgOutcome.Ok) return AccessApi.Problem(granted.Outcome, granted.Detail);
        }
        await audit.RecordAsync(http, OkrAuditActions.ObjectiveCreated, id, title);
        return TypedResults.Created($"/api/okr/objectives/{id}", new OkrCreatedResponse(id));
    }

    private static async Task<Results<Ok<ObjectiveResponse>, ProblemHttpResult>> ReadObjectiveAsync(string id, HttpContext http, IGrainFactory grains)
    {
        if (!OkrSchema.IsObjectiveId(id) || await grains.DescribeResourceAsync(id, http.User.Username()) is not { } info) return Problems.NotFound();
        var read = await grains.Objective(id).Execute(http.User.Username(), new ReadObjective());
        if (read.IsRejected) return Refusal(read);
        var v = Parse<ObjectiveView>(read);
        var role = info.Level >= AccessLevel.Manage ? "owner" : info.Level >= AccessLevel.Edit ? "contributor" : "viewer";
        return TypedResults.Ok(new ObjectiveResponse(v.Id, v.CycleId, v.Title, v.Owners, v.Contributors, v.Category, v.Visibility, v.ProgressMode, v.StatusMode,
            v.Progress, v.Status, v.KeyResults, v.Children, role));
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> UpdateObjectiveAsync(string id, UpdateObjectiveRequest request, HttpContext http, IGrainFactory grains, AuditRecorder audit)
    {
        if (!OkrSchema.IsObjectiveId(id)) return Problems.NotFound();
        var result = await grains.Objective(id).Execute(http.User.Username(),
            new UpdateObjective(request.ProgressMode, request.StatusMode, request.Status, request.Title, request.Category, request.Weights));
        if (result.IsRejected) return Refusal(result);
        await audit.RecordAsync(http, OkrAuditActions.ObjectiveChanged, id);
        return TypedResults.NoContent();
    }

    private static async Task<Results<Created<OkrCreatedResponse>, ProblemHttpResult>> CreateKeyResultAsync(
        string id, CreateKeyResultRequest request, HttpContext http, IGrainFactory grains, AuditRecorder audit)
    {
        if (!OkrSchema.IsObjectiveId(id)) return Problems.NotFound();
        var caller = http.User.Username();
        OkrProjectLink? link = null;
        if (request.Link is { } l)
        {
            if (!OkrValues.Measures.Contains(l.Measure)) return Problems.Invalid($"link.measure: {string.Join(", ", OkrValues.Measures)}");
            if (l.Measure == OkrValues.NodeDone && (string.IsNullOrEmpty(l.ItemId) || string.IsNullOrEmpty(l.NodeKey))) return Problems.Invalid("link: nodeDone needs itemId and nodeKey");
            // The caller's right on the objective first, then on the project: nobody learns of a project through a link.
            if (await grains.DescribeResourceAsync(id, caller) is not { } objectiveInfo) return Problems.NotFound();
            if (objectiveInfo.Level < AccessLevel.Manage) return Problems.Of(StatusCodes.Status403Forbidden, OkrRejectCodes.NotOwner, "only the objective's owners add key results");
            if (!Grains.Projects.ProjectSchema.IsProjectId(l.ProjectId) || await grains.DescribeResourceAsync(l.ProjectId, caller) is null)
            {
                return Problems.Invalid("link.projectId: no such project you can read");
            }
            link = new OkrProjectLink(l.ProjectId, l.Measure, l.Type, l.Label, l.ItemId, l.NodeKey);
        }
        var keyResultId = OkrSchema.NewKeyResultId(id);
        var start = request.Start ?? 0;
        var target = request.Target ?? (request.Link?.Measure == OkrValues.NodeDone ? 1 : double.NaN);
        if (request.Milestones is not { Count: > 0 } && (request.Start is null && link is null || double.IsNaN(target))) return Problems.Invalid("start and target: required for a metric");
        var result = await grains.Objective(id).Execute(caller,
            new AddKeyResult(keyResultId, request.Title ?? "", start, target, request.Unit, request.Weight ?? 1, request.Milestones, link));
        if (result.IsRejected) return Refusal(result);
        if (link is not null) await grains.GetGrain<IOkrProjectFeedGrain>(link.ProjectId).Link(keyResultId, link, caller);
        await audit.RecordAsync(http, OkrAuditActions.KeyResultCreated, id, keyResultId);
        return TypedResults.Created($"/api/okr/key-results/{keyResultId}", new OkrCreatedResponse(keyResultId));
    }

    private static async Task<Results<Created, ProblemHttpResult>> CheckInAsync(string id, CheckInRequest request, HttpContext http, IGrainFactory grains, AuditRecorder audit)
    {
        if (OkrSchema.ObjectiveOf(id) is not { } objectiveId) return Problems.NotFound();
        var result = await grains.Objective(objectiveId).Execute(http.User.Username(), new CheckInKeyResult(id, request.Value, request.Confidence, request.Note));
        if (result.IsRejected) return Refusal(result);
        await audit.RecordAsync(http, OkrAuditActions.CheckIn, id, request.Value.ToString(System.Globalization.CultureInfo.InvariantCulture));
        return TypedResults.Created($"/api/okr/key-results/{id}/check-ins");
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> SetMilestoneAsync(string id, int index, MilestoneRequest request, HttpContext http, IGrainFactory grains, AuditRecorder audit)
    {
        if (OkrSchema.ObjectiveOf(id) is not { } objectiveId) return Problems.NotFound();
        var result = await grains.Objective(objectiveId).Execute(http.User.Username(),
            new CheckInKeyResult(id, 0, request.Confidence, request.Note, Milestone: index, MilestoneDone: request.Done));
        if (result.IsRejected) return Refusal(result);
        await audit.RecordAsync(http, OkrAuditActions.CheckIn, id, $"milestone {index} {(request.Done ? "done" : "open")}");
        return TypedResults.NoContent();
    }

    private static async Task<Results<Ok<IReadOnlyList<OkrCheckIn>>, ProblemHttpResult>> CheckInsAsync(string id, HttpContext http, IGrainFactory grains)
    {
        if (OkrSchema.ObjectiveOf(id) is not { } objectiveId) return Problems.NotFound();
        var result = await grains.Objective(objectiveId).Execute(http.User.Username(), new ReadCheckIns(id));
        return result.IsRejected ? Refusal(result) : TypedResults.Ok(Parse<IReadOnlyList<OkrCheckIn>>(result));
    }

    /// <summary>Both ends as the caller sees them: the objective (read as the caller: 404 when invisible) and whether
    /// the id names it or one of its key results.</summary>
    private static async Task<(ObjectiveView? View, DocumentInfo? Info, ProblemHttpResult? Problem)> EndAsync(string id, HttpContext http, IGrainFactory grains)
    {
        var objectiveId = OkrSchema.IsObjectiveId(id) ? id : OkrSchema.ObjectiveOf(id);
        if (objectiveId is null || await grains.DescribeResourceAsync(objectiveId, http.User.Username()) is not { } info) return (null, null, Problems.NotFound());
        var read = await grains.Objective(objectiveId).Execute(http.User.Username(), new ReadObjective());
        if (read.IsRejected) return (null, null, Refusal(read));
        var view = Parse<ObjectiveView>(read);
        if (id != objectiveId && !view.KeyResults.Any(k => k.Id == id)) return (null, null, Problems.Of(StatusCodes.Status404NotFound, OkrRejectCodes.UnknownKeyResult, $"no key result {id}"));
        return (view, info, null);
    }

    private static async Task<Results<Created, ProblemHttpResult>> AlignAsync(AlignmentRequest request, HttpContext http, IGrainFactory grains, AuditRecorder audit)
    {
        var (from, fromInfo, fromProblem) = await EndAsync(request.From ?? "", http, grains);
        if (fromProblem is not null) return fromProblem;
        var (to, _, toProblem) = await EndAsync(request.To ?? "", http, grains);
        if (toProblem is not null) return toProblem;
        if (fromInfo!.Level < AccessLevel.Manage) return Problems.Of(StatusCodes.Status403Forbidden, OkrRejectCodes.NotOwner, "only the child's owners align it");
        if (from!.CycleId != to!.CycleId) return Problems.Invalid("both ends of an alignment belong to the same cycle");
        switch (await grains.GetGrain<IOkrAlignmentGrain>(from.CycleId).Align(request.From!, request.To!))
        {
            case AlignmentOutcome.Cycle: return Problems.Conflict(OkrRejectCodes.Cycle, "this alignment would close a cycle");
            case AlignmentOutcome.Exists: return Problems.Conflict(OkrRejectCodes.Exists, "already aligned");
            case AlignmentOutcome.UnknownNode: return Problems.NotFound();
        }
        await audit.RecordAsync(http, OkrAuditActions.Aligned, request.From, request.To);
        return TypedResults.Created("/api/okr/alignments");
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> UnalignAsync(string from, string to, HttpContext http, IGrainFactory grains, AuditRecorder audit)
    {
        var (child, childInfo, problem) = await EndAsync(from ?? "", http, grains);
        if (problem is not null) return problem;
        if (childInfo!.Level < AccessLevel.Manage) return Problems.Of(StatusCodes.Status403Forbidden, OkrRejectCodes.NotOwner, "only the child's owners unalign it");
        if (!await grains.GetGrain<IOkrAlignmentGrain>(child!.CycleId).Unalign(from!, to)) return Problems.NotFound();
        await audit.RecordAsync(http, OkrAuditActions.Unaligned, from, to);
        return TypedResults.NoContent();
    }

    /// <summary>A refused command as HTTP: no access (or not an objective) is the 404 of a missing objective; a role
    /// refusal 403; a rule 409; bad input 400.</summary>
    private static ProblemHttpResult Refusal(FrameResult result)
    {
        var code = result.RejectCode ?? OkrRejectCodes.Invalid;
        var detail = result.RejectDetail ?? code;
        return code switch
        {
            RejectCodes.Forbidden or RejectCodes.Unsupported => Problems.NotFound(),
            RejectCodes.ReadOnly or OkrRejectCodes.NotOwner => Problems.Of(StatusCodes.Status403Forbidden, code, detail),
            OkrRejectCodes.UnknownKeyResult => Problems.Of(StatusCodes.Status404NotFound, code, detail),
            OkrRejectCodes.Exists or OkrRejectCodes.Cycle or OkrRejectCodes.CycleClosed => Problems.Conflict(code, detail),
            _ => Problems.Of(StatusCodes.Status400BadRequest, code, detail),
        };
    }

    private static T Parse<T>(FrameResult result) =>
        JsonSerializer.Deserialize<T>(result.Reply ?? throw new InvalidOperationException("the objective answered without a reply"), JsonSerializerOptions.Web)
        ?? throw new InvalidOperationException("the objective answered with null");
}
