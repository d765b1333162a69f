namespace Spotter.Collab.Grains.Access;

public enum UserKind
{
    Employee,
    Partner,
}

/// <summary>Company policy on sharing with partner users.</summary>
public enum ExternalSharing
{
    /// <summary>Partners keep whatever is shared with them.</summary>
    On,
    /// <summary>Only partner users of the trusted organisations keep access.</summary>
    Trusted,
    /// <summary>Partner users have no access anywhere (grants are kept but capped to none).</summary>
    Off,
}

public enum ResourceKind
{
    Space,
    Page,
    Document,
}

public enum LinkScope
{
    /// <summary>Only signed-in employees may redeem the link.</summary>
    Company,
    /// <summary>Anyone holding the link (and its password, if any).</summary>
    Anyone,
}

/// <summary>How an organisation call ended; callers map it to HTTP statuses. NotFound covers "not visible to you".</summary>
public enum OrgOutcome
{
    Ok,
    NotFound,
    Forbidden,
    Invalid,
    Conflict,
}

[GenerateSerializer, Immutable, Alias("spotter.OrgResult")]
public sealed record OrgResult(
    [property: Id(0)] OrgOutcome Outcome,
    [property: Id(1)] string? Detail = null,
    [property: Id(2)] string? Id = null)
{
    public bool IsOk => Outcome == OrgOutcome.Ok;
    public static readonly OrgResult Ok = new(OrgOutcome.Ok);
    public static readonly OrgResult NotFound = new(OrgOutcome.NotFound);
    public static OrgResult Created(string id) => new(OrgOutcome.Ok, null, id);
    public static OrgResult Forbidden(string detail) => new(OrgOutcome.Forbidden, detail);
    public static OrgResult Invalid(string detail) => new(OrgOutcome.Invalid, detail);
    public static OrgResult Conflict(string detail) => new(OrgOutcome.Conflict, detail);
}

/// <summary>An outcome plus a value (set only when <see cref="Outcome"/> is Ok).</summary>
[GenerateSerializer, Immutable, Alias("spotter.OrgAnswer`1")]
public sealed record OrgAnswer<T>(
    [property: Id(0)] OrgOutcome Outcome,
    [property: Id(1)] T? Value,
    [property: Id(2)] string? Detail = null)
{
    public bool IsOk => Outcome == OrgOutcome.Ok;
}

public static class OrgAnswer
{
    public static OrgAnswer<T> Ok<T>(T value) => new(OrgOutcome.Ok, value);
    public static OrgAnswer<T> From<T>(OrgResult failure) => new(failure.Outcome, default, failure.Detail);
}

[GenerateSerializer, Immutable, Alias("spotter.DirectoryUser")]
public sealed record DirectoryUser(
    [property: Id(0)] string Username,
    [property: Id(1)] string DisplayName,
    [property: Id(2)] UserKind Kind,
    [property: Id(3)] string? PartnerOrgId,
    [property: Id(4)] string? DepartmentId,
    [property: Id(5)] IReadOnlyList<string> GroupIds,
    [property: Id(6)] bool Deactivated,
    [property: Id(7)] bool IsAdmin);

/// <summary>A partial update of a directory user: null members stay as they are.</summary>
[GenerateSerializer, Immutable, Alias("spotter.UserChange")]
public sealed record UserChange(
    [property: Id(0)] string? DisplayName = null,
    [property: Id(1)] string? DepartmentId = null,
    [property: Id(2)] string? PartnerOrgId = null,
    [property: Id(3)] UserKind? Kind = null);

[GenerateSerializer, Immutable, Alias("spotter.DepartmentInfo")]
public sealed record DepartmentInfo([property: Id(0)] string Id, [property: Id(1)] string Name, [property: Id(2)] string? ParentId);

[GenerateSerializer, Immutable, Alias("spotter.GroupInfo")]
public sealed record GroupInfo([property: Id(0)] string Id, [property: Id(1)] string Name, [property: Id(2)] IReadOnlyList<string> Members);

[GenerateSerializer, Immutable, Alias("spotter.PartnerOrgInfo")]
public sealed record PartnerOrgInfo([property: Id(0)] string Id, [property: Id(1)] string Name);

[GenerateSerializer, Immutable, Alias("spotter.SharingPolicy")]
public sealed record SharingPolicy(
    [property: Id(0)] ExternalSharing ExternalSharing,
    [property: Id(1)] IReadOnlyList<string> TrustedPartnerOrgs);

