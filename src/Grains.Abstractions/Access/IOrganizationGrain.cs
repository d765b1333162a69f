using Orleans.Concurrency;

namespace Spotter.Collab.Grains.Access;

/// <summary>
/// The organisation's whole access model (directory, policy, resource tree, grants, share links) in one activation,
/// key <see cref="Key"/>. Calls naming an <c>actor</c> check the actor's own level; admin-only calls (directory,
/// policy, previews) trust the web host, which checks the admin role. "Missing" and "not visible" are both NotFound.
/// </summary>
[Alias("spotter.IOrganizationGrain")]
public interface IOrganizationGrain : IGrainWithStringKey
{
    public const string Key = "default";

    /// <summary>Host observers not refreshed within this time are dropped (hosts refresh at a third of it).</summary>
    public static readonly TimeSpan ObserverExpiry = TimeSpan.FromSeconds(90);

    // ---- access decisions (hot path) ----
    // [AlwaysInterleave]: these are synchronous reads of the in-memory model, so they run between the turns of a
    // mutation (while it waits for its rows to be written) instead of queueing behind it. They see a change from the
    // moment it is applied in memory: revocations take effect before they are durable, and if the write fails the
    // grain deactivates and reloads the stored model (open documents re-check within their access refresh).
    // Mutations are [AlwaysInterleave] too: each applies synchronously in one turn (so one at a time) and then waits
    // only for the write that takes its rows, shared with the changes made meanwhile (group commit).

    [Alias("Resolve"), AlwaysInterleave]
    Task<AccessDecision> Resolve(string resourceId, string principal);

    /// <summary>The ids the principal may read (at least view), in input order.</summary>
    [Alias("FilterReadable"), AlwaysInterleave]
    Task<IReadOnlyList<string>> FilterReadable(string principal, IReadOnlyList<string> resourceIds);

    /// <summary>Null when the principal cannot see the resource (or it is missing).</summary>
    [Alias("DescribeDocument"), AlwaysInterleave]
    Task<DocumentAccess?> DescribeDocument(string resourceId, string principal);

    /// <summary>Null when the principal cannot see the resource (or it is missing).</summary>
    [Alias("GetResource"), AlwaysInterleave]
    Task<ResourceInfo?> GetResource(string resourceId, string principal);

    /// <summary>Opaque ids and display names of principals (usernames or <c>link:&lt;id&gt;</c>), in input order;
    /// usernames only when <paramref name="viewer"/> is an active employee.</summary>
    [Alias("DescribePeople"), AlwaysInterleave]
    Task<IReadOnlyList<PersonView>> DescribePeople(string? viewer, IReadOnlyList<string> principals);

    /// <summary>Subscribes a web host (refresh before expiry); returns the deactivated usernames.</summary>
    [Alias("Subscribe")]
    Task<IReadOnlyList<string>> Subscribe(IOrganizationObserver observer);

    [Alias("Unsubscribe")]
    Task Unsubscribe(IOrganizationObserver observer);

    /// <summary>Sessions of <paramref name="username"/> ended (logout, refresh-token reuse, password change,
    /// revocation); <paramref name="sessionIds"/> null means all of them. Passed on to every web host, which closes
    /// their hub connections.</summary>
    [Alias("SessionsEnded"), OneWay]
    Task SessionsEnded(string username, IReadOnlyList<string>? sessionIds);

    // ---- directory (admin) ----

    [Alias("GetUsers"), ReadOnly]
    Task<IReadOnlyList<DirectoryUser>> GetUsers();

    [Alias("GetUser"), ReadOnly]
    Task<DirectoryUser?> GetUser(string username);

    /// <summary>Adds a directory entry (Conflict if it exists; Invalid for unknown departments/partner orgs).</summary>
    [Alias("AddUser"), AlwaysInterleave]
    Task<OrgResult> AddUser(DirectoryUser user);

    [Alias("UpdateUser"), AlwaysInterleave]
    Task<OrgResult> UpdateUser(string username, UserChange change);

    [Alias("SetDeactivated"), AlwaysInterleave]
    Task<OrgResult> SetDeactivated(string username, bool deactivated);

    [Alias("GetDepartments"), ReadOnly]
    Task<IReadOnlyList<DepartmentInfo>> GetDepartments();

