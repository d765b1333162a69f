using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Spotter.Collab.Grains;
using Spotter.Collab.Grains.Access;
using Spotter.Collab.Grains.Projects;
using Spotter.Collab.WebHost.Auth;

namespace Spotter.Collab.WebHost.Api;

/// <summary><see cref="TimeZone"/>: an IANA id (default <c>UTC</c>); "overdue" is judged in it.</summary>
public sealed record CreateProjectRequest(string Name, string? TimeZone);
public sealed record CreateProjectResponse(string Id);
/// <summary>A project the caller can see; <see cref="Role"/>: the caller's project role.</summary>
public sealed record ProjectSummary(string Id, string Name, string Role);
/// <summary><see cref="Role"/>: <c>admin</c>, <c>member</c> or <c>viewer</c>; <see cref="FunctionalRoles"/> (e.g.
/// <c>pm</c>, <c>developer</c>, <c>qa</c>, <c>ops</c>) fill node owners of new items; null leaves them as they are.</summary>
public sealed record SetProjectMemberRequest(string Role, IReadOnlyList<string>? FunctionalRoles);
public sealed record ProjectMemberResponse(string Username, string Role, IReadOnlyList<string> FunctionalRoles);
/// <summary><see cref="Role"/>: the caller's project role.</summary>
public sealed record ProjectResponse(string Id, string Name, string TimeZone, string Role, IReadOnlyList<ProjectMemberResponse> Members, IReadOnlyList<WorkItemTypeView> Types);
public sealed record WorkflowNodeRequest(string Key, string Name, IReadOnlyList<string>? After, string? Role);
public sealed record SetWorkItemTypeRequest(string Name, IReadOnlyList<WorkflowNodeRequest> Nodes);
public sealed record CreateProjectItemRequest(string Title, string? Type);
/// <summary>Absent fields stay as they are; <c>clearPlannedStart</c>/<c>clearPlannedEnd</c> remove a date.</summary>
public sealed record UpdateProjectItemRequest(string? Title, string? Priority, IReadOnlyList<string>? Assignees, IReadOnlyList<string>? Labels,
    DateOnly? PlannedStart, DateOnly? PlannedEnd, bool? ClearPlannedStart, bool? ClearPlannedEnd);
/// <summary><see cref="Override"/>: a project admin starts the node before its predecessors are done (recorded).</summary>
public sealed record StartNodeRequest(bool? Override);
public sealed record RollBackNodeRequest(string Reason);
public sealed record BlockNodeRequest(string Reason);
public sealed record SkipNodeRequest(string? Reason);
/// <summary><see cref="Lag"/>: days between the predecessor's end and the item's start beyond the next day (default 0).</summary>
public sealed record SetItemDependencyRequest(int? Lag);
public sealed record RescheduleItemRequest(DateOnly PlannedStart, DateOnly PlannedEnd);
/// <summary>Absent fields stay as they are. <c>owners</c> and <c>members</c>: admins only; dates and
/// <c>estimate</c> (hours): the node's owners and admins.</summary>
public sealed record UpdateProjectNodeRequest(IReadOnlyList<string>? Owners, IReadOnlyList<string>? Members, DateOnly? PlannedStart, DateOnly? PlannedEnd,
    double? Estimate, bool? ClearPlannedStart, bool? ClearPlannedEnd, bool? ClearEstimate);

