using System.Security.Cryptography;
using System.Text;
using Spotter.Collab.Grains.Projects;
using Spotter.Collab.Grains.Users;

namespace Spotter.Collab.Grains.Access;

/// <summary>What a mutation touched, so the grain knows what to re-evaluate and whom to tell.</summary>
public sealed class ChangeSet
{
    public HashSet<string> Spaces { get; } = new(StringComparer.Ordinal);
    /// <summary>Anything may have changed for anyone (directory, policy): re-evaluate everything, tell every space.</summary>
    public bool Everything { get; set; }
    public bool DeactivatedUsersChanged { get; set; }
    public bool IsEmpty => !Everything && Spaces.Count == 0 && !DeactivatedUsersChanged && !AccessChanged;
    /// <summary>Some effective level may have changed (open connections must be re-evaluated).</summary>
    public bool AccessChanged { get; set; }
    /// <summary>The stored rows the mutations touched.</summary>
    public AccessRowKeys Rows { get; } = new();
}

/// <summary>
/// The organisation's access model with every rule that changes it: directory, policy, resource tree, grants and
/// share links, each mutation validated (bad input changes nothing) and permission-checked against the actor.
/// Plain class: the grain adds persistence and live enforcement around it.
/// </summary>
public sealed class Organization
{
    public const string AdminUsername = "admin";
    public const int MaxNameLength = 200;
    private readonly TimeProvider _time;
    private readonly Dictionary<string, string> _linksByTokenHash = new(StringComparer.Ordinal);

    public Organization(OrganizationState state, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(state);
        _time = time ?? TimeProvider.System;
        State = state;
        Evaluator = new AccessEvaluator(state, _time);
        // The first administrator always exists in the directory (its account is made by the web host).
        if (!state.Users.ContainsKey(AdminUsername))
        {
            state.Users[AdminUsername] = new UserEntry { Username = AdminUsername, DisplayName = "Administrator", Kind = UserKind.Employee, IsAdmin = true };
            Changes.Rows.Users.Add(AdminUsername);
        }
        foreach (var link in state.Links.Values) _linksByTokenHash[link.TokenHash] = link.Id;
        if (state.PublicIdKey is null)
        {
            state.PublicIdKey = PublicIds.NewKey();
            PublicIdKeyCreated = true;
            Changes.Rows.PublicIdKey = true;
        }
    }

    /// <summary>The key of the opaque person ids was made just now: the grain persists it before anyone sees an id.</summary>
    public bool PublicIdKeyCreated { get; }

    /// <summary>The opaque id of a principal (a username or <c>link:&lt;id&gt;</c>).</summary>
    public string PublicIdOf(string principal) => PublicIds.Of(State.PublicIdKey!, principal);

    /// <summary>Opaque ids and display names; usernames only for a viewer who may search the directory.</summary>
    public IReadOnlyList<PersonView> DescribePeople(string? viewer, IReadOnlyList<string> principals)
    {
        ArgumentNullException.ThrowIfNull(principals);
        var showUsernames = viewer is not null && Evaluator.SubjectOf(viewer).IsActiveEmployee;
        return principals.Select(principal =>
        {
            if (Principals.IsLink(principal)) return new PersonView(PublicIdOf(principal), "Guest", null);
            // An account without a directory entry has no display name to show; its username must not stand in.
            var name = State.Users.TryGetValue(principal, out var user) ? user.DisplayName : "User";
            return new PersonView(PublicIdOf(principal), name, showUsernames ? principal : null);
        }).ToList();
    }

    public OrganizationState State { get; }
    public AccessEvaluator Evaluator { get; }
    /// <summary>What the mutations since the last <see cref="TakeChanges"/> touched.</summary>
    public ChangeSet Changes { get; private set; } = new();

    public ChangeSet TakeChanges()
    {
        var changes = Changes;
        Changes = new ChangeSet();
        return changes;
    }

    /// <summary>
    /// Brings a replica of the model up to date with rows written by the organisation grain: upserts replace whole
    /// entries (a resource with its grants, a group with its members), deletions remove them, and the indexes kept
    /// beside the state (child pages, link tokens) follow. Nothing is validated: the rows come from the model that
    /// validated the change.
    /// </summary>
    public void ApplyRows(AccessRowChanges rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        foreach (var user in rows.Users) State.Users[user.Username] = user;
        foreach (var key in rows.DeletedUsers) State.Users.Remove(key);
        foreach (var department in rows.Departments) State.Departments[department.Id] = department;
        foreach (var key in rows.DeletedDepartments) State.Departments.Remove(key);
        foreach (var group in rows.Groups) State.Groups[group.Id] = group;
        foreach (var key in rows.DeletedGroups) State.Groups.Remove(key);
        foreach (var partner in rows.Partners) State.Partners[partner.Id] = partner;
        foreach (var key in rows.DeletedPartners) State.Partners.Remove(key);
        foreach (var resource in rows.Resources)
        {
            if (State.Resources.TryGetValue(resource.Id, out var old)) Evaluator.Children.Remove(old, old.ParentId);
            State.Resources[resource.Id] = resource;
            Evaluator.Children.Add(resource);
        }
        foreach (var key in rows.DeletedResources)
        {
            if (State.Resources.Remove(key, out var old)) Evaluator.Children.Remove(old, old.ParentId);
        }
        foreach (var link in rows.Links)
        {
            if (State.Links.TryGetValue(link.Id, out var old)) _linksByTokenHash.Remove(old.TokenHash);
            State.Links[link.Id] = link;
            _linksByTokenHash[link.TokenHash] = link.Id;
        }
        foreach (var key in rows.DeletedLinks)
        {
            if (State.Links.Remove(key, out var old)) _linksByTokenHash.Remove(old.TokenHash);
        }
        if (rows.Policy is { } policy)
        {
            State.ExternalSharing = policy.ExternalSharing;
            State.TrustedPartnerOrgs = policy.TrustedPartnerOrgs.ToList();
        }
        if (rows.PublicIdKey is { } publicIdKey) State.PublicIdKey = publicIdKey;
    }

