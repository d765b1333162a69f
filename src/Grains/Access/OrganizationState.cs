using Spotter.Collab.Grains.Users;

namespace Spotter.Collab.Grains.Access;

/// <summary>The persisted access model: plain data, all logic lives in <see cref="Organization"/>.</summary>
[GenerateSerializer, Alias("spotter.OrganizationState")]
public sealed class OrganizationState
{
    [Id(0)] public Dictionary<string, UserEntry> Users { get; set; } = new(StringComparer.Ordinal);
    [Id(1)] public Dictionary<string, DepartmentEntry> Departments { get; set; } = new(StringComparer.Ordinal);
    [Id(2)] public Dictionary<string, GroupEntry> Groups { get; set; } = new(StringComparer.Ordinal);
    [Id(3)] public Dictionary<string, PartnerEntry> Partners { get; set; } = new(StringComparer.Ordinal);
    [Id(4)] public ExternalSharing ExternalSharing { get; set; } = ExternalSharing.On;
    [Id(5)] public List<string> TrustedPartnerOrgs { get; set; } = [];
    [Id(6)] public Dictionary<string, ResourceEntry> Resources { get; set; } = new(StringComparer.Ordinal);
    [Id(7)] public Dictionary<string, LinkEntry> Links { get; set; } = new(StringComparer.Ordinal);
    /// <summary>The secret of the opaque person ids (<see cref="PublicIds"/>); made once, never shown.</summary>
    [Id(8)] public byte[]? PublicIdKey { get; set; }
}

[GenerateSerializer, Alias("spotter.OrgUserEntry")]
public sealed class UserEntry
{
    [Id(0)] public string Username { get; set; } = "";
    [Id(1)] public string DisplayName { get; set; } = "";
    [Id(2)] public UserKind Kind { get; set; }
    [Id(3)] public string? PartnerOrgId { get; set; }
    [Id(4)] public string? DepartmentId { get; set; }
    [Id(5)] public bool Deactivated { get; set; }
    [Id(6)] public bool IsAdmin { get; set; }
}

[GenerateSerializer, Alias("spotter.OrgDepartmentEntry")]
public sealed class DepartmentEntry
{
    [Id(0)] public string Id { get; set; } = "";
    [Id(1)] public string Name { get; set; } = "";
    [Id(2)] public string? ParentId { get; set; }
}

[GenerateSerializer, Alias("spotter.OrgGroupEntry")]
public sealed class GroupEntry
{
    [Id(0)] public string Id { get; set; } = "";
    [Id(1)] public string Name { get; set; } = "";
    [Id(2)] public HashSet<string> Members { get; set; } = new(StringComparer.Ordinal);
}

[GenerateSerializer, Alias("spotter.OrgPartnerEntry")]
public sealed class PartnerEntry
{
    [Id(0)] public string Id { get; set; } = "";
    [Id(1)] public string Name { get; set; } = "";
}

[GenerateSerializer, Alias("spotter.OrgResourceEntry")]
public sealed class ResourceEntry
{
    [Id(0)] public string Id { get; set; } = "";
    [Id(1)] public ResourceKind Kind { get; set; }
    [Id(2)] public string Title { get; set; } = "";
    /// <summary>Pages: their space or parent page. Spaces and standalone documents: null.</summary>
    [Id(3)] public string? ParentId { get; set; }
    /// <summary>Position among siblings (0, 1, 2, ... renumbered on every insert or move).</summary>
    [Id(4)] public int Order { get; set; }
    [Id(5)] public bool Restricted { get; set; }
    [Id(6)] public bool NoExport { get; set; }
    [Id(7)] public bool Trashed { get; set; }
    [Id(8)] public string CreatedBy { get; set; } = "";
    [Id(9)] public DateTimeOffset CreatedAt { get; set; }
    [Id(10)] public List<GrantEntry> Grants { get; set; } = [];
    /// <summary>Spaces: who besides editors may see version history and resolved comment threads.</summary>
    [Id(11)] public HistoryAudience HistoryAudience { get; set; }
    /// <summary>Spaces: whether partners and link sessions count in <see cref="HistoryAudience"/> (never by default).</summary>
    [Id(12)] public bool GuestHistory { get; set; }
}

[GenerateSerializer, Alias("spotter.OrgGrantEntry")]
public sealed class GrantEntry
{
    [Id(0)] public string Id { get; set; } = "";
    [Id(1)] public string Principal { get; set; } = "";
    [Id(2)] public AccessLevel Level { get; set; }
}

[GenerateSerializer, Alias("spotter.OrgLinkEntry")]
public sealed class LinkEntry
{
    [Id(0)] public string Id { get; set; } = "";
    [Id(1)] public string ResourceId { get; set; } = "";
    [Id(2)] public LinkScope Scope { get; set; }
    [Id(3)] public AccessLevel Role { get; set; }
    /// <summary>SHA-256 of the token, hex; the token itself is never stored.</summary>
    [Id(4)] public string TokenHash { get; set; } = "";
    [Id(5)] public PasswordHash? Password { get; set; }
    [Id(6)] public DateTimeOffset? ExpiresAt { get; set; }
    [Id(7)] public bool Revoked { get; set; }
    [Id(8)] public string CreatedBy { get; set; } = "";
    [Id(9)] public DateTimeOffset CreatedAt { get; set; }
}