    [Alias("CreateDepartment"), AlwaysInterleave]
    Task<OrgResult> CreateDepartment(string name, string? parentId);

    /// <summary>Renames and/or moves a department (<paramref name="parentId"/> "" = top level, null = unchanged).</summary>
    [Alias("UpdateDepartment"), AlwaysInterleave]
    Task<OrgResult> UpdateDepartment(string id, string? name, string? parentId);

    [Alias("DeleteDepartment"), AlwaysInterleave]
    Task<OrgResult> DeleteDepartment(string id);

    [Alias("GetGroups"), ReadOnly]
    Task<IReadOnlyList<GroupInfo>> GetGroups();

    [Alias("CreateGroup"), AlwaysInterleave]
    Task<OrgResult> CreateGroup(string name);

    [Alias("DeleteGroup"), AlwaysInterleave]
    Task<OrgResult> DeleteGroup(string id);

    [Alias("SetGroupMember"), AlwaysInterleave]
    Task<OrgResult> SetGroupMember(string groupId, string username, bool member);

    [Alias("GetPartners"), ReadOnly]
    Task<IReadOnlyList<PartnerOrgInfo>> GetPartners();

    [Alias("CreatePartner"), AlwaysInterleave]
    Task<OrgResult> CreatePartner(string name);

    [Alias("UpdatePartner"), AlwaysInterleave]
    Task<OrgResult> UpdatePartner(string id, string name);

    /// <summary>Removes the organisation, its grants and its place in the trusted list; Conflict while any user
    /// (deactivated ones too) belongs to it.</summary>
    [Alias("DeletePartner"), AlwaysInterleave]
    Task<OrgResult> DeletePartner(string id);

    [Alias("GetPolicy"), ReadOnly]
    Task<SharingPolicy> GetPolicy();

    [Alias("SetPolicy"), AlwaysInterleave]
    Task<OrgResult> SetPolicy(SharingPolicy policy);

    /// <summary>Sharing-picker search; Forbidden for partners and link sessions.</summary>
    [Alias("SearchDirectory"), ReadOnly]
    Task<OrgAnswer<IReadOnlyList<DirectoryHit>>> SearchDirectory(string actor, string query);

    [Alias("GetDeactivatedUsers"), ReadOnly]
    Task<IReadOnlyList<string>> GetDeactivatedUsers();

    [Alias("Preview"), ReadOnly]
    Task<UserPreview?> Preview(string username);

    // ---- resources, tree, grants, settings ----

    /// <summary>Registers a standalone document with a manage grant for its creator; false if the id is known.</summary>
    [Alias("RegisterDocument"), AlwaysInterleave]
    Task<bool> RegisterDocument(string documentId, string owner, string title);

    /// <summary>The legacy member API: a direct user grant on the resource (null level removes it).
    /// Conflict ("last-owner") when the resource would lose its last direct manage grant.</summary>
    [Alias("SetUserGrant"), AlwaysInterleave]
    Task<OrgResult> SetUserGrant(string actor, string resourceId, string username, AccessLevel? level);

    [Alias("CreateSpace"), AlwaysInterleave]
    Task<OrgResult> CreateSpace(string actor, string name);

    [Alias("ListSpaces"), AlwaysInterleave]
    Task<IReadOnlyList<TreeNode>> ListSpaces(string principal);

    [Alias("GetTree"), AlwaysInterleave]
    Task<SpaceTree?> GetTree(string principal, string spaceId);

    [Alias("GetTrash"), ReadOnly]
    Task<OrgAnswer<IReadOnlyList<TreeNode>>> GetTrash(string actor, string spaceId);

    /// <summary>Whether the principal can see the space or at least one page in it.</summary>
    [Alias("CanSeeSpace"), AlwaysInterleave]
    Task<bool> CanSeeSpace(string principal, string spaceId);

    /// <summary>Those of <paramref name="principals"/> who can still see the space or a page in it: one call per host
    /// and tree change decides which of its watchers may still hear about the space.</summary>
    [Alias("WhoCanSeeSpace"), AlwaysInterleave]
    Task<IReadOnlyList<string>> WhoCanSeeSpace(string spaceId, IReadOnlyList<string> principals);

    /// <summary>Creates a page resource (the caller then creates its document grain); Id = the new page id.</summary>
    [Alias("CreatePage"), AlwaysInterleave]
    Task<OrgResult> CreatePage(string actor, string spaceId, string? parentId, string title, int? index);