    private static string NewId() => Guid.NewGuid().ToString("N");

    private static string? CleanName(string? name)
    {
        var trimmed = name?.Trim();
        return string.IsNullOrEmpty(trimmed) || trimmed.Length > MaxNameLength ? null : trimmed;
    }

    private void ChangedEverything()
    {
        Changes.Everything = true;
        Changes.AccessChanged = true;
    }

    private void ChangedResource(ResourceEntry resource, bool access = true)
    {
        Changes.Rows.Resources.Add(resource.Id);
        if (Evaluator.SpaceOf(resource) is { } space) Changes.Spaces.Add(space.Id);
        if (access) Changes.AccessChanged = true;
    }

    // ---------------- directory ----------------

    public static DirectoryUser ToInfo(UserEntry user, OrganizationState state)
    {
        ArgumentNullException.ThrowIfNull(user);
        ArgumentNullException.ThrowIfNull(state);
        var groups = state.Groups.Values.Where(g => g.Members.Contains(user.Username)).Select(g => g.Id).Order(StringComparer.Ordinal).ToList();
        return new DirectoryUser(user.Username, user.DisplayName, user.Kind, user.PartnerOrgId, user.DepartmentId, groups, user.Deactivated, user.IsAdmin);
    }

    public IReadOnlyList<DirectoryUser> Users() =>
        State.Users.Values.OrderBy(u => u.Username, StringComparer.Ordinal).Select(u => ToInfo(u, State)).ToList();

    public DirectoryUser? User(string username) => State.Users.TryGetValue(username, out var user) ? ToInfo(user, State) : null;

    public OrgResult AddUser(DirectoryUser user)
    {
        ArgumentNullException.ThrowIfNull(user);
        if (string.IsNullOrEmpty(user.Username) || user.Username.Contains(':', StringComparison.Ordinal)) return OrgResult.Invalid("username");
        if (State.Users.ContainsKey(user.Username)) return OrgResult.Conflict($"user '{user.Username}' already exists");
        var entry = new UserEntry { Username = user.Username, DisplayName = CleanName(user.DisplayName) ?? user.Username, IsAdmin = user.IsAdmin };
        if (Placement(entry, user.Kind, user.DepartmentId, user.PartnerOrgId) is { } invalid) return invalid;
        State.Users[user.Username] = entry;
        Changes.Rows.Users.Add(user.Username);
        ChangedEverything();
        return OrgResult.Ok;
    }

    /// <summary>Validates and applies kind, department and partner organisation (employees have no partner org,
    /// partners no department).</summary>
    private OrgResult? Placement(UserEntry entry, UserKind kind, string? departmentId, string? partnerOrgId)
    {
        if (kind == UserKind.Partner)
        {
            if (partnerOrgId is null || !State.Partners.ContainsKey(partnerOrgId)) return OrgResult.Invalid("partner users need an existing partnerOrgId");
            if (entry.IsAdmin) return OrgResult.Invalid("partner users cannot be administrators");
            entry.Kind = UserKind.Partner;
            entry.PartnerOrgId = partnerOrgId;
            entry.DepartmentId = null;
            return null;
        }
        if (departmentId is not null && !State.Departments.ContainsKey(departmentId)) return OrgResult.Invalid($"no department '{departmentId}'");
        entry.Kind = UserKind.Employee;
        entry.DepartmentId = departmentId;
        entry.PartnerOrgId = null;
        return null;
    }

    public OrgResult UpdateUser(string username, UserChange change)
    {
        ArgumentNullException.ThrowIfNull(change);
        if (!State.Users.TryGetValue(username, out var user)) return OrgResult.NotFound;
        string? displayName = null;
        if (change.DisplayName is not null && (displayName = CleanName(change.DisplayName)) is null) return OrgResult.Invalid("displayName: 1-200 characters");
        var kind = change.Kind ?? user.Kind;
        var candidate = new UserEntry { Username = user.Username, IsAdmin = user.IsAdmin };
        var department = change.DepartmentId is null ? user.DepartmentId : change.DepartmentId.Length == 0 ? null : change.DepartmentId;
        var partner = change.PartnerOrgId ?? user.PartnerOrgId;
        if (Placement(candidate, kind, department, partner) is { } invalid) return invalid;
        user.Kind = candidate.Kind;
        user.DepartmentId = candidate.DepartmentId;
        user.PartnerOrgId = candidate.PartnerOrgId;
        if (displayName is not null) user.DisplayName = displayName;
        Changes.Rows.Users.Add(username);
        ChangedEverything();
        return OrgResult.Ok;
    }

    public OrgResult SetDeactivated(string username, bool deactivated)
    {
        if (!State.Users.TryGetValue(username, out var user)) return OrgResult.NotFound;
        if (deactivated && username == AdminUsername) return OrgResult.Invalid("the built-in administrator cannot be deactivated");
        if (user.Deactivated == deactivated) return OrgResult.Ok;
        user.Deactivated = deactivated;
        Changes.Rows.Users.Add(username);
        ChangedEverything();
        Changes.DeactivatedUsersChanged = true;
        return OrgResult.Ok;
    }

    public IReadOnlyList<string> DeactivatedUsers() =>
        State.Users.Values.Where(u => u.Deactivated).Select(u => u.Username).Order(StringComparer.Ordinal).ToList();

    public IReadOnlyList<DepartmentInfo> Departments() =>
        State.Departments.Values.OrderBy(d => d.Name, StringComparer.CurrentCulture).Select(d => new DepartmentInfo(d.Id, d.Name, d.ParentId)).ToList();

    public OrgResult CreateDepartment(string name, string? parentId)
    {
        if (CleanName(name) is not { } clean) return OrgResult.Invalid("name: 1-200 characters");
        if (parentId is not null && !State.Departments.ContainsKey(parentId)) return OrgResult.Invalid($"no department '{parentId}'");
        var id = NewId();
        State.Departments[id] = new DepartmentEntry { Id = id, Name = clean, ParentId = parentId };
        Changes.Rows.Departments.Add(id);
        return OrgResult.Created(id);
    }