/// <summary>Projects (docs/projects.md): a project is a live resource of the project kind; every change is a command
/// the project grain checks against its rules.</summary>
public static class ProjectsApi
{
    public static IEndpointRouteBuilder MapProjectsApi(this IEndpointRouteBuilder app)
    {
        var projects = app.MapGroup("/api/projects").RequireAuthorization().WithTags("Projects").ProducesProblems(StatusCodes.Status401Unauthorized);
        projects.MapPost("/", CreateAsync).ProducesProblems(StatusCodes.Status400BadRequest, StatusCodes.Status403Forbidden, StatusCodes.Status409Conflict);
        projects.MapGet("/", ListAsync);
        projects.MapGet("/{id}", DescribeAsync).ProducesProblems(StatusCodes.Status404NotFound);
        projects.MapPut("/{id}/members/{username}", SetMemberAsync).ProducesChangeProblems();
        projects.MapDelete("/{id}/members/{username}", RemoveMemberAsync).ProducesChangeProblems();
        projects.MapPut("/{id}/types/{type}", SetTypeAsync).ProducesChangeProblems();
        projects.MapPost("/{id}/items", CreateItemAsync).ProducesChangeProblems();
        projects.MapGet("/{id}/items", ListItemsAsync).ProducesProblems(StatusCodes.Status404NotFound);
        projects.MapGet("/{id}/metrics", MetricsAsync).ProducesProblems(StatusCodes.Status404NotFound);
        projects.MapGet("/{id}/items/{itemId}", ReadItemAsync).ProducesProblems(StatusCodes.Status404NotFound);
        projects.MapPatch("/{id}/items/{itemId}", UpdateItemAsync).ProducesChangeProblems();
        projects.MapGet("/{id}/items/{itemId}/history", HistoryAsync).ProducesProblems(StatusCodes.Status400BadRequest, StatusCodes.Status404NotFound);
        projects.MapPost("/{id}/items/{itemId}/nodes/{key}/start", StartNodeAsync).ProducesChangeProblems();
        projects.MapPost("/{id}/items/{itemId}/nodes/{key}/complete", CompleteNodeAsync).ProducesChangeProblems();
        projects.MapPost("/{id}/items/{itemId}/nodes/{key}/rollback", RollBackNodeAsync).ProducesChangeProblems();
        projects.MapPost("/{id}/items/{itemId}/nodes/{key}/block", BlockNodeAsync).ProducesChangeProblems();
        projects.MapPost("/{id}/items/{itemId}/nodes/{key}/skip", SkipNodeAsync).ProducesChangeProblems();
        projects.MapPatch("/{id}/items/{itemId}/nodes/{key}", UpdateNodeAsync).ProducesChangeProblems();
        projects.MapPut("/{id}/items/{itemId}/dependencies/{predecessorId}", SetDependencyAsync).ProducesChangeProblems();
        projects.MapDelete("/{id}/items/{itemId}/dependencies/{predecessorId}", RemoveDependencyAsync).ProducesChangeProblems();
        projects.MapPost("/{id}/items/{itemId}/reschedule", RescheduleAsync).ProducesChangeProblems();
        return app;
    }

    private static RouteHandlerBuilder ProducesChangeProblems(this RouteHandlerBuilder builder) =>
        builder.ProducesProblems(StatusCodes.Status400BadRequest, StatusCodes.Status403Forbidden, StatusCodes.Status404NotFound, StatusCodes.Status409Conflict);

    private static IDocumentGrain Project(this IGrainFactory grains, string id) => grains.GetGrain<IDocumentGrain>(id);

    private static async Task<Results<Created<CreateProjectResponse>, ProblemHttpResult>> CreateAsync(
        CreateProjectRequest request, HttpContext http, IGrainFactory grains, AuditRecorder audit)
    {
        if (http.IsLinkSession()) return Problems.Forbidden("share-link sessions cannot create projects");
        // Projects belong to the company, as documents and spaces do.
        if (await grains.Organization().GetUser(http.User.Username()) is not { Kind: UserKind.Employee })
        {
            return Problems.Forbidden("only employees create projects");
        }
        var name = request.Name?.Trim();
        if (string.IsNullOrEmpty(name) || name.Length > 200) return Problems.Invalid("name: 1-200 characters");
        var timeZone = string.IsNullOrWhiteSpace(request.TimeZone) ? "UTC" : request.TimeZone.Trim();
        if (timeZone.Length > 64 || !TimeZoneInfo.TryFindSystemTimeZoneById(timeZone, out _))
        {
            return Problems.Invalid($"timeZone: '{timeZone}' is not a known IANA time zone");
        }
        var id = ProjectSchema.NewId();
        var project = grains.Project(id);
        if (!await project.Create(http.User.Username(), name)) return Problems.Conflict("exists", "project id collision, retry");
        var setUp = await project.Execute(http.User.Username(), new InitializeProject(name, timeZone));
        if (setUp.IsRejected) return Refusal(setUp);
        await audit.RecordAsync(http, ProjectAuditActions.Created, id, name);
        return TypedResults.Created($"/api/projects/{id}", new CreateProjectResponse(id));
    }

