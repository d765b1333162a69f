using Spotter.Collab.Grains;
using Spotter.Collab.Grains.Access;
using Spotter.Collab.WebHost.Api;
using Spotter.Collab.WebHost.Auth;

namespace Spotter.Collab.WebHost.Application;

/// <summary>What an administrator gives for a new account.</summary>
public sealed record NewAccount(string Username, string Password, string? DisplayName, UserKind Kind, string? PartnerOrgId, string? DepartmentId, bool IsAdmin);

/// <summary>
/// Accounts have two owners of different facts: the organisation directory owns who a person is (display name,
/// kind, department, partner organisation, administrator) and the user grain owns how they sign in (password,
/// lockout, sessions). Creating an account goes through here only, and tokens take the person's facts from the
/// directory, so a rename reaches the next refreshed token like every other view of the name.
/// </summary>
public sealed class UserAccounts(IGrainFactory grains, PasswordPolicy passwords)
{
    public const int MaxDisplayNameLength = 100;

    /// <summary>Creates the directory entry (which validates kind, department and partner organisation) and then the
    /// credentials. The new person's directory entry, or why not.</summary>
    public async Task<(DirectoryUser? User, Refusal? Refusal)> CreateAsync(NewAccount account)
    {
        ArgumentNullException.ThrowIfNull(account);
        var username = ApiExtensions.NormalizeUsername(account.Username);
        if (username is null) return (null, Invalid("username: 1-64 characters of a-z, 0-9, '_', '.', '-', starting with a letter or digit"));
        if (passwords.Check(account.Password, username) is { } weak) return (null, Refusal.From(weak));
        var displayName = string.IsNullOrWhiteSpace(account.DisplayName) ? username : account.DisplayName.Trim();
        if (displayName.Length > MaxDisplayNameLength) return (null, Invalid($"displayName: at most {MaxDisplayNameLength} characters"));

        var credentials = grains.GetGrain<IUserGrain>(username);
        if (await credentials.GetProfile() is not null) return (null, Taken(username));
        var added = await Organization.AddUser(new DirectoryUser(username, displayName, account.Kind,
            AccessApi.CleanId(account.PartnerOrgId), AccessApi.CleanId(account.DepartmentId), [], false, account.IsAdmin));
        if (added.Outcome == OrgOutcome.Conflict) return (null, Taken(username));
        if (!added.IsOk) return (null, Refusal.From(added.Problem()));
        if (!await credentials.Create(account.Password)) return (null, Taken(username));
        return (await Organization.GetUser(username), null);
    }

    /// <summary>The facts a token carries about <paramref name="username"/>, from the directory (null: no such person).</summary>
    public async Task<TokenSubject?> TokenSubjectAsync(string username) =>
        await Organization.GetUser(username) is { } user ? new TokenSubject(user.Username, user.DisplayName, user.IsAdmin) : null;

    private static Refusal Invalid(string detail) => new(StatusCodes.Status400BadRequest, "invalid", detail);

    private static Refusal Taken(string username) => new(StatusCodes.Status409Conflict, "user-exists", $"user '{username}' already exists");

    private IOrganizationGrain Organization => grains.GetGrain<IOrganizationGrain>(IOrganizationGrain.Key);
}