    public OrgResult UpdateDepartment(string id, string? name, string? parentId)
    {
        if (!State.Departments.TryGetValue(id, out var department)) return OrgResult.NotFound;
        string? clean = null;
        if (name is not null && (clean = CleanName(name)) is null) return OrgResult.Invalid("name: 1-200 characters");
        if (parentId is not null)
        {
            var newParent = parentId.Length == 0 ? null : parentId;
            if (newParent is not null)
            {
                if (!State.Departments.ContainsKey(newParent)) return OrgResult.Invalid($"no department '{newParent}'");
                for (var p = newParent; p is not null; p = State.Departments[p].ParentId)
                {
                    if (p == id) return OrgResult.Invalid("a department cannot move below itself");
                }
            }
            if (department.ParentId != newParent)
            {
                department.ParentId = newParent;
                ChangedEverything();
            }
        }
        if (clean is not null) department.Name = clean;
        Changes.Rows.Departments.Add(id);
        return OrgResult.Ok;
    }

    public OrgResult DeleteDepartment(string id)
    {
        if (!State.Departments.ContainsKey(id)) return OrgResult.NotFound;
        if (State.Departments.Values.Any(d => d.ParentId == id)) return OrgResult.Conflict("the department has sub-departments");
        if (State.Users.Values.Any(u => u.DepartmentId == id)) return OrgResult.Conflict("the department has members");
        State.Departments.Remove(id);
        Changes.Rows.Departments.Add(id);
        RemoveGrantsOf(Principals.DepartmentPrefix + id);
        return OrgResult.Ok;
    }

    public IReadOnlyList<GroupInfo> Groups() =>
        State.Groups.Values.OrderBy(g => g.Name, StringComparer.CurrentCulture)
            .Select(g => new GroupInfo(g.Id, g.Name, g.Members.Order(StringComparer.Ordinal).ToList())).ToList();

    public OrgResult CreateGroup(string name)
    {
        if (CleanName(name) is not { } clean) return OrgResult.Invalid("name: 1-200 characters");
        var id = NewId();
        State.Groups[id] = new GroupEntry { Id = id, Name = clean };
        Changes.Rows.Groups.Add(id);
        return OrgResult.Created(id);
    }

    public OrgResult DeleteGroup(string id)
    {
        if (!State.Groups.Remove(id)) return OrgResult.NotFound;
        Changes.Rows.Groups.Add(id);
        RemoveGrantsOf(Principals.GroupPrefix + id);
        return OrgResult.Ok;
    }

    public OrgResult SetGroupMember(string groupId, string username, bool member)
    {
        if (!State.Groups.TryGetValue(groupId, out var group)) return OrgResult.NotFound;
        if (member && !State.Users.ContainsKey(username)) return OrgResult.Invalid($"no user '{username}'");
        var changed = member ? group.Members.Add(username) : group.Members.Remove(username);
        if (changed)
        {
            Changes.Rows.Groups.Add(groupId);
            ChangedEverything();
        }
        return OrgResult.Ok;
    }

    public IReadOnlyList<PartnerOrgInfo> Partners() =>
        State.Partners.Values.OrderBy(p => p.Name, StringComparer.CurrentCulture).Select(p => new PartnerOrgInfo(p.Id, p.Name)).ToList();

    public OrgResult CreatePartner(string name)
    {
        if (CleanName(name) is not { } clean) return OrgResult.Invalid("name: 1-200 characters");
        var id = NewId();
        State.Partners[id] = new PartnerEntry { Id = id, Name = clean };
        Changes.Rows.Partners.Add(id);
        return OrgResult.Created(id);
    }

    public OrgResult UpdatePartner(string id, string? name)
    {
        if (!State.Partners.TryGetValue(id, out var partner)) return OrgResult.NotFound;
        if (CleanName(name) is not { } clean) return OrgResult.Invalid("name: 1-200 characters");
        partner.Name = clean;
        Changes.Rows.Partners.Add(id);
        return OrgResult.Ok;
    }

    /// <summary>Refused while any user, deactivated ones included, still belongs to the organisation: their entries
    /// would point at nothing, and reactivating one would bring back a partner of no organisation.</summary>
    public OrgResult DeletePartner(string id)
    {
        if (!State.Partners.ContainsKey(id)) return OrgResult.NotFound;
        var members = State.Users.Values.Where(u => u.PartnerOrgId == id).OrderBy(u => u.Username, StringComparer.Ordinal).ToList();
        if (members.Count > 0)
        {
            const int Named = 5;
            var names = string.Join(", ", members.Take(Named).Select(u => u.Deactivated ? $"{u.Username} (deactivated)" : u.Username));
            var more = members.Count > Named ? $" and {members.Count - Named} more" : "";
            return OrgResult.Conflict($"the partner organisation still has users: {names}{more}; move them to another organisation first");
        }
        State.Partners.Remove(id);
        Changes.Rows.Partners.Add(id);
        RemoveGrantsOf(Principals.PartnerPrefix + id);
        // Nobody belongs to it any more, so dropping it from the trusted list changes no one's access.
        if (State.TrustedPartnerOrgs.Remove(id)) Changes.Rows.Policy = true;
        return OrgResult.Ok;
    }

    public SharingPolicy Policy() => new(State.ExternalSharing, State.TrustedPartnerOrgs.ToList());

    public OrgResult SetPolicy(SharingPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(policy);
        if (!Enum.IsDefined(policy.ExternalSharing)) return OrgResult.Invalid("externalSharing: on, trusted or off");
        var unknown = policy.TrustedPartnerOrgs.FirstOrDefault(id => !State.Partners.ContainsKey(id));
        if (unknown is not null) return OrgResult.Invalid($"no partner organisation '{unknown}'");
        State.ExternalSharing = policy.ExternalSharing;
        State.TrustedPartnerOrgs = policy.TrustedPartnerOrgs.Distinct(StringComparer.Ordinal).ToList();
        Changes.Rows.Policy = true;
        ChangedEverything();
        return OrgResult.Ok;
    }

