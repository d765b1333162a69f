using System.Security.Cryptography;
using Microsoft.AspNetCore.Http.HttpResults;
using Spotter.Collab.Grains;
using Spotter.Collab.Grains.Access;
using Spotter.Collab.Grains.Audit;
using Spotter.Collab.WebHost.Application;
using Spotter.Collab.WebHost.Auth;

namespace Spotter.Collab.WebHost.Api;

public sealed record AdminCreateUserRequest(string Username, string Password, string? DisplayName, UserKind? Kind, string? PartnerOrgId, string? DepartmentId, bool? IsAdmin);
public sealed record AdminUpdateUserRequest(string? DisplayName, string? DepartmentId, string? PartnerOrgId, UserKind? Kind);
public sealed record NameRequest(string Name, string? ParentId);
public sealed record DepartmentUpdateRequest(string? Name, string? ParentId);
public sealed record PartnerUpdateRequest(string? Name);
public sealed record CreatedResponse(string Id);
/// <summary>Admin reset: <see cref="Password"/> to set, or null for a generated one-time password.</summary>
public sealed record AdminResetPasswordRequest(string? Password);
/// <summary><see cref="Password"/> is the generated password (shown once), null when the admin chose it.</summary>
public sealed record AdminResetPasswordResponse(string? Password);

/// <summary>Directory, policy, links overview and previews: administrators only.</summary>
public static class AdminApi
{
    public static IEndpointRouteBuilder MapAdminApi(this IEndpointRouteBuilder app)
    {
        var admin = app.MapGroup("/api/admin").RequireAuthorization(AuthExtensions.AdminPolicy).WithTags("Admin")
            .ProducesProblems(StatusCodes.Status401Unauthorized, StatusCodes.Status403Forbidden);
        admin.MapGet("/users", async (IGrainFactory grains) => TypedResults.Ok(await grains.Organization().GetUsers()));
        admin.MapPost("/users", CreateUserAsync).ProducesProblems(StatusCodes.Status400BadRequest, StatusCodes.Status404NotFound, StatusCodes.Status409Conflict);
        admin.MapPatch("/users/{username}", UpdateUserAsync).ProducesProblems(StatusCodes.Status400BadRequest, StatusCodes.Status404NotFound, StatusCodes.Status409Conflict);
        admin.MapPost("/users/{username}/deactivate", (string username, HttpContext http, IGrainFactory grains, AuditRecorder audit) => SetDeactivatedAsync(username, true, http, grains, audit))
            .ProducesProblems(StatusCodes.Status400BadRequest, StatusCodes.Status404NotFound, StatusCodes.Status409Conflict);
        admin.MapPost("/users/{username}/password", ResetPasswordAsync).ProducesProblems(StatusCodes.Status400BadRequest, StatusCodes.Status404NotFound);
        admin.MapPost("/users/{username}/sessions/revoke", RevokeSessionsAsync).ProducesProblems(StatusCodes.Status404NotFound);
        admin.MapPost("/users/{username}/reactivate", (string username, HttpContext http, IGrainFactory grains, AuditRecorder audit) => SetDeactivatedAsync(username, false, http, grains, audit))
            .ProducesProblems(StatusCodes.Status400BadRequest, StatusCodes.Status404NotFound, StatusCodes.Status409Conflict);
        admin.MapPost("/users/{username}/unlock", UnlockAsync).ProducesProblems(StatusCodes.Status400BadRequest);

        admin.MapGet("/departments", async (IGrainFactory grains) => TypedResults.Ok(await grains.Organization().GetDepartments()));
        admin.MapPost("/departments", async (NameRequest request, HttpContext http, IGrainFactory grains, AuditRecorder audit) =>
            await CreatedAsync(http, audit, await grains.Organization().CreateDepartment(request.Name, AccessApi.CleanId(request.ParentId)), "department")).ProducesDirectoryProblems();
        admin.MapPatch("/departments/{id}", async (string id, DepartmentUpdateRequest request, HttpContext http, IGrainFactory grains, AuditRecorder audit) =>
            await DoneAsync(http, audit, await grains.Organization().UpdateDepartment(id, request.Name, request.ParentId), $"department {id}")).ProducesDirectoryProblems();
        admin.MapDelete("/departments/{id}", async (string id, HttpContext http, IGrainFactory grains, AuditRecorder audit) =>
            await DoneAsync(http, audit, await grains.Organization().DeleteDepartment(id), $"department {id} deleted")).ProducesDirectoryProblems();

        admin.MapGet("/groups", async (IGrainFactory grains) => TypedResults.Ok(await grains.Organization().GetGroups()));
        admin.MapPost("/groups", async (NameRequest request, HttpContext http, IGrainFactory grains, AuditRecorder audit) =>
            await CreatedAsync(http, audit, await grains.Organization().CreateGroup(request.Name), "group")).ProducesDirectoryProblems();
        admin.MapDelete("/groups/{id}", async (string id, HttpContext http, IGrainFactory grains, AuditRecorder audit) =>
            await DoneAsync(http, audit, await grains.Organization().DeleteGroup(id), $"group {id} deleted")).ProducesDirectoryProblems();
        admin.MapPut("/groups/{id}/members/{username}", async (string id, string username, HttpContext http, IGrainFactory grains, AuditRecorder audit) =>
            await DoneAsync(http, audit, await grains.Organization().SetGroupMember(id, Normalize(username), true), $"group {id} + {username}")).ProducesDirectoryProblems();
        admin.MapDelete("/groups/{id}/members/{username}", async (string id, string username, HttpContext http, IGrainFactory grains, AuditRecorder audit) =>
            await DoneAsync(http, audit, await grains.Organization().SetGroupMember(id, Normalize(username), false), $"group {id} - {username}")).ProducesDirectoryProblems();

        admin.MapGet("/partners", async (IGrainFactory grains) => TypedResults.Ok(await grains.Organization().GetPartners()));
        admin.MapPost("/partners", async (NameRequest request, HttpContext http, IGrainFactory grains, AuditRecorder audit) =>
            await CreatedAsync(http, audit, await grains.Organization().CreatePartner(request.Name), "partner")).ProducesDirectoryProblems();
        admin.MapPatch("/partners/{id}", async (string id, PartnerUpdateRequest request, HttpContext http, IGrainFactory grains, AuditRecorder audit) =>
            await DoneAsync(http, audit, await grains.Organization().UpdatePartner(id, request.Name ?? ""), $"partner {id} renamed to {request.Name?.Trim()}")).ProducesDirectoryProblems();
        admin.MapDelete("/partners/{id}", DeletePartnerAsync).ProducesDirectoryProblems();

        admin.MapGet("/policy", async (IGrainFactory grains) => TypedResults.Ok(await grains.Organization().GetPolicy()));
        admin.MapPut("/policy", SetPolicyAsync).ProducesDirectoryProblems();
        admin.MapGet("/links", async (IGrainFactory grains) => TypedResults.Ok(await grains.Organization().GetActiveLinks()));
        admin.MapGet("/preview/{username}", PreviewAsync).ProducesProblems(StatusCodes.Status404NotFound);
        return app;
    }

