using Spotter.Collab.Grains.Projects;

namespace Spotter.Collab.Grains.Access;

/// <summary>An effective level with where it comes from (<see cref="Source"/> null: no grant, or administrator).</summary>
public readonly record struct Evaluation(AccessLevel Level, bool Exists, bool NoExport, GrantSource? Source, bool Administrator)
{
    public static readonly Evaluation Missing = new(AccessLevel.None, false, false, null, false);
}

/// <summary>
/// Who a principal is for evaluation: the grant principals that apply to it and the caps on its level.
/// Built once per principal and reused across many resources.
/// </summary>
public sealed class Subject
{
    internal Subject(string principal, UserEntry? user, HashSet<string> matches, AccessLevel cap, LinkEntry? link)
    {
        Principal = principal;
        User = user;
        Matches = matches;
        Cap = cap;
        Link = link;
    }

    public string Principal { get; }
    /// <summary>The directory entry (null for link sessions and for accounts without one).</summary>
    public UserEntry? User { get; }
    internal HashSet<string> Matches { get; }
    /// <summary>Highest level this subject may ever hold (None: deactivated, excluded by policy, dead link).</summary>
    public AccessLevel Cap { get; }
    internal LinkEntry? Link { get; }
    public bool IsAdmin => User is { IsAdmin: true, Deactivated: false };
    public bool IsActiveEmployee => User is { Kind: UserKind.Employee, Deactivated: false };
}

/// <summary>
/// Computes effective levels from the current tree: the highest applicable grant on the resource and its ancestors,
/// walking up and stopping after the first restricted node; then capped (deactivated, partner, policy, trash, link
/// role); administrators manage everything.
/// </summary>
public sealed class AccessEvaluator(OrganizationState state, TimeProvider time)
{
    /// <summary>How many levels pages nest below their space: creating or moving a page deeper is refused, and
    /// every walk up the tree stops there.</summary>
    public const int MaxPageDepth = 999;

    public OrganizationState State { get; } = state;

    /// <summary>Each parent's child pages (kept current by <see cref="Organization"/>).</summary>
    public PageChildren Children { get; } = new(state.Resources.Values);

    public Subject SubjectOf(string principal)
    {
        ArgumentNullException.ThrowIfNull(principal);
        var matches = new HashSet<string>(StringComparer.Ordinal);
        if (Principals.IsLink(principal))
        {
            var link = State.Links.GetValueOrDefault(principal[Principals.LinkPrefix.Length..]);
            var cap = link is not null && LinkIsLive(link) ? link.Role : AccessLevel.None;
            if (link is not null) matches.Add(principal);
            return new Subject(principal, null, matches, cap, link);
        }
        matches.Add(Principals.User(principal));
        var user = State.Users.GetValueOrDefault(principal);
        if (user is null) return new Subject(principal, null, matches, AccessLevel.Manage, null);
        foreach (var group in State.Groups.Values)
        {
            if (group.Members.Contains(principal)) matches.Add(Principals.GroupPrefix + group.Id);
        }
        var level = AccessLevel.Manage;
        if (user.Kind == UserKind.Employee)
        {
            matches.Add(Principals.Company);
            // A department grant covers its sub-departments: the user matches their department and every ancestor.
            var seen = new HashSet<string>(StringComparer.Ordinal);
            for (var id = user.DepartmentId; id is not null && seen.Add(id) && State.Departments.TryGetValue(id, out var department); id = department.ParentId)
            {
                matches.Add(Principals.DepartmentPrefix + id);
            }
        }
        else
        {
            if (user.PartnerOrgId is { } org) matches.Add(Principals.PartnerPrefix + org);
            level = PartnerAllowed(user.PartnerOrgId) ? AccessLevel.Edit : AccessLevel.None;
        }
        if (user.Deactivated) level = AccessLevel.None;
        return new Subject(principal, user, matches, level, null);
    }

    /// <summary>Whether policy lets partner users of <paramref name="partnerOrgId"/> hold any access.</summary>
    public bool PartnerAllowed(string? partnerOrgId) => State.ExternalSharing switch
    {
        ExternalSharing.On => true,
        ExternalSharing.Trusted => partnerOrgId is not null && State.TrustedPartnerOrgs.Contains(partnerOrgId),
        _ => false,
    };