    public OrgAnswer<IReadOnlyList<DirectoryHit>> SearchDirectory(string actor, string query, int limit = 20)
    {
        if (!Evaluator.SubjectOf(actor).IsActiveEmployee) return new(OrgOutcome.Forbidden, null, "the directory is for employees only");
        var q = query?.Trim() ?? "";
        bool Matches(string text) => q.Length == 0 || text.Contains(q, StringComparison.OrdinalIgnoreCase);
        var hits = new List<DirectoryHit>();
        hits.AddRange(State.Users.Values.Where(u => !u.Deactivated && (Matches(u.Username) || Matches(u.DisplayName)))
            .OrderBy(u => u.Username, StringComparer.Ordinal).Select(u => new DirectoryHit("user", Principals.User(u.Username), u.DisplayName)));
        hits.AddRange(State.Groups.Values.Where(g => Matches(g.Name)).Select(g => new DirectoryHit("group", Principals.GroupPrefix + g.Id, g.Name)));
        hits.AddRange(State.Departments.Values.Where(d => Matches(d.Name)).Select(d => new DirectoryHit("department", Principals.DepartmentPrefix + d.Id, d.Name)));
        hits.AddRange(State.Partners.Values.Where(p => Matches(p.Name)).Select(p => new DirectoryHit("partner", Principals.PartnerPrefix + p.Id, p.Name)));
        if (Matches("company") || Matches(Evaluator.DisplayNameOf(Principals.Company)))
        {
            hits.Add(new DirectoryHit("company", Principals.Company, Evaluator.DisplayNameOf(Principals.Company)));
        }
        return OrgAnswer.Ok<IReadOnlyList<DirectoryHit>>(hits.Take(limit).ToList());
    }

    private void RemoveGrantsOf(string principal)
    {
        foreach (var resource in State.Resources.Values)
        {
            if (resource.Grants.RemoveAll(g => g.Principal == principal) > 0) ChangedResource(resource);
        }
    }

    // ---------------- resources ----------------

    public AccessDecision Resolve(string resourceId, string principal)
    {
        var evaluation = Evaluator.Evaluate(principal, resourceId);
        return evaluation.Exists ? new AccessDecision(evaluation.Level, evaluation.NoExport, true) : AccessDecision.Missing;
    }

    public IReadOnlyList<string> FilterReadable(string principal, IReadOnlyList<string> resourceIds)
    {
        ArgumentNullException.ThrowIfNull(resourceIds);
        var subject = Evaluator.SubjectOf(principal);
        return resourceIds.Where(id => Evaluator.Evaluate(subject, id).Level >= AccessLevel.View).ToList();
    }

    /// <summary>The resource and the actor's level on it, or a NotFound result when it is missing or invisible.</summary>
    private OrgResult? Visible(string actor, string resourceId, AccessLevel needed, out ResourceEntry resource, out AccessLevel level)
    {
        level = Evaluator.Evaluate(actor, resourceId).Level;
        if (!State.Resources.TryGetValue(resourceId, out resource!) || level == AccessLevel.None) return OrgResult.NotFound;
        return level >= needed ? null : OrgResult.Forbidden($"needs {needed.ToWire()} access, you have {level.ToWire()}");
    }

    public ResourceInfo? Resource(string resourceId, string principal)
    {
        if (Visible(principal, resourceId, AccessLevel.View, out var resource, out var level) is not null) return null;
        return Info(resource, level);
    }

    private ResourceInfo Info(ResourceEntry resource, AccessLevel level) => new(
        resource.Id, resource.Kind, resource.Title, resource.ParentId, Evaluator.SpaceOf(resource)?.Id, resource.Order,
        resource.Restricted, Evaluator.HasNoExport(resource), Evaluator.IsTrashed(resource), resource.CreatedBy, resource.CreatedAt, level,
        resource.NoExport, resource.HistoryAudience, resource.GuestHistory);

    public DocumentAccess? DescribeDocument(string resourceId, string principal)
    {
        if (Visible(principal, resourceId, AccessLevel.View, out var resource, out var level) is not null) return null;
        var grants = new Dictionary<string, AccessLevel>(StringComparer.Ordinal);
        // The user grants name staff: only those who may search the directory (active employees) get them, never
        // partners or link sessions.
        if (Evaluator.SubjectOf(principal).IsActiveEmployee)
        {
            foreach (var grant in resource.Grants)
            {
                if (grant.Principal.StartsWith(Principals.UserPrefix, StringComparison.Ordinal)) grants[grant.Principal[Principals.UserPrefix.Length..]] = grant.Level;
            }
        }
        var subject = Evaluator.SubjectOf(principal);
        return new DocumentAccess(level, Evaluator.HasNoExport(resource), resource.Title, resource.Kind, Evaluator.SpaceOf(resource)?.Id, grants,
            SeesHistory(subject, resource, level), PublicIdOf(principal));
    }

    /// <summary>Version history and resolved comment threads are for editors; a space may widen that to commenters
    /// or viewers, and only when it says so explicitly to partners and link sessions (who never see it by default,
    /// whatever their level: old versions hold text that was taken out of the page on purpose).</summary>
    private bool SeesHistory(Subject subject, ResourceEntry resource, AccessLevel level)
    {
        if (level == AccessLevel.None) return false;
        if (subject.IsAdmin) return true;
        var space = Evaluator.SpaceOf(resource);
        var guest = subject.Link is not null || subject.User is { Kind: UserKind.Partner };
        if (guest && space is not { GuestHistory: true }) return false;
        var needed = (space?.HistoryAudience ?? HistoryAudience.Editors) switch
        {
            HistoryAudience.Viewers => AccessLevel.View,
            HistoryAudience.Commenters => AccessLevel.Comment,
            _ => AccessLevel.Edit,
        };
        return level >= needed;
    }