    [Alias("RenameResource"), AlwaysInterleave]
    Task<OrgResult> RenameResource(string actor, string resourceId, string title);

    [Alias("MovePage"), AlwaysInterleave]
    Task<OrgResult> MovePage(string actor, string pageId, string parentId, int? index);

    [Alias("SetTrashed"), AlwaysInterleave]
    Task<OrgResult> SetTrashed(string actor, string pageId, bool trashed);

    [Alias("GetGrants"), ReadOnly]
    Task<OrgAnswer<IReadOnlyList<GrantView>>> GetGrants(string actor, string resourceId);

    [Alias("AddGrant"), AlwaysInterleave]
    Task<OrgAnswer<GrantInfo>> AddGrant(string actor, string resourceId, string principal, AccessLevel level);

    [Alias("RemoveGrant"), AlwaysInterleave]
    Task<OrgResult> RemoveGrant(string actor, string resourceId, string grantId);

    /// <summary>Flags of any resource; <paramref name="history"/> and <paramref name="guestHistory"/> only on spaces.</summary>
    [Alias("UpdateSettings"), AlwaysInterleave]
    Task<OrgResult> UpdateSettings(string actor, string resourceId, bool? restricted, bool? noExport, HistoryAudience? history = null, bool? guestHistory = null);

    /// <summary>Who would gain or lose read access if the page moved under <paramref name="parentId"/> (the same
    /// checks as <see cref="MovePage"/>, nothing changes).</summary>
    [Alias("PreviewMove"), ReadOnly]
    Task<OrgAnswer<AccessChange>> PreviewMove(string actor, string pageId, string parentId);

    /// <summary>Who would gain or lose read access if the resource's restricted flag were set so (manage needed,
    /// nothing changes).</summary>
    [Alias("PreviewRestricted"), ReadOnly]
    Task<OrgAnswer<AccessChange>> PreviewRestricted(string actor, string resourceId, bool restricted);

    [Alias("Explain"), ReadOnly]
    Task<OrgAnswer<IReadOnlyList<AccessExplanation>>> Explain(string actor, string resourceId);

    // ---- share links ----

    [Alias("GetLinks"), ReadOnly]
    Task<OrgAnswer<IReadOnlyList<ShareLinkInfo>>> GetLinks(string actor, string resourceId);

    [Alias("GetActiveLinks"), ReadOnly]
    Task<IReadOnlyList<ShareLinkInfo>> GetActiveLinks();

    [Alias("CreateLink"), AlwaysInterleave]
    Task<OrgAnswer<CreatedLink>> CreateLink(string actor, string resourceId, LinkScope scope, AccessLevel role, string? password, DateTimeOffset? expiresAt);

    /// <summary>Revokes a link (manage on its resource, or an admin actor).</summary>
    [Alias("RevokeLink"), AlwaysInterleave]
    Task<OrgAnswer<ShareLinkInfo>> RevokeLink(string actor, string linkId);

    /// <summary>NotFound for unknown token, wrong password, expired, revoked or disallowed (no oracle);
    /// <paramref name="redeemer"/> is the signed-in principal, if any (company links need an employee).</summary>
    [Alias("RedeemLink"), AlwaysInterleave]
    Task<OrgAnswer<LinkRedemption>> RedeemLink(string token, string? password, string? redeemer);
}

/// <summary>One per web host: pushes what hosts must enforce without asking (deactivations, ended sessions, tree changes).</summary>
[Alias("spotter.IOrganizationObserver")]
public interface IOrganizationObserver : IGrainObserver
{
    /// <summary>The full set of deactivated usernames (replaces the previous one).</summary>
    [Alias("OnDeactivatedUsers"), OneWay]
    Task OnDeactivatedUsers(IReadOnlyList<string> usernames);

    /// <summary>The tree or grants of a space changed: watchers should fetch their (filtered) tree again.</summary>
    [Alias("OnTreeChanged"), OneWay]
    Task OnTreeChanged(string spaceId);

    /// <summary>Sessions of the user ended (null: all of them): their hub connections must close.</summary>
    [Alias("OnSessionsEnded"), OneWay]
    Task OnSessionsEnded(string username, IReadOnlyList<string>? sessionIds);
}