    public bool LinkIsLive(LinkEntry link)
    {
        ArgumentNullException.ThrowIfNull(link);
        if (link.Revoked || (link.ExpiresAt is { } expires && expires <= time.GetUtcNow())) return false;
        if (link.Scope == LinkScope.Anyone && State.ExternalSharing != ExternalSharing.On) return false;
        return State.Resources.TryGetValue(link.ResourceId, out var resource) && !IsTrashed(resource);
    }

    public Evaluation Evaluate(string principal, string resourceId) => Evaluate(SubjectOf(principal), resourceId);

    public Evaluation Evaluate(Subject subject, string resourceId)
    {
        ArgumentNullException.ThrowIfNull(subject);
        if (!State.Resources.TryGetValue(resourceId, out var resource)) return Evaluation.Missing;
        var noExport = HasNoExport(resource);
        if (subject.Cap == AccessLevel.None) return new Evaluation(AccessLevel.None, true, noExport, null, false);
        if (subject.IsAdmin) return new Evaluation(AccessLevel.Manage, true, noExport, null, true);
        // A project names its people by username on its board and in its history, and has no partner projection
        // yet; an objective is the company's own (docs/okr.md): partners and link sessions get nothing there,
        // whatever a group or an older grant says.
        if (Organization.RefusesOutsiders(resource.Id) && (subject.Link is not null || subject.User is { Kind: not UserKind.Employee }))
        {
            return new Evaluation(AccessLevel.None, true, noExport, null, false);
        }
        if (IsTrashed(resource))
        {
            // A trashed page is only there to be restored: visible to those who manage its space.
            if (subject.Link is not null || SpaceOf(resource) is not { } space) return new Evaluation(AccessLevel.None, true, noExport, null, false);
            var onSpace = Walk(subject, space);
            return onSpace.Level == AccessLevel.Manage
                ? new Evaluation(AccessLevel.Manage, true, noExport, onSpace.Source, false)
                : new Evaluation(AccessLevel.None, true, noExport, null, false);
        }
        var walked = Walk(subject, resource);
        var level = AccessLevels.Min(walked.Level, subject.Cap);
        return new Evaluation(level, true, noExport, level == AccessLevel.None ? null : walked.Source, false);
    }

    /// <summary>The highest matching grant on the resource and its ancestors up to and including the first
    /// restricted node. A link session matches the virtual grant its link puts on the link's resource.</summary>
    private (AccessLevel Level, GrantSource? Source) Walk(Subject subject, ResourceEntry start)
    {
        var best = AccessLevel.None;
        GrantSource? source = null;
        var node = start;
        for (var depth = 0; depth <= MaxPageDepth; depth++)
        {
            if (subject.Link is { } link && link.ResourceId == node.Id && link.Role > best)
            {
                best = link.Role;
                source = new GrantSource(node.Id, node.Title, link.Id, subject.Principal, node != start);
            }
            foreach (var grant in node.Grants)
            {
                if (grant.Level > best && subject.Matches.Contains(grant.Principal))
                {
                    best = grant.Level;
                    source = new GrantSource(node.Id, node.Title, grant.Id, grant.Principal, node != start);
                }
            }
            if (node.Restricted || node.ParentId is null || !State.Resources.TryGetValue(node.ParentId, out var parent)) break;
            node = parent;
        }
        return (best, source);
    }

    public IEnumerable<ResourceEntry> AncestorsAndSelf(ResourceEntry resource)
    {
        ArgumentNullException.ThrowIfNull(resource);
        var node = resource;
        for (var depth = 0; depth <= MaxPageDepth; depth++)
        {
            yield return node;
            if (node.ParentId is null || !State.Resources.TryGetValue(node.ParentId, out var parent)) yield break;
            node = parent;
        }
    }

    public bool IsTrashed(ResourceEntry resource) => AncestorsAndSelf(resource).Any(r => r.Trashed);

    public bool HasNoExport(ResourceEntry resource) => AncestorsAndSelf(resource).Any(r => r.NoExport);

    /// <summary>The space a page lives in (a space is its own space); null for standalone documents.</summary>
    public ResourceEntry? SpaceOf(ResourceEntry resource)
    {
        var root = AncestorsAndSelf(resource).Last();
        return root.Kind == ResourceKind.Space ? root : null;
    }

