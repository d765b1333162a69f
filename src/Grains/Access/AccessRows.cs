using Spotter.Collab.Grains.Users;

namespace Spotter.Collab.Grains.Access;

/// <summary>
/// The access model as rows: stores keep one row per user, department, group (its members as rows of their own),
/// partner organisation, resource (its grants as rows of their own) and share link, plus the policy and the key of
/// the opaque person ids. A change writes only the rows it touched.
/// </summary>
public interface IAccessStore
{
    /// <summary>The stored model, or null when the access model was never stored as rows (a new installation, or
    /// one whose model is still the blob of older versions).</summary>
    Task<OrganizationState?> LoadAsync(CancellationToken cancellationToken = default);

    /// <summary>Upserts and deletes the rows of <paramref name="changes"/> in one transaction.</summary>
    Task SaveAsync(AccessRowChanges changes, CancellationToken cancellationToken = default);
}

/// <summary>Keys of the rows a mutation touched; whether each still exists decides between upsert and delete.</summary>
public sealed class AccessRowKeys
{
    public HashSet<string> Users { get; } = new(StringComparer.Ordinal);
    public HashSet<string> Departments { get; } = new(StringComparer.Ordinal);
    /// <summary>A touched group is written with all its member rows.</summary>
    public HashSet<string> Groups { get; } = new(StringComparer.Ordinal);
    public HashSet<string> Partners { get; } = new(StringComparer.Ordinal);
    /// <summary>A touched resource is written with all its grant rows.</summary>
    public HashSet<string> Resources { get; } = new(StringComparer.Ordinal);
    public HashSet<string> Links { get; } = new(StringComparer.Ordinal);
    public bool Policy { get; set; }
    public bool PublicIdKey { get; set; }

    public bool IsEmpty => Users.Count == 0 && Departments.Count == 0 && Groups.Count == 0 && Partners.Count == 0
        && Resources.Count == 0 && Links.Count == 0 && !Policy && !PublicIdKey;

    /// <summary>Adds the keys of <paramref name="other"/> (changes waiting for one write).</summary>
    public void UnionWith(AccessRowKeys other)
    {
        ArgumentNullException.ThrowIfNull(other);
        Users.UnionWith(other.Users);
        Departments.UnionWith(other.Departments);
        Groups.UnionWith(other.Groups);
        Partners.UnionWith(other.Partners);
        Resources.UnionWith(other.Resources);
        Links.UnionWith(other.Links);
        Policy |= other.Policy;
        PublicIdKey |= other.PublicIdKey;
    }
}

/// <summary>
/// The rows to write for one change, copied out of the model on the grain's turn (the store writes them on its own
/// thread while the grain goes on): entries to upsert, keys to delete. The same rows keep the per-silo replicas of
/// the model current (<see cref="AccessReaderGrain"/>).
/// </summary>
[GenerateSerializer, Alias("spotter.AccessRowChanges")]
public sealed class AccessRowChanges
{
    [Id(0)] public List<UserEntry> Users { get; init; } = [];
    [Id(1)] public List<string> DeletedUsers { get; init; } = [];
    [Id(2)] public List<DepartmentEntry> Departments { get; init; } = [];
    [Id(3)] public List<string> DeletedDepartments { get; init; } = [];
    [Id(4)] public List<GroupEntry> Groups { get; init; } = [];
    [Id(5)] public List<string> DeletedGroups { get; init; } = [];
    [Id(6)] public List<PartnerEntry> Partners { get; init; } = [];
    [Id(7)] public List<string> DeletedPartners { get; init; } = [];
    [Id(8)] public List<ResourceEntry> Resources { get; init; } = [];
    [Id(9)] public List<string> DeletedResources { get; init; } = [];
    [Id(10)] public List<LinkEntry> Links { get; init; } = [];
    [Id(11)] public List<string> DeletedLinks { get; init; } = [];
    /// <summary>Set when the policy changed: external sharing and the trusted partner organisations.</summary>
    [Id(12)] public SharingPolicy? Policy { get; set; }
    [Id(13)] public byte[]? PublicIdKey { get; set; }

    public bool IsEmpty => Users.Count == 0 && DeletedUsers.Count == 0 && Departments.Count == 0 && DeletedDepartments.Count == 0
        && Groups.Count == 0 && DeletedGroups.Count == 0 && Partners.Count == 0 && DeletedPartners.Count == 0
        && Resources.Count == 0 && DeletedResources.Count == 0 && Links.Count == 0 && DeletedLinks.Count == 0
        && Policy is null && PublicIdKey is null;