    /// <summary>What a directory change may be refused with (see <see cref="AccessApi.Problem(OrgOutcome, string?)"/>).</summary>
    private static RouteHandlerBuilder ProducesDirectoryProblems(this RouteHandlerBuilder builder) =>
        builder.ProducesProblems(StatusCodes.Status400BadRequest, StatusCodes.Status404NotFound, StatusCodes.Status409Conflict);

    private static async Task<Results<Ok<UserPreview>, ProblemHttpResult>> PreviewAsync(string username, IGrainFactory grains) =>
        await grains.Organization().Preview(Normalize(username)) is { } preview ? TypedResults.Ok(preview) : Problems.NotFound();

    private static string Normalize(string username) => ApiExtensions.NormalizeUsername(username) ?? username;

    private static async Task<Results<Created<DirectoryUser>, ProblemHttpResult>> CreateUserAsync(
        AdminCreateUserRequest request, HttpContext http, UserAccounts accounts, AuditRecorder audit)
    {
        var kind = request.Kind ?? UserKind.Employee;
        var (user, refusal) = await accounts.CreateAsync(
            new NewAccount(request.Username, request.Password, request.DisplayName, kind, request.PartnerOrgId, request.DepartmentId, request.IsAdmin == true));
        if (refusal is not null) return refusal.ToProblem();
        await audit.RecordAsync(http, AuditActions.UserCreated, user!.Username, $"kind={kind}");
        return TypedResults.Created($"/api/admin/users/{user.Username}", user);
    }