/// <summary>A hit of the sharing picker: <paramref name="Principal"/> is what a grant would name.</summary>
[GenerateSerializer, Immutable, Alias("spotter.DirectoryHit")]
public sealed record DirectoryHit(
    [property: Id(0)] string Kind,
    [property: Id(1)] string Principal,
    [property: Id(2)] string Name);

[GenerateSerializer, Immutable, Alias("spotter.ResourceInfo")]
public sealed record ResourceInfo(
    [property: Id(0)] string Id,
    [property: Id(1)] ResourceKind Kind,
    [property: Id(2)] string Title,
    [property: Id(3)] string? ParentId,
    [property: Id(4)] string? SpaceId,
    [property: Id(5)] int Order,
    [property: Id(6)] bool Restricted,
    [property: Id(7)] bool NoExport,
    [property: Id(8)] bool Trashed,
    [property: Id(9)] string CreatedBy,
    [property: Id(10)] DateTimeOffset CreatedAt,
    [property: Id(11)] AccessLevel Level,
    // NoExport above is effective (this resource or an ancestor); this is the resource's own flag.
    [property: Id(12)] bool OwnNoExport = false,
    // Spaces: who besides editors sees history, and whether partners and link sessions do too.
    [property: Id(13)] HistoryAudience HistoryAudience = HistoryAudience.Editors,
    [property: Id(14)] bool GuestHistory = false);

[GenerateSerializer, Immutable, Alias("spotter.GrantInfo")]
public sealed record GrantInfo([property: Id(0)] string Id, [property: Id(1)] string Principal, [property: Id(2)] AccessLevel Level);

/// <summary>A grant as listed for managers: with the principal's display name.</summary>
[GenerateSerializer, Immutable, Alias("spotter.GrantView")]
public sealed record GrantView(
    [property: Id(0)] string Id,
    [property: Id(1)] string Principal,
    [property: Id(2)] string DisplayName,
    [property: Id(3)] AccessLevel Level);

[GenerateSerializer, Immutable, Alias("spotter.ShareLinkInfo")]
public sealed record ShareLinkInfo(
    [property: Id(0)] string Id,
    [property: Id(1)] string ResourceId,
    [property: Id(2)] LinkScope Scope,
    [property: Id(3)] AccessLevel Role,
    [property: Id(4)] bool HasPassword,
    [property: Id(5)] DateTimeOffset? ExpiresAt,
    [property: Id(6)] bool Revoked,
    [property: Id(7)] string CreatedBy,
    [property: Id(8)] DateTimeOffset CreatedAt);

/// <summary>A new link; <see cref="Token"/> is returned exactly once (only its hash is kept).</summary>
[GenerateSerializer, Immutable, Alias("spotter.CreatedLink")]
public sealed record CreatedLink([property: Id(0)] ShareLinkInfo Link, [property: Id(1)] string Token);

[GenerateSerializer, Immutable, Alias("spotter.LinkRedemption")]
public sealed record LinkRedemption([property: Id(0)] string LinkId, [property: Id(1)] string ResourceId, [property: Id(2)] AccessLevel Role);

/// <summary>A principal's access to one resource. Exists=false and Level=None must look the same to outsiders.</summary>
[GenerateSerializer, Immutable, Alias("spotter.AccessDecision")]
public sealed record AccessDecision(
    [property: Id(0)] AccessLevel Level,
    [property: Id(1)] bool NoExport,
    [property: Id(2)] bool Exists)
{
    public static readonly AccessDecision Missing = new(AccessLevel.None, false, false);
}

/// <summary>What a document grain needs to describe itself to a caller who may see it. <see cref="UserGrants"/>
/// (direct user grants, i.e. staff names) is empty unless the caller is an active employee. <see cref="History"/>:
/// whether the caller may see version history and resolved comment threads; <see cref="PublicId"/>: the caller's
/// opaque id (what others see of them in awareness, versions and comments).</summary>
[GenerateSerializer, Immutable, Alias("spotter.DocumentAccess")]
public sealed record DocumentAccess(
    [property: Id(0)] AccessLevel Level,
    [property: Id(1)] bool NoExport,
    [property: Id(2)] string Title,
    [property: Id(3)] ResourceKind Kind,
    [property: Id(4)] string? SpaceId,
    [property: Id(5)] IReadOnlyDictionary<string, AccessLevel> UserGrants,
    [property: Id(6)] bool History = false,
    [property: Id(7)] string PublicId = "");

/// <summary>Who besides editors may see a space's version history and resolved comment threads.</summary>
public enum HistoryAudience
{
    /// <summary>Only those who may edit (the default).</summary>
    Editors,
    Commenters,
    Viewers,
}