    /// <summary>Total rows written (entries and their member or grant rows, deletions, policy and key).</summary>
    public int RowCount => Users.Count + DeletedUsers.Count + Departments.Count + DeletedDepartments.Count
        + Groups.Sum(g => 1 + g.Members.Count) + DeletedGroups.Count + Partners.Count + DeletedPartners.Count
        + Resources.Sum(r => 1 + r.Grants.Count) + DeletedResources.Count + Links.Count + DeletedLinks.Count
        + (Policy is null ? 0 : 1) + (PublicIdKey is null ? 0 : 1);

    /// <summary>The rows of <paramref name="keys"/> as they are now in <paramref name="state"/>.</summary>
    public static AccessRowChanges Of(OrganizationState state, AccessRowKeys keys)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(keys);
        var changes = new AccessRowChanges();
        Collect(keys.Users, state.Users, Copy, changes.Users, changes.DeletedUsers);
        Collect(keys.Departments, state.Departments, Copy, changes.Departments, changes.DeletedDepartments);
        Collect(keys.Groups, state.Groups, Copy, changes.Groups, changes.DeletedGroups);
        Collect(keys.Partners, state.Partners, Copy, changes.Partners, changes.DeletedPartners);
        Collect(keys.Resources, state.Resources, Copy, changes.Resources, changes.DeletedResources);
        Collect(keys.Links, state.Links, Copy, changes.Links, changes.DeletedLinks);
        if (keys.Policy) changes.Policy = new SharingPolicy(state.ExternalSharing, state.TrustedPartnerOrgs.ToList());
        if (keys.PublicIdKey && state.PublicIdKey is { } key) changes.PublicIdKey = key.ToArray();
        return changes;
    }

    /// <summary>Every row of <paramref name="state"/>: the first store of a model (new, or imported from the blob).</summary>
    public static AccessRowChanges All(OrganizationState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        var keys = new AccessRowKeys { Policy = true, PublicIdKey = true };
        keys.Users.UnionWith(state.Users.Keys);
        keys.Departments.UnionWith(state.Departments.Keys);
        keys.Groups.UnionWith(state.Groups.Keys);
        keys.Partners.UnionWith(state.Partners.Keys);
        keys.Resources.UnionWith(state.Resources.Keys);
        keys.Links.UnionWith(state.Links.Keys);
        return Of(state, keys);
    }

    private static void Collect<T>(HashSet<string> keys, Dictionary<string, T> rows, Func<T, T> copy, List<T> upserts, List<string> deletes)
    {
        foreach (var key in keys)
        {
            if (rows.TryGetValue(key, out var row)) upserts.Add(copy(row));
            else deletes.Add(key);
        }
    }

    private static UserEntry Copy(UserEntry u) => new()
    {
        Username = u.Username, DisplayName = u.DisplayName, Kind = u.Kind, PartnerOrgId = u.PartnerOrgId,
        DepartmentId = u.DepartmentId, Deactivated = u.Deactivated, IsAdmin = u.IsAdmin,
    };

    private static DepartmentEntry Copy(DepartmentEntry d) => new() { Id = d.Id, Name = d.Name, ParentId = d.ParentId };

    private static GroupEntry Copy(GroupEntry g) => new() { Id = g.Id, Name = g.Name, Members = new HashSet<string>(g.Members, StringComparer.Ordinal) };

    private static PartnerEntry Copy(PartnerEntry p) => new() { Id = p.Id, Name = p.Name };

    private static ResourceEntry Copy(ResourceEntry r) => new()
    {
        Id = r.Id, Kind = r.Kind, Title = r.Title, ParentId = r.ParentId, Order = r.Order, Restricted = r.Restricted,
        NoExport = r.NoExport, Trashed = r.Trashed, CreatedBy = r.CreatedBy, CreatedAt = r.CreatedAt,
        HistoryAudience = r.HistoryAudience, GuestHistory = r.GuestHistory,
        Grants = r.Grants.Select(g => new GrantEntry { Id = g.Id, Principal = g.Principal, Level = g.Level }).ToList(),
    };

    private static LinkEntry Copy(LinkEntry l) => new()
    {
        Id = l.Id, ResourceId = l.ResourceId, Scope = l.Scope, Role = l.Role, TokenHash = l.TokenHash,
        Password = l.Password is { } p ? new PasswordHash(p.Salt.ToArray(), p.Iterations, p.Hash.ToArray()) : null,
        ExpiresAt = l.ExpiresAt, Revoked = l.Revoked, CreatedBy = l.CreatedBy, CreatedAt = l.CreatedAt,
    };
}