    private static async Task<Results<Ok<DirectoryUser>, ProblemHttpResult>> UpdateUserAsync(
        string username, AdminUpdateUserRequest request, HttpContext http, IGrainFactory grains, AuditRecorder audit)
    {
        var name = Normalize(username);
        var result = await grains.Organization().UpdateUser(name, new UserChange(request.DisplayName, request.DepartmentId, request.PartnerOrgId, request.Kind));
        if (!result.IsOk) return result.Problem();
        await audit.RecordAsync(http, AuditActions.UserChanged, name);
        return await grains.Organization().GetUser(name) is { } user ? TypedResults.Ok(user) : Problems.NotFound();
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> SetDeactivatedAsync(string username, bool deactivated, HttpContext http, IGrainFactory grains, AuditRecorder audit)
    {
        var name = Normalize(username);
        // An administrator locking themselves out would leave nobody to undo it, if they were the last one.
        if (deactivated && name == http.User.Username()) return Problems.Conflict("self-deactivation", "you cannot deactivate your own account");
        var result = await grains.Organization().SetDeactivated(name, deactivated);
        if (!result.IsOk) return result.Problem();
        // Refresh tokens die with the deactivation, so reactivating does not revive old sessions.
        if (deactivated) await grains.GetGrain<IUserGrain>(name).RevokeAllSessions();
        await audit.RecordAsync(http, deactivated ? AuditActions.UserDeactivated : AuditActions.UserReactivated, name);
        return TypedResults.NoContent();
    }

    /// <summary>Sets the user's password (the given one, or a generated one answered once) and ends all their sessions.</summary>
    private static async Task<Results<Ok<AdminResetPasswordResponse>, ProblemHttpResult>> ResetPasswordAsync(
        string username, AdminResetPasswordRequest? request, HttpContext http, IGrainFactory grains, PasswordPolicy passwords, AuditRecorder audit)
    {
        var name = ApiExtensions.NormalizeUsername(username);
        var chosen = request?.Password;
        if (chosen is not null && passwords.Check(chosen, name) is { } weak) return weak;
        var password = chosen ?? RandomNumberGenerator.GetString(GeneratedPasswordAlphabet, GeneratedPasswordLength);
        if (name is null || !await grains.GetGrain<IUserGrain>(name).ResetPassword(password)) return Problems.Of(StatusCodes.Status404NotFound, "not-found", "no such user");
        await audit.RecordAsync(http, AuditActions.PasswordReset, name, chosen is null ? "one-time password generated; all sessions ended" : "password set; all sessions ended");
        return TypedResults.Ok(new AdminResetPasswordResponse(chosen is null ? password : null));
    }

    /// <summary>Signs the user out everywhere: every session ends, and with it every hub connection on every host.</summary>
    private static async Task<Results<NoContent, ProblemHttpResult>> RevokeSessionsAsync(string username, HttpContext http, IGrainFactory grains, AuditRecorder audit)
    {
        var name = ApiExtensions.NormalizeUsername(username);
        var account = name is null ? null : grains.GetGrain<IUserGrain>(name);
        if (account is null || await account.GetProfile() is null) return Problems.Of(StatusCodes.Status404NotFound, "not-found", "no such user");
        var count = await account.RevokeAllSessions();
        await audit.RecordAsync(http, AuditActions.SessionsRevoked, name, $"{count} session(s) ended");
        return TypedResults.NoContent();
    }

    private const string GeneratedPasswordAlphabet = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    private const int GeneratedPasswordLength = 16;

    /// <summary>Ends every sign-in lockout of the account, whichever addresses caused them. Answers 204 for any
    /// well-formed username (unknown ones have lockouts too, and admins may see the directory anyway).</summary>
    private static async Task<Results<NoContent, ProblemHttpResult>> UnlockAsync(string username, HttpContext http, IGrainFactory grains, AuditRecorder audit)
    {
        if (ApiExtensions.NormalizeUsername(username) is not { } name) return Problems.Invalid("unknown username");
        var unlocked = await grains.GetGrain<IUserGrain>(name).UnlockLogin();
        await audit.RecordAsync(http, AuditActions.Unlocked, name, unlocked ? "sign-in lockouts ended" : "nothing was locked");
        return TypedResults.NoContent();
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> DeletePartnerAsync(string id, HttpContext http, IGrainFactory grains, AuditRecorder audit)
    {
        // The name goes into the audit entry: once the organisation is gone its id names nothing.
        var name = (await grains.Organization().GetPartners()).FirstOrDefault(p => p.Id == id)?.Name;
        return await DoneAsync(http, audit, await grains.Organization().DeletePartner(id), $"partner {id} ({name}) deleted");
    }

    private static async Task<Results<Ok<SharingPolicy>, ProblemHttpResult>> SetPolicyAsync(SharingPolicy policy, HttpContext http, IGrainFactory grains, AuditRecorder audit)
    {
        if (policy is null) return Problems.Invalid("body: { externalSharing, trustedPartnerOrgs }");
        var result = await grains.Organization().SetPolicy(policy with { TrustedPartnerOrgs = policy.TrustedPartnerOrgs ?? [] });
        if (!result.IsOk) return result.Problem();
        await audit.RecordAsync(http, AuditActions.PolicyChanged, "policy", $"externalSharing={policy.ExternalSharing}; trusted={string.Join(',', policy.TrustedPartnerOrgs ?? [])}");
        return TypedResults.Ok(await grains.Organization().GetPolicy());
    }

    private static async Task<Results<Created<CreatedResponse>, ProblemHttpResult>> CreatedAsync(HttpContext http, AuditRecorder audit, OrgResult result, string what)
    {
        if (!result.IsOk) return result.Problem();
        await audit.RecordAsync(http, AuditActions.DirectoryChanged, result.Id, $"{what} created");
        return TypedResults.Created((string?)null, new CreatedResponse(result.Id!));
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> DoneAsync(HttpContext http, AuditRecorder audit, OrgResult result, string detail)
    {
        if (!result.IsOk) return result.Problem();
        await audit.RecordAsync(http, AuditActions.DirectoryChanged, null, detail);
        return TypedResults.NoContent();
    }
}