    /// <summary>Whether <paramref name="candidate"/> is <paramref name="ancestor"/> or below it.</summary>
    public bool IsWithin(ResourceEntry candidate, string ancestor) => AncestorsAndSelf(candidate).Any(r => r.Id == ancestor);

    /// <summary>Display name of a principal string, for grant lists and explanations.</summary>
    public string DisplayNameOf(string principal)
    {
        ArgumentNullException.ThrowIfNull(principal);
        var colon = principal.IndexOf(':', StringComparison.Ordinal);
        var id = colon < 0 ? principal : principal[(colon + 1)..];
        return (colon < 0 ? principal : principal[..(colon + 1)]) switch
        {
            Principals.Company => "Everyone in the company",
            Principals.UserPrefix => State.Users.TryGetValue(id, out var u) ? u.DisplayName : id,
            Principals.GroupPrefix => State.Groups.TryGetValue(id, out var g) ? g.Name : id,
            Principals.DepartmentPrefix => State.Departments.TryGetValue(id, out var d) ? d.Name : id,
            Principals.PartnerPrefix => State.Partners.TryGetValue(id, out var p) ? p.Name : id,
            Principals.LinkPrefix => "Share link",
            _ => State.Users.TryGetValue(principal, out var user) ? user.DisplayName : principal,
        };
    }

    /// <summary>Everyone with access to the resource and why: every directory user, every user named in a grant
    /// on the way up, and every live link that reaches it.</summary>
    public IReadOnlyList<AccessExplanation> Explain(string resourceId)
    {
        if (!State.Resources.TryGetValue(resourceId, out var resource)) return [];
        var candidates = new SortedSet<string>(State.Users.Keys, StringComparer.Ordinal);
        foreach (var node in AncestorsAndSelf(resource))
        {
            foreach (var grant in node.Grants)
            {
                if (grant.Principal.StartsWith(Principals.UserPrefix, StringComparison.Ordinal)) candidates.Add(grant.Principal[Principals.UserPrefix.Length..]);
            }
        }
        foreach (var link in State.Links.Values)
        {
            if (!link.Revoked) candidates.Add(Principals.Link(link.Id));
        }
        var result = new List<AccessExplanation>();
        foreach (var principal in candidates)
        {
            var evaluation = Evaluate(principal, resourceId);
            if (evaluation.Level == AccessLevel.None) continue;
            result.Add(new AccessExplanation(principal, DisplayNameOf(principal), evaluation.Level, evaluation.Source, evaluation.Administrator));
        }
        return result.OrderByDescending(e => e.Level).ThenBy(e => e.Principal, StringComparer.Ordinal).ToList();
    }

    /// <summary>Pages of a space in tree order (parents before children, siblings by order). Walks with an
    /// explicit stack: nothing bounds how deep pages nest.</summary>
    public List<ResourceEntry> PagesOf(string spaceId, bool includeTrashed) => PagesUnder(spaceId, includeTrashed);

    /// <summary>The pages below <paramref name="parentId"/> (a space or a page) in tree order.</summary>
    public List<ResourceEntry> PagesUnder(string parentId, bool includeTrashed)
    {
        var ordered = new List<ResourceEntry>();
        var pending = new Stack<ResourceEntry>();
        void PushChildren(string parentId)
        {
            // Reversed, so the first sibling is popped first.
            foreach (var child in SiblingsInOrder(parentId).Reverse())
            {
                if (child.Trashed && !includeTrashed) continue;
                pending.Push(child);
            }
        }
        PushChildren(parentId);
        while (pending.TryPop(out var page))
        {
            ordered.Add(page);
            PushChildren(page.Id);
        }
        return ordered;
    }

    /// <summary>Levels from the space down to <paramref name="resource"/> (a top-level page: 1).</summary>
    public int DepthOf(ResourceEntry resource) => AncestorsAndSelf(resource).Count() - 1;