    public bool RegisterDocument(string documentId, string owner, string title)
    {
        if (State.Resources.ContainsKey(documentId)) return false;
        State.Resources[documentId] = new ResourceEntry
        {
            Id = documentId,
            Kind = ResourceKind.Document,
            Title = CleanName(title) ?? documentId,
            CreatedBy = owner,
            CreatedAt = _time.GetUtcNow(),
            Grants = [new GrantEntry { Id = NewId(), Principal = Principals.User(owner), Level = AccessLevel.Manage }],
        };
        Changes.Rows.Resources.Add(documentId);
        return true;
    }

    public OrgResult SetUserGrant(string actor, string resourceId, string username, AccessLevel? level)
    {
        if (Visible(actor, resourceId, AccessLevel.Manage, out var resource, out _) is { } denied) return denied;
        var principal = Principals.User(username);
        var existing = resource.Grants.Find(g => g.Principal == principal);
        var loses = existing?.Level == AccessLevel.Manage && level != AccessLevel.Manage;
        if (loses && resource.Grants.Count(g => g.Level == AccessLevel.Manage && g.Principal.StartsWith(Principals.UserPrefix, StringComparison.Ordinal)) == 1)
        {
            return OrgResult.Conflict("last-owner");
        }
        if (level is not { } newLevel)
        {
            if (existing is null) return OrgResult.Ok;
            resource.Grants.Remove(existing);
        }
        else
        {
            if (CheckGrantable(resource.Id, principal, newLevel) is { } invalid) return invalid;
            if (existing is null) resource.Grants.Add(new GrantEntry { Id = NewId(), Principal = principal, Level = newLevel });
            else existing.Level = newLevel;
        }
        ChangedResource(resource);
        return OrgResult.Ok;
    }

    public OrgResult CreateSpace(string actor, string name)
    {
        if (!Evaluator.SubjectOf(actor).IsActiveEmployee) return OrgResult.Forbidden("only employees create spaces");
        if (CleanName(name) is not { } clean) return OrgResult.Invalid("name: 1-200 characters");
        var id = NewId();
        State.Resources[id] = new ResourceEntry
        {
            Id = id,
            Kind = ResourceKind.Space,
            Title = clean,
            CreatedBy = actor,
            CreatedAt = _time.GetUtcNow(),
            Grants = [new GrantEntry { Id = NewId(), Principal = Principals.User(actor), Level = AccessLevel.Manage }],
        };
        Changes.Spaces.Add(id);
        Changes.Rows.Resources.Add(id);
        return OrgResult.Created(id);
    }

    public IReadOnlyList<TreeNode> Spaces(string principal) => Evaluator.SpacesFor(Evaluator.SubjectOf(principal));

    public IReadOnlyList<TreeNode> Standalone(string principal, string idPrefix) => Evaluator.StandaloneFor(Evaluator.SubjectOf(principal), idPrefix);

    public SpaceTree? Tree(string principal, string spaceId) => Evaluator.TreeFor(Evaluator.SubjectOf(principal), spaceId);

    public bool CanSeeSpace(string principal, string spaceId) => Tree(principal, spaceId) is not null;

    public OrgAnswer<IReadOnlyList<TreeNode>> Trash(string actor, string spaceId)
    {
        if (Visible(actor, spaceId, AccessLevel.Manage, out var space, out _) is { } denied) return OrgAnswer.From<IReadOnlyList<TreeNode>>(denied);
        if (space.Kind != ResourceKind.Space) return new(OrgOutcome.NotFound, null);
        var trashed = Evaluator.PagesOf(spaceId, includeTrashed: true).Where(p => p.Trashed)
            .Select(p => new TreeNode(p.Id, p.ParentId, p.Title, p.Order, AccessLevel.Manage)).ToList();
        return OrgAnswer.Ok<IReadOnlyList<TreeNode>>(trashed);
    }

    public OrgResult CreatePage(string actor, string spaceId, string? parentId, string title, int? index)
    {
        var parentKey = parentId ?? spaceId;
        if (Visible(actor, parentKey, AccessLevel.Edit, out var parent, out _) is { } denied) return denied;
        if (Evaluator.SpaceOf(parent)?.Id != spaceId || parent.Kind == ResourceKind.Document) return OrgResult.NotFound;
        if (Evaluator.IsTrashed(parent)) return OrgResult.Invalid("the parent is in the trash");
        if (CleanName(title) is not { } clean) return OrgResult.Invalid("title: 1-200 characters");
        if (Evaluator.DepthOf(parent) >= AccessEvaluator.MaxPageDepth) return TooDeep();
        var id = NewId();
        var page = new ResourceEntry { Id = id, Kind = ResourceKind.Page, Title = clean, ParentId = parent.Id, CreatedBy = actor, CreatedAt = _time.GetUtcNow() };
        State.Resources[id] = page;
        Evaluator.Children.Add(page);
        PlaceAmongSiblings(page, index);
        // Nobody can have a page open before it exists, and a new page changes no one's level elsewhere: the open
        // connections need no re-check (the copies skip it on every create).
        ChangedResource(page, access: false);
        return OrgResult.Created(id);
    }

    /// <summary>Puts <paramref name="page"/> at <paramref name="index"/> (end when null or beyond) among its
    /// parent's children and renumbers them 0..n; only the siblings whose position changed are rows to write.</summary>
    private void PlaceAmongSiblings(ResourceEntry page, int? index)
    {
        var siblings = Evaluator.SiblingsInOrder(page.ParentId!).Where(r => r != page).ToList();
        var at = Math.Clamp(index ?? siblings.Count, 0, siblings.Count);
        siblings.Insert(at, page);
        for (var i = 0; i < siblings.Count; i++)
        {
            if (siblings[i].Order == i) continue;
            siblings[i].Order = i;
            Changes.Rows.Resources.Add(siblings[i].Id);
        }
        Changes.Rows.Resources.Add(page.Id);
    }

    public OrgResult RenameResource(string actor, string resourceId, string title)
    {
        var needed = State.Resources.TryGetValue(resourceId, out var known) && known.Kind == ResourceKind.Space ? AccessLevel.Manage : AccessLevel.Edit;
        if (Visible(actor, resourceId, needed, out var resource, out _) is { } denied) return denied;
        if (CleanName(title) is not { } clean) return OrgResult.Invalid("title: 1-200 characters");
        resource.Title = clean;
        ChangedResource(resource, access: false);
        return OrgResult.Ok;
    }