    /// <summary>The projects the caller can see, oldest first, decided by the access model alone (no project is
    /// activated).</summary>
    private static async Task<Ok<IReadOnlyList<ProjectSummary>>> ListAsync(HttpContext http, IGrainFactory grains)
    {
        var visible = await grains.AccessReader().ListStandalone(http.User.Username(), ProjectSchema.IdPrefix);
        return TypedResults.Ok<IReadOnlyList<ProjectSummary>>([.. visible.Where(p => ProjectSchema.IsProjectId(p.Id))
            .Select(p => new ProjectSummary(p.Id, p.Title, ProjectRole(p.Level)))]);
    }

    private static async Task<Results<Ok<ProjectMetricsView>, ProblemHttpResult>> MetricsAsync(string id, HttpContext http, IGrainFactory grains)
    {
        if (!ProjectSchema.IsProjectId(id)) return Problems.NotFound();
        var result = await grains.Project(id).Execute(http.User.Username(), new ReadProjectMetrics());
        return result.IsRejected ? Refusal(result) : TypedResults.Ok(Parse<ProjectMetricsView>(result));
    }

    private static async Task<Results<Ok<ProjectResponse>, ProblemHttpResult>> DescribeAsync(string id, HttpContext http, IGrainFactory grains)
    {
        if (!ProjectSchema.IsProjectId(id) || await grains.DescribeResourceAsync(id, http.User.Username()) is not { } info) return Problems.NotFound();
        var read = await grains.Project(id).Execute(http.User.Username(), new ReadProject());
        if (read.IsRejected) return Refusal(read);
        var project = Parse<ProjectView>(read);
        var members = info.Members.OrderBy(m => m.Key, StringComparer.Ordinal)
            .Select(m => new ProjectMemberResponse(m.Key, ProjectRole(m.Value), project.Functions.GetValueOrDefault(m.Key) ?? [])).ToList();
        return TypedResults.Ok(new ProjectResponse(id, project.Name, project.TimeZone, ProjectRole(info.Role), members, project.Types));
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> SetMemberAsync(
        string id, string username, SetProjectMemberRequest request, HttpContext http, IGrainFactory grains, AuditRecorder audit)
    {
        DocumentRole? role = request.Role switch
        {
            "admin" => DocumentRole.Owner,
            "member" => DocumentRole.Editor,
            "viewer" => DocumentRole.Viewer,
            _ => null,
        };
        if (role is null) return Problems.Invalid("role: admin, member or viewer");
        if (ProjectSchema.CheckFunctions(request.FunctionalRoles) is { } problem) return Problems.Invalid(problem);
        // The caller's right first: only an admin may learn whether a username exists.
        if (await AdminRefusalAsync(id, http, grains) is { } refused) return refused;
        var member = ApiExtensions.NormalizeUsername(username);
        if (member is null || await grains.GetGrain<IUserGrain>(member).GetProfile() is null)
        {
            return Problems.Of(StatusCodes.Status400BadRequest, "unknown-user", $"no user '{username}'");
        }
        var project = grains.Project(id);
        // The functional roles go first (the caller is still an admin even when demoting themselves); a refused
        // grant puts the member's previous ones back.
        IReadOnlyList<string>? previous = null;
        if (request.FunctionalRoles is { } functions)
        {
            var read = await project.Execute(http.User.Username(), new ReadProject());
            if (read.IsRejected) return Refusal(read);
            previous = Parse<ProjectView>(read).Functions.GetValueOrDefault(member) ?? [];
            var set = await project.Execute(http.User.Username(), new SetMemberFunctions(member, functions));
            if (set.IsRejected) return Refusal(set);
        }
        var result = await project.SetMember(http.User.Username(), member, role.Value);
        if (result != MembershipResult.Ok)
        {
            if (previous is not null) await project.Execute(http.User.Username(), new SetMemberFunctions(member, previous));
            return MembershipOutcome(result);
        }
        await audit.RecordAsync(http, ProjectAuditActions.MemberSet, id, $"{member}={request.Role}" + (request.FunctionalRoles is { } f ? $" ({string.Join(",", f)})" : ""));
        return TypedResults.NoContent();
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> RemoveMemberAsync(string id, string username, HttpContext http, IGrainFactory grains, AuditRecorder audit)
    {
        if (await AdminRefusalAsync(id, http, grains) is { } refused) return refused;
        var member = ApiExtensions.NormalizeUsername(username) ?? username;
        var project = grains.Project(id);
        var result = await project.RemoveMember(http.User.Username(), member);
        if (result != MembershipResult.Ok) return MembershipOutcome(result);
        var cleared = await project.Execute(http.User.Username(), new SetMemberFunctions(member, []));
        if (cleared.IsRejected) return Refusal(cleared);
        await audit.RecordAsync(http, ProjectAuditActions.MemberRemoved, id, member);
        return TypedResults.NoContent();
    }

    /// <summary>Null for a project admin; otherwise 404 when the project is missing or invisible, 403 when the caller
    /// sees it but is not an admin.</summary>
    private static async Task<ProblemHttpResult?> AdminRefusalAsync(string id, HttpContext http, IGrainFactory grains)
    {
        if (!ProjectSchema.IsProjectId(id) || await grains.DescribeResourceAsync(id, http.User.Username()) is not { } info) return Problems.NotFound();
        return info.Level >= AccessLevel.Manage ? null : Problems.Of(StatusCodes.Status403Forbidden, ProjectRejectCodes.NotAdmin, "only a project admin changes members");
    }

    private static Results<NoContent, ProblemHttpResult> MembershipOutcome(MembershipResult result) => result switch
    {
        MembershipResult.NotFound => Problems.NotFound(),
        MembershipResult.Forbidden => Problems.Of(StatusCodes.Status403Forbidden, ProjectRejectCodes.NotAdmin, "only a project admin changes members"),
        MembershipResult.Invalid => Problems.Invalid("this user cannot be a member of a project (partners cannot join projects until shared items exist)"),
        _ => Problems.Conflict("last-owner", "a project must keep at least one admin"),
    };

    private static async Task<Results<NoContent, ProblemHttpResult>> SetTypeAsync(
        string id, string type, SetWorkItemTypeRequest request, HttpContext http, IGrainFactory grains, AuditRecorder audit)
    {
        if (request.Nodes is null) return Problems.Invalid("nodes: a list of {key, name, after, role}");
        var nodes = request.Nodes.Select(n => new WorkflowNodeTemplate(n?.Key ?? "", n?.Name ?? "", n?.After ?? [], n?.Role)).ToList();
        return await ChangeAsync(id, http, grains, new SetWorkItemType(type, request.Name, nodes), audit, ProjectAuditActions.TypeSet, type);
    }

    private static async Task<Results<Created<CreateProjectResponse>, ProblemHttpResult>> CreateItemAsync(
        string id, CreateProjectItemRequest request, HttpContext http, IGrainFactory grains, AuditRecorder audit)
    {
        if (!ProjectSchema.IsProjectId(id)) return Problems.NotFound();
        var itemId = ProjectSchema.NewItemId();
        var result = await grains.Project(id).Execute(http.User.Username(), new CreateProjectItem(itemId, request.Title ?? "", request.Type));
        if (result.IsRejected) return Refusal(result);
        await audit.RecordAsync(http, ProjectAuditActions.ItemCreated, id, itemId);
        return TypedResults.Created($"/api/projects/{id}/items/{itemId}", new CreateProjectResponse(itemId));
    }

    private static async Task<Results<Ok<IReadOnlyList<ProjectItemView>>, ProblemHttpResult>> ListItemsAsync(string id, HttpContext http, IGrainFactory grains)
    {
        if (!ProjectSchema.IsProjectId(id)) return Problems.NotFound();
        var result = await grains.Project(id).Execute(http.User.Username(), new ListProjectItems());
        return result.IsRejected ? Refusal(result) : TypedResults.Ok(Parse<IReadOnlyList<ProjectItemView>>(result));
    }

    private static async Task<Results<Ok<ProjectItemView>, ProblemHttpResult>> ReadItemAsync(string id, string itemId, HttpContext http, IGrainFactory grains)
    {
        if (!ProjectSchema.IsProjectId(id)) return Problems.NotFound();
        var result = await grains.Project(id).Execute(http.User.Username(), new ReadProjectItem(itemId));
        return result.IsRejected ? Refusal(result) : TypedResults.Ok(Parse<ProjectItemView>(result));
    }

    private static Task<Results<NoContent, ProblemHttpResult>> UpdateItemAsync(
        string id, string itemId, UpdateProjectItemRequest request, HttpContext http, IGrainFactory grains, AuditRecorder audit) =>
        ChangeAsync(id, http, grains, new UpdateProjectItem(itemId, request.Title, request.Priority, request.Assignees, request.Labels,
            request.PlannedStart, request.PlannedEnd, request.ClearPlannedStart == true, request.ClearPlannedEnd == true), audit, ProjectAuditActions.ItemChanged, itemId);

    /// <summary>Newest first; <c>before</c> (a sequence) pages back.</summary>
    private static async Task<Results<Ok<IReadOnlyList<ProjectEvent>>, ProblemHttpResult>> HistoryAsync(
        string id, string itemId, long? before, int? limit, HttpContext http, IGrainFactory grains)
    {
        if (!ProjectSchema.IsProjectId(id)) return Problems.NotFound();
        if (limit is < 1 or > ProjectHistory.MaxPage) return Problems.Invalid($"limit: 1-{ProjectHistory.MaxPage}");
        var project = grains.Project(id);
        // The item must exist for the caller: its history is read only then.
        var item = await project.Execute(http.User.Username(), new ReadProjectItem(itemId));
        if (item.IsRejected) return Refusal(item);
        var result = await project.Execute(http.User.Username(), new ReadProjectHistory(itemId, before, limit ?? 100));
        return result.IsRejected ? Refusal(result) : TypedResults.Ok(Parse<IReadOnlyList<ProjectEvent>>(result));
    }

    private static Task<Results<NoContent, ProblemHttpResult>> StartNodeAsync(
        string id, string itemId, string key, StartNodeRequest? request, HttpContext http, IGrainFactory grains, AuditRecorder audit) =>
        ChangeAsync(id, http, grains, new ChangeNode(itemId, key, NodeAction.Start, request?.Override == true), audit, ProjectAuditActions.NodeChanged,
            $"{itemId}/{key} start" + (request?.Override == true ? " (override)" : ""));

    private static Task<Results<NoContent, ProblemHttpResult>> CompleteNodeAsync(string id, string itemId, string key, HttpContext http, IGrainFactory grains, AuditRecorder audit) =>
        ChangeAsync(id, http, grains, new ChangeNode(itemId, key, NodeAction.Complete), audit, ProjectAuditActions.NodeChanged, $"{itemId}/{key} complete");

    private static Task<Results<NoContent, ProblemHttpResult>> RollBackNodeAsync(
        string id, string itemId, string key, RollBackNodeRequest request, HttpContext http, IGrainFactory grains, AuditRecorder audit) =>
        ChangeAsync(id, http, grains, new ChangeNode(itemId, key, NodeAction.RollBack, Reason: request.Reason), audit, ProjectAuditActions.NodeChanged, $"{itemId}/{key} rollback");

    private static Task<Results<NoContent, ProblemHttpResult>> BlockNodeAsync(
        string id, string itemId, string key, BlockNodeRequest request, HttpContext http, IGrainFactory grains, AuditRecorder audit) =>
        ChangeAsync(id, http, grains, new ChangeNode(itemId, key, NodeAction.Block, Reason: request.Reason), audit, ProjectAuditActions.NodeChanged, $"{itemId}/{key} block");

    private static Task<Results<NoContent, ProblemHttpResult>> SkipNodeAsync(
        string id, string itemId, string key, SkipNodeRequest? request, HttpContext http, IGrainFactory grains, AuditRecorder audit) =>
        ChangeAsync(id, http, grains, new ChangeNode(itemId, key, NodeAction.Skip, Reason: request?.Reason), audit, ProjectAuditActions.NodeChanged, $"{itemId}/{key} skip");

    private static Task<Results<NoContent, ProblemHttpResult>> UpdateNodeAsync(
        string id, string itemId, string key, UpdateProjectNodeRequest request, HttpContext http, IGrainFactory grains, AuditRecorder audit) =>
        ChangeAsync(id, http, grains, new UpdateProjectNode(itemId, key, request.Owners, request.Members, request.PlannedStart, request.PlannedEnd, request.Estimate,
            request.ClearPlannedStart == true, request.ClearPlannedEnd == true, request.ClearEstimate == true), audit, ProjectAuditActions.NodeChanged, $"{itemId}/{key} fields");

    private static Task<Results<NoContent, ProblemHttpResult>> SetDependencyAsync(
        string id, string itemId, string predecessorId, SetItemDependencyRequest? request, HttpContext http, IGrainFactory grains, AuditRecorder audit) =>
        ChangeAsync(id, http, grains, new SetItemDependency(itemId, predecessorId, request?.Lag ?? 0), audit, ProjectAuditActions.ItemChanged,
            $"{itemId} after {predecessorId} +{request?.Lag ?? 0}d");

    private static Task<Results<NoContent, ProblemHttpResult>> RemoveDependencyAsync(
        string id, string itemId, string predecessorId, HttpContext http, IGrainFactory grains, AuditRecorder audit) =>
        ChangeAsync(id, http, grains, new RemoveItemDependency(itemId, predecessorId), audit, ProjectAuditActions.ItemChanged, $"{itemId} no longer after {predecessorId}");

    /// <summary>Sets the item's planned dates; the items depending on it move later as far as they must.</summary>
    private static Task<Results<NoContent, ProblemHttpResult>> RescheduleAsync(
        string id, string itemId, RescheduleItemRequest request, HttpContext http, IGrainFactory grains, AuditRecorder audit) =>
        ChangeAsync(id, http, grains, new RescheduleItem(itemId, request.PlannedStart, request.PlannedEnd), audit, ProjectAuditActions.ItemChanged,
            $"{itemId} rescheduled {request.PlannedStart:yyyy-MM-dd}..{request.PlannedEnd:yyyy-MM-dd}");

    private static async Task<Results<NoContent, ProblemHttpResult>> ChangeAsync(
        string id, HttpContext http, IGrainFactory grains, ResourceCommand command, AuditRecorder audit, string action, string detail)
    {
        if (!ProjectSchema.IsProjectId(id)) return Problems.NotFound();
        var result = await grains.Project(id).Execute(http.User.Username(), command);
        if (result.IsRejected) return Refusal(result);
        await audit.RecordAsync(http, action, id, detail);
        return TypedResults.NoContent();
    }

    /// <summary>A refused command as HTTP: no access (or not a project) is the 404 of a missing project; a role or
    /// ownership refusal 403; a rule of the workflow 409; bad input 400.</summary>
    private static ProblemHttpResult Refusal(FrameResult result)
    {
        var code = result.RejectCode ?? ProjectRejectCodes.Invalid;
        var detail = result.RejectDetail ?? code;
        return code switch
        {
            RejectCodes.Forbidden or RejectCodes.Unsupported => Problems.NotFound(),
            RejectCodes.ReadOnly or ProjectRejectCodes.NotOwner or ProjectRejectCodes.NotAdmin => Problems.Of(StatusCodes.Status403Forbidden, code, detail),
            ProjectRejectCodes.UnknownItem or ProjectRejectCodes.UnknownNode => Problems.Of(StatusCodes.Status404NotFound, code, detail),
            ProjectRejectCodes.PredecessorsPending or ProjectRejectCodes.InvalidTransition or ProjectRejectCodes.Exists or ProjectRejectCodes.DependencyCycle => Problems.Conflict(code, detail),
            _ => Problems.Of(StatusCodes.Status400BadRequest, code, detail),
        };
    }

    private static T Parse<T>(FrameResult result) =>
        JsonSerializer.Deserialize<T>(result.Reply ?? throw new InvalidOperationException("the project answered without a reply"), JsonSerializerOptions.Web)
        ?? throw new InvalidOperationException("the project answered with null");

    /// <summary>A document role as the project role it stands for.</summary>
    private static string ProjectRole(DocumentRole role) => role switch
    {
        DocumentRole.Owner => "admin",
        DocumentRole.Editor => "member",
        _ => "viewer",
    };

    private static string ProjectRole(AccessLevel level) => level switch
    {
        AccessLevel.Manage => "admin",
        AccessLevel.Edit => "member",
        _ => "viewer",
    };
}
