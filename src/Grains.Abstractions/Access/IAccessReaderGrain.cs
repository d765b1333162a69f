using Orleans.Concurrency;

namespace Spotter.Collab.Grains.Access;

/// <summary>
/// Access decisions answered on the silo that asks: one activation per silo (key <see cref="Key"/>) holding a copy
/// of the organisation's model, kept current by the organisation grain's changes. A change is in every copy before
/// the call that made it returns, so the next decision on any silo sees it. Same answers as the
/// <see cref="IOrganizationGrain"/> methods of the same names.
/// Live enforcement: document grains register the principals with connections open (<see cref="OpenDocument"/>) with
/// the copy on their own silo, which pushes new roles to them (<see cref="IDocumentGrain.ApplyRoles"/>) when a change
/// alters one, before the change's call returns.
/// </summary>
[Alias("spotter.IAccessReaderGrain")]
public interface IAccessReaderGrain : IGrainWithIntegerKey
{
    public const long Key = 0;

    [Alias("Resolve")]
    Task<AccessDecision> Resolve(string resourceId, string principal);

    /// <summary>The ids the principal may read (at least view), in input order.</summary>
    [Alias("FilterReadable")]
    Task<IReadOnlyList<string>> FilterReadable(string principal, IReadOnlyList<string> resourceIds);

    /// <summary>Null when the principal cannot see the resource (or it is missing).</summary>
    [Alias("DescribeDocument")]
    Task<DocumentAccess?> DescribeDocument(string resourceId, string principal);

    /// <summary>Null when the principal cannot see the resource (or it is missing).</summary>
    [Alias("GetResource")]
    Task<ResourceInfo?> GetResource(string resourceId, string principal);

    [Alias("GetTree")]
    Task<SpaceTree?> GetTree(string principal, string spaceId);

    /// <summary>The standalone resources (documents, projects…) whose ids start with <paramref name="idPrefix"/> that
    /// the principal can see, with the principal's level, oldest first.</summary>
    [Alias("ListStandalone")]
    Task<IReadOnlyList<TreeNode>> ListStandalone(string principal, string idPrefix);

    /// <summary>Opaque ids and display names of principals (usernames or <c>link:&lt;id&gt;</c>), in input order;
    /// usernames only when <paramref name="viewer"/> is an active employee.</summary>
    [Alias("DescribePeople")]
    Task<IReadOnlyList<PersonView>> DescribePeople(string? viewer, IReadOnlyList<string> principals);

    // ---- live enforcement: which (document, principal) pairs have connections open on this silo ----

    /// <summary>Records the pair as open with this silo's copy and returns the principal's current access.</summary>
    [Alias("OpenDocument")]
    Task<AccessDecision> OpenDocument(string documentId, string principal);

    /// <summary>Re-registers the document's open principals (this copy may be a new activation that never heard of
    /// them) and returns their current levels, so a document can catch up on anything it missed. A pair not
    /// refreshed within <c>AccessReaderGrain.OpenPairExpiry</c> is forgotten.</summary>
    [Alias("RefreshOpen")]
    Task<IReadOnlyDictionary<string, AccessLevel>> RefreshOpen(string documentId, IReadOnlyList<string> principals);

    /// <summary>The principals no longer have connections open on the document (or it is going away).</summary>
    [Alias("CloseDocument"), OneWay]
    Task CloseDocument(string documentId, IReadOnlyList<string> principals);

    /// <summary>The version of the organisation's model this copy holds (changes applied since the organisation
    /// grain activated); for tests and diagnostics.</summary>
    [Alias("GetVersion")]
    Task<long> GetVersion();
}