    public OrgResult MovePage(string actor, string pageId, string parentId, int? index)
    {
        if (CheckMove(actor, pageId, parentId, out var page, out var target) is { } refused) return refused;
        Evaluator.Children.Remove(page, page.ParentId);
        page.ParentId = target.Id;
        Evaluator.Children.Add(page);
        PlaceAmongSiblings(page, index);
        ChangedResource(page);
        return OrgResult.Ok;
    }

    public OrgAnswer<AccessChange> PreviewMove(string actor, string pageId, string parentId)
    {
        if (CheckMove(actor, pageId, parentId, out var page, out var target) is { } refused) return OrgAnswer.From<AccessChange>(refused);
        var previousParent = page.ParentId;
        return OrgAnswer.Ok(Simulate(actor, page, () => page.ParentId = target.Id, () => page.ParentId = previousParent));
    }

    private OrgResult? CheckMove(string actor, string pageId, string parentId, out ResourceEntry page, out ResourceEntry target)
    {
        target = null!;
        if (Visible(actor, pageId, AccessLevel.Edit, out page, out _) is { } denied) return denied;
        if (page.Kind != ResourceKind.Page) return OrgResult.Invalid("only pages move");
        if (Evaluator.IsTrashed(page)) return OrgResult.Invalid("restore the page first");
        if (Visible(actor, parentId, AccessLevel.Edit, out target, out _) is { } targetDenied) return targetDenied;
        var space = Evaluator.SpaceOf(page);
        if (target.Kind == ResourceKind.Document || Evaluator.SpaceOf(target) != space) return OrgResult.Invalid("pages move within their space");
        if (Evaluator.IsWithin(target, page.Id)) return OrgResult.Invalid("a page cannot move below itself");
        if (Evaluator.IsTrashed(target)) return OrgResult.Invalid("the target is in the trash");
        if (Evaluator.DepthOf(target) + 1 + Evaluator.HeightBelow(page) > AccessEvaluator.MaxPageDepth) return TooDeep();
        return null;
    }

    private static OrgResult TooDeep() => OrgResult.Invalid($"pages nest at most {AccessEvaluator.MaxPageDepth} levels below their space");

    /// <summary>
    /// Applies <paramref name="change"/> to the model, compares who can read <paramref name="root"/> and every page
    /// below it before and after, and undoes the change. Synchronous from start to end, so no other call of the
    /// (single-threaded) grain ever sees the changed model.
    /// </summary>
    private AccessChange Simulate(string actor, ResourceEntry root, Action change, Action undo)
    {
        var pages = new List<string> { root.Id };
        if (root.Kind != ResourceKind.Document && Evaluator.SpaceOf(root) is not null)
        {
            pages.AddRange(Evaluator.PagesUnder(root.Id, includeTrashed: false).Select(p => p.Id));
        }
        var before = Readers(pages);
        Dictionary<string, int> after;
        change();
        try
        {
            after = Readers(pages);
        }
        finally
        {
            undo();
        }
        var employeeActor = Evaluator.SubjectOf(actor).IsActiveEmployee;
        List<AccessChangeEntry> Entries(Dictionary<string, int> from, Dictionary<string, int> to, out int hidden)
        {
            var entries = new List<AccessChangeEntry>();
            hidden = 0;
            foreach (var (principal, count) in to)
            {
                var pagesChanged = count - from.GetValueOrDefault(principal);
                if (pagesChanged <= 0) continue;
                var entry = ChangeEntry(principal, pagesChanged, employeeActor);
                if (entry is null) hidden++;
                else entries.Add(entry);
            }
            return entries.OrderBy(e => e.Kind, StringComparer.Ordinal).ThenBy(e => e.DisplayName, StringComparer.CurrentCulture).ToList();
        }
        var gains = Entries(before, after, out var hiddenGains);
        var losses = Entries(after, before, out var hiddenLosses);
        return new AccessChange(gains, losses, hiddenGains, hiddenLosses);
    }