    /// <summary>Levels of pages below <paramref name="page"/> (a page without children: 0).</summary>
    public int HeightBelow(ResourceEntry page)
    {
        ArgumentNullException.ThrowIfNull(page);
        var height = 0;
        var pending = new Stack<(ResourceEntry Page, int Level)>();
        pending.Push((page, 0));
        while (pending.TryPop(out var next))
        {
            height = Math.Max(height, next.Level);
            foreach (var child in Children.Of(next.Page.Id)) pending.Push((child, next.Level + 1));
        }
        return height;
    }

    /// <summary>The pages directly under <paramref name="parentId"/> by position (then creation).</summary>
    public IEnumerable<ResourceEntry> SiblingsInOrder(string parentId) =>
        Children.Of(parentId).OrderBy(c => c.Order).ThenBy(c => c.CreatedAt);

    /// <summary>The space and the pages the subject can see; a visible page under an invisible parent hangs off
    /// the space. Null when the space is missing or the subject sees nothing of it.</summary>
    public SpaceTree? TreeFor(Subject subject, string spaceId)
    {
        if (!State.Resources.TryGetValue(spaceId, out var space) || space.Kind != ResourceKind.Space) return null;
        var spaceLevel = Evaluate(subject, spaceId).Level;
        var visible = new Dictionary<string, AccessLevel>(StringComparer.Ordinal);
        var pages = new List<TreeNode>();
        foreach (var page in PagesOf(spaceId, includeTrashed: false))
        {
            var level = Evaluate(subject, page.Id).Level;
            if (level == AccessLevel.None) continue;
            visible[page.Id] = level;
            var parent = page.ParentId is { } p && visible.ContainsKey(p) ? p : spaceId;
            pages.Add(new TreeNode(page.Id, parent, page.Title, page.Order, level));
        }
        if (spaceLevel == AccessLevel.None && pages.Count == 0) return null;
        return new SpaceTree(new TreeNode(space.Id, null, space.Title, 0, spaceLevel), pages);
    }

    public IReadOnlyList<TreeNode> SpacesFor(Subject subject)
    {
        var result = new List<TreeNode>();
        foreach (var space in State.Resources.Values.Where(r => r.Kind == ResourceKind.Space).OrderBy(r => r.Title, StringComparer.CurrentCulture))
        {
            // A space the subject reaches is listed without walking its pages; otherwise a page shared inside it
            // is what makes it visible.
            var level = Evaluate(subject, space.Id).Level;
            if (level != AccessLevel.None) result.Add(new TreeNode(space.Id, null, space.Title, 0, level));
            else if (TreeFor(subject, space.Id) is { } tree) result.Add(tree.Space);
        }
        return result;
    }

    /// <summary>The standalone resources whose ids start with <paramref name="idPrefix"/> (e.g. projects) that the
    /// subject can see, oldest first.</summary>
    public IReadOnlyList<TreeNode> StandaloneFor(Subject subject, string idPrefix) =>
        State.Resources.Values
            .Where(r => r.Kind == ResourceKind.Document && r.Id.StartsWith(idPrefix, StringComparison.Ordinal))
            .Select(r => (Resource: r, Level: Evaluate(subject, r.Id).Level))
            .Where(x => x.Level != AccessLevel.None)
            .OrderBy(x => x.Resource.CreatedAt).ThenBy(x => x.Resource.Id, StringComparer.Ordinal)
            .Select(x => new TreeNode(x.Resource.Id, null, x.Resource.Title, 0, x.Level))
            .ToList();

    public UserPreview Preview(string username)
    {
        var subject = SubjectOf(username);
        var spaces = SpacesFor(subject);
        var pages = new List<PreviewPage>();
        foreach (var space in spaces)
        {
            foreach (var page in TreeFor(subject, space.Id)?.Pages ?? [])
            {
                pages.Add(new PreviewPage(page.Id, space.Id, page.Title, page.Level));
            }
        }
        var documents = State.Resources.Values
            .Where(r => r.Kind == ResourceKind.Document)
            .Select(r => (Resource: r, Level: Evaluate(subject, r.Id).Level))
            .Where(x => x.Level != AccessLevel.None)
            .OrderBy(x => x.Resource.CreatedAt)
            .Select(x => new TreeNode(x.Resource.Id, null, x.Resource.Title, 0, x.Level))
            .ToList();
        return new UserPreview(username, spaces, pages, documents);
    }
}