/// <summary>A person as anyone may see them: an opaque stable id (an HMAC of the principal, see PublicIds) and a display name;
/// <see cref="Username"/> only for viewers who may search the directory (active employees).</summary>
[GenerateSerializer, Immutable, Alias("spotter.PersonView")]
public sealed record PersonView(
    [property: Id(0)] string Id,
    [property: Id(1)] string DisplayName,
    [property: Id(2)] string? Username);

/// <summary>One principal whose read access a move or a restriction would change. <see cref="Kind"/>: employee,
/// partner or link (a share link's sessions); <see cref="Principal"/> only for employee actors.</summary>
[GenerateSerializer, Immutable, Alias("spotter.AccessChangeEntry")]
public sealed record AccessChangeEntry(
    [property: Id(0)] string Kind,
    [property: Id(1)] string DisplayName,
    [property: Id(2)] string? Principal,
    [property: Id(3)] string? PartnerOrganization,
    [property: Id(4)] int Pages);

/// <summary>Who would gain and who would lose read access to the page or any page below it. Actors who are not
/// employees get employees only as counts (<see cref="HiddenGains"/>, <see cref="HiddenLosses"/>).</summary>
[GenerateSerializer, Immutable, Alias("spotter.AccessChange")]
public sealed record AccessChange(
    [property: Id(0)] IReadOnlyList<AccessChangeEntry> Gains,
    [property: Id(1)] IReadOnlyList<AccessChangeEntry> Losses,
    [property: Id(2)] int HiddenGains = 0,
    [property: Id(3)] int HiddenLosses = 0)
{
    public bool IsEmpty => Gains.Count == 0 && Losses.Count == 0 && HiddenGains == 0 && HiddenLosses == 0;
}

/// <summary>Where an effective level comes from.</summary>
[GenerateSerializer, Immutable, Alias("spotter.GrantSource")]
public sealed record GrantSource(
    [property: Id(0)] string ResourceId,
    [property: Id(1)] string ResourceTitle,
    [property: Id(2)] string GrantId,
    [property: Id(3)] string Principal,
    [property: Id(4)] bool Inherited);

/// <summary>One line of "who has access and why". Source is null when <see cref="Administrator"/> is set.</summary>
[GenerateSerializer, Immutable, Alias("spotter.AccessExplanation")]
public sealed record AccessExplanation(
    [property: Id(0)] string Principal,
    [property: Id(1)] string DisplayName,
    [property: Id(2)] AccessLevel Level,
    [property: Id(3)] GrantSource? Source,
    [property: Id(4)] bool Administrator);

[GenerateSerializer, Immutable, Alias("spotter.TreeNode")]
public sealed record TreeNode(
    [property: Id(0)] string Id,
    [property: Id(1)] string? ParentId,
    [property: Id(2)] string Title,
    [property: Id(3)] int Order,
    [property: Id(4)] AccessLevel Level);

[GenerateSerializer, Immutable, Alias("spotter.SpaceTree")]
public sealed record SpaceTree([property: Id(0)] TreeNode Space, [property: Id(1)] IReadOnlyList<TreeNode> Pages);

/// <summary>What a user can list and open: spaces, pages (with their space) and standalone documents.</summary>
[GenerateSerializer, Immutable, Alias("spotter.UserPreview")]
public sealed record UserPreview(
    [property: Id(0)] string Username,
    [property: Id(1)] IReadOnlyList<TreeNode> Spaces,
    [property: Id(2)] IReadOnlyList<PreviewPage> Pages,
    [property: Id(3)] IReadOnlyList<TreeNode> Documents);

[GenerateSerializer, Immutable, Alias("spotter.PreviewPage")]
public sealed record PreviewPage(
    [property: Id(0)] string Id,
    [property: Id(1)] string SpaceId,
    [property: Id(2)] string Title,
    [property: Id(3)] AccessLevel Level);

/// <summary>Principal strings: a username, or <c>link:&lt;linkId&gt;</c> for a link session.</summary>
public static class Principals
{
    public const string LinkPrefix = "link:";
    public const string UserPrefix = "user:";
    public const string GroupPrefix = "group:";
    public const string DepartmentPrefix = "department:";
    public const string PartnerPrefix = "partner:";
    public const string Company = "company";

    public static bool IsLink(string principal) => principal.StartsWith(LinkPrefix, StringComparison.Ordinal);

    public static string Link(string linkId) => LinkPrefix + linkId;

    public static string User(string username) => UserPrefix + username;
}