    /// <summary>For each principal with read access to at least one of the pages, on how many.</summary>
    private Dictionary<string, int> Readers(IReadOnlyList<string> pages)
    {
        var readers = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var page in pages)
        {
            foreach (var explanation in Evaluator.Explain(page))
            {
                // Administrators read everything anyway: they gain and lose nothing.
                if (explanation.Administrator || explanation.Level < AccessLevel.View) continue;
                readers[explanation.Principal] = readers.GetValueOrDefault(explanation.Principal) + 1;
            }
        }
        return readers;
    }

    /// <summary>Null when the actor is not an employee and the principal is one (partners see staff as a count).</summary>
    private AccessChangeEntry? ChangeEntry(string principal, int pages, bool employeeActor)
    {
        if (Principals.IsLink(principal))
        {
            var link = State.Links.GetValueOrDefault(principal[Principals.LinkPrefix.Length..]);
            var name = link?.Scope == LinkScope.Anyone ? "Share link (anyone)" : "Share link (company)";
            return new AccessChangeEntry("link", name, employeeActor ? principal : null, null, pages);
        }
        var user = State.Users.GetValueOrDefault(principal);
        if (user is { Kind: UserKind.Partner })
        {
            var org = user.PartnerOrgId is { } orgId && State.Partners.TryGetValue(orgId, out var partner) ? partner.Name : null;
            return new AccessChangeEntry("partner", user.DisplayName, employeeActor ? Principals.User(principal) : null, org, pages);
        }
        if (!employeeActor) return null;
        return new AccessChangeEntry("employee", user?.DisplayName ?? "User", Principals.User(principal), null, pages);
    }

    public OrgResult SetTrashed(string actor, string pageId, bool trashed)
    {
        if (Visible(actor, pageId, AccessLevel.Manage, out var page, out _) is { } denied) return denied;
        if (page.Kind != ResourceKind.Page) return OrgResult.Invalid("only pages go to the trash");
        if (page.Trashed == trashed) return trashed ? OrgResult.Ok : OrgResult.Invalid("the page is not in the trash itself");
        page.Trashed = trashed;
        ChangedResource(page);
        return OrgResult.Ok;
    }

    public OrgAnswer<IReadOnlyList<GrantView>> Grants(string actor, string resourceId)
    {
        if (Visible(actor, resourceId, AccessLevel.Manage, out var resource, out _) is { } denied) return OrgAnswer.From<IReadOnlyList<GrantView>>(denied);
        return OrgAnswer.Ok<IReadOnlyList<GrantView>>(resource.Grants.Select(g => new GrantView(g.Id, g.Principal, Evaluator.DisplayNameOf(g.Principal), g.Level)).ToList());
    }

    /// <summary>Whether the principal exists and may hold the level under the current policy.</summary>
    /// <summary>A project's board and history name its people by username, and the partner projection that would
    /// show outsiders only what was shared with them does not exist yet: until it does, projects take no partner
    /// grants and no share links (and <see cref="AccessEvaluator"/> gives partners and link sessions nothing on them).</summary>
    private const string ProjectsWithoutOutsiders = "projects and objectives cannot be shared with partners or through links";

    /// <summary>Resources no partner or link session reaches: projects (above) and objectives (the company's OKRs,
    /// docs/okr.md: partners never).</summary>
    public static bool RefusesOutsiders(string resourceId) => ProjectSchema.IsProjectId(resourceId) || Okr.OkrSchema.IsObjectiveId(resourceId);

    private OrgResult? CheckGrantable(string resourceId, string principal, AccessLevel level)
    {
        if (level == AccessLevel.None || !Enum.IsDefined(level)) return OrgResult.Invalid("level: view, comment, edit or manage");
        string? partnerOrg = null;
        var colon = principal.IndexOf(':', StringComparison.Ordinal);
        var id = colon < 0 ? "" : principal[(colon + 1)..];
        switch (colon < 0 ? principal : principal[..(colon + 1)])
        {
            case Principals.Company:
                break;
            case Principals.UserPrefix:
                // Accounts from before the directory (no entry) are employees for this purpose.
                if (State.Users.TryGetValue(id, out var user) && user.Kind == UserKind.Partner) partnerOrg = user.PartnerOrgId ?? "";
                else if (!State.Users.ContainsKey(id) && id.Length == 0) return OrgResult.Invalid("unknown principal");
                break;
            case Principals.GroupPrefix when State.Groups.ContainsKey(id):
            case Principals.DepartmentPrefix when State.Departments.ContainsKey(id):
                break;
            case Principals.PartnerPrefix when State.Partners.ContainsKey(id):
                partnerOrg = id;
                break;
            default:
                return OrgResult.Invalid($"unknown principal '{principal}'");
        }
        if (partnerOrg is null) return null;
        if (RefusesOutsiders(resourceId)) return OrgResult.Invalid(ProjectsWithoutOutsiders);
        if (level == AccessLevel.Manage) return OrgResult.Invalid("partners can never hold manage");
        if (!Evaluator.PartnerAllowed(partnerOrg)) return OrgResult.Invalid("the sharing policy does not allow sharing with this partner");
        return null;
    }

    public OrgAnswer<GrantInfo> AddGrant(string actor, string resourceId, string principal, AccessLevel level)
    {
        if (Visible(actor, resourceId, AccessLevel.Manage, out var resource, out _) is { } denied) return OrgAnswer.From<GrantInfo>(denied);
        if (principal.StartsWith(Principals.UserPrefix, StringComparison.Ordinal) && !State.Users.ContainsKey(principal[Principals.UserPrefix.Length..]))
        {
            return new(OrgOutcome.Invalid, null, $"unknown principal '{principal}'");
        }
        if (CheckGrantable(resource.Id, principal, level) is { } invalid) return OrgAnswer.From<GrantInfo>(invalid);
        var grant = resource.Grants.Find(g => g.Principal == principal);
        if (grant is null) resource.Grants.Add(grant = new GrantEntry { Id = NewId(), Principal = principal, Level = level });
        else grant.Level = level;
        ChangedResource(resource);
        return OrgAnswer.Ok(new GrantInfo(grant.Id, grant.Principal, grant.Level));
    }

    public OrgResult RemoveGrant(string actor, string resourceId, string grantId)
    {
        if (Visible(actor, resourceId, AccessLevel.Manage, out var resource, out _) is { } denied) return denied;
        if (resource.Grants.RemoveAll(g => g.Id == grantId) == 0) return OrgResult.NotFound;
        ChangedResource(resource);
        return OrgResult.Ok;
    }

    public OrgResult UpdateSettings(string actor, string resourceId, bool? restricted, bool? noExport, HistoryAudience? history = null, bool? guestHistory = null)
    {
        if (Visible(actor, resourceId, AccessLevel.Manage, out var resource, out _) is { } denied) return denied;
        if ((history is not null || guestHistory is not null) && resource.Kind != ResourceKind.Space) return OrgResult.Invalid("history settings belong to spaces");
        if (history is { } audience && !Enum.IsDefined(audience)) return OrgResult.Invalid("history: editors, commenters or viewers");
        if (restricted is { } r) SetRestricted(actor, resource, r);
        if (noExport is { } n) resource.NoExport = n;
        if (history is { } h) resource.HistoryAudience = h;
        if (guestHistory is { } g) resource.GuestHistory = g;
        ChangedResource(resource);
        return OrgResult.Ok;
    }

    public OrgAnswer<AccessChange> PreviewRestricted(string actor, string resourceId, bool restricted)
    {
        if (Visible(actor, resourceId, AccessLevel.Manage, out var resource, out _) is { } denied) return OrgAnswer.From<AccessChange>(denied);
        var previous = (resource.Restricted, Grants: resource.Grants.ToList());
        return OrgAnswer.Ok(Simulate(actor, resource, () => SetRestricted(actor, resource, restricted), () =>
        {
            resource.Restricted = previous.Restricted;
            resource.Grants = previous.Grants;
        }));
    }

    private void SetRestricted(string actor, ResourceEntry resource, bool restricted)
    {
        resource.Restricted = restricted;
        // Whoever restricts a page keeps managing it (restriction would otherwise cut their inherited grant).
        var subject = Evaluator.SubjectOf(actor);
        if (restricted && !subject.IsAdmin && Evaluator.Evaluate(subject, resource.Id).Level < AccessLevel.Manage)
        {
            var principal = Principals.User(actor);
            resource.Grants = [.. resource.Grants.Where(g => g.Principal != principal),
                new GrantEntry { Id = NewId(), Principal = principal, Level = AccessLevel.Manage }];
        }
    }

    public OrgAnswer<IReadOnlyList<AccessExplanation>> Explain(string actor, string resourceId)
    {
        if (Visible(actor, resourceId, AccessLevel.Manage, out _, out _) is { } denied) return OrgAnswer.From<IReadOnlyList<AccessExplanation>>(denied);
        return OrgAnswer.Ok(Evaluator.Explain(resourceId));
    }

    // ---------------- share links ----------------

    private static ShareLinkInfo Info(LinkEntry link) =>
        new(link.Id, link.ResourceId, link.Scope, link.Role, link.Password is not null, link.ExpiresAt, link.Revoked, link.CreatedBy, link.CreatedAt);

    public OrgAnswer<IReadOnlyList<ShareLinkInfo>> Links(string actor, string resourceId)
    {
        if (Visible(actor, resourceId, AccessLevel.Manage, out _, out _) is { } denied) return OrgAnswer.From<IReadOnlyList<ShareLinkInfo>>(denied);
        return OrgAnswer.Ok<IReadOnlyList<ShareLinkInfo>>(State.Links.Values.Where(l => l.ResourceId == resourceId).OrderBy(l => l.CreatedAt).Select(Info).ToList());
    }

    public IReadOnlyList<ShareLinkInfo> ActiveLinks() =>
        State.Links.Values.Where(Evaluator.LinkIsLive).OrderBy(l => l.CreatedAt).Select(Info).ToList();

    public static string HashToken(string token) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(token)));

    public OrgAnswer<CreatedLink> CreateLink(string actor, string resourceId, LinkScope scope, AccessLevel role, string? password, DateTimeOffset? expiresAt)
    {
        if (Visible(actor, resourceId, AccessLevel.Manage, out _, out _) is { } denied) return OrgAnswer.From<CreatedLink>(denied);
        if (RefusesOutsiders(resourceId)) return new(OrgOutcome.Invalid, null, ProjectsWithoutOutsiders);
        if (!Enum.IsDefined(scope)) return new(OrgOutcome.Invalid, null, "scope: company or anyone");
        var highest = scope == LinkScope.Anyone ? AccessLevel.Comment : AccessLevel.Edit;
        if (role < AccessLevel.View || role > highest) return new(OrgOutcome.Invalid, null, $"role: at most {highest.ToWire()} for {scope.ToString().ToLowerInvariant()} links");
        if (scope == LinkScope.Anyone && State.ExternalSharing != ExternalSharing.On) return new(OrgOutcome.Invalid, null, "the sharing policy does not allow links for anyone");
        if (password is { Length: < 4 or > 200 }) return new(OrgOutcome.Invalid, null, "password: 4-200 characters");
        if (expiresAt is { } expiry && expiry <= _time.GetUtcNow()) return new(OrgOutcome.Invalid, null, "expiresAt must be in the future");
        var token = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        var link = new LinkEntry
        {
            Id = NewId(),
            ResourceId = resourceId,
            Scope = scope,
            Role = role,
            TokenHash = HashToken(token),
            Password = string.IsNullOrEmpty(password) ? null : PasswordHasher.Hash(password),
            ExpiresAt = expiresAt,
            CreatedBy = actor,
            CreatedAt = _time.GetUtcNow(),
        };
        State.Links[link.Id] = link;
        Changes.Rows.Links.Add(link.Id);
        _linksByTokenHash[link.TokenHash] = link.Id;
        return OrgAnswer.Ok(new CreatedLink(Info(link), token));
    }

    public OrgAnswer<ShareLinkInfo> RevokeLink(string actor, string linkId)
    {
        // Missing and "not yours to revoke" are the same NotFound, so link ids cannot be probed; partners and link
        // sessions can never manage, so they are answered before any lookup.
        var missing = new OrgAnswer<ShareLinkInfo>(OrgOutcome.NotFound, null);
        var subject = Evaluator.SubjectOf(actor);
        if (subject.Link is not null || subject.User is { Kind: UserKind.Partner }) return missing;
        if (!State.Links.TryGetValue(linkId, out var link)) return missing;
        if (!subject.IsAdmin && Evaluator.Evaluate(subject, link.ResourceId).Level < AccessLevel.Manage) return missing;
        if (!link.Revoked)
        {
            link.Revoked = true;
            Changes.Rows.Links.Add(link.Id);
            if (State.Resources.TryGetValue(link.ResourceId, out var resource)) ChangedResource(resource);
        }
        return OrgAnswer.Ok(Info(link));
    }

    public OrgAnswer<LinkRedemption> RedeemLink(string token, string? password, string? redeemer)
    {
        var missing = new OrgAnswer<LinkRedemption>(OrgOutcome.NotFound, null);
        if (string.IsNullOrEmpty(token) || !_linksByTokenHash.TryGetValue(HashToken(token), out var id) || !State.Links.TryGetValue(id, out var link)) return missing;
        if (!Evaluator.LinkIsLive(link)) return missing;
        if (link.Scope == LinkScope.Company && (redeemer is null || !Evaluator.SubjectOf(redeemer).IsActiveEmployee)) return missing;
        if (link.Password is not null && (password is null || !PasswordHasher.Verify(password, link.Password))) return missing;
        return OrgAnswer.Ok(new LinkRedemption(link.Id, link.ResourceId, link.Role));
    }
}
