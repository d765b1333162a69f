using Orleans.Concurrency;

namespace Spotter.Collab.Grains.Access;

/// <summary>
/// Access decisions answered on the silo that asks: one activation per silo (key <see cref="Key"/>) holding a copy
/// of the organisation's model, kept current by the organisation grain's changes. A change is in every copy before
/// the call that made it returns, so the next decision on any silo sees it. Same answers as the
/// <see cref="IOrganizationGrain"/> methods of the same names.
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

    /// <summary>The version of the organisation's model this copy holds (changes applied since the organisation
    /// grain activated); for tests and diagnostics.</summary>
    [Alias("GetVersion")]
    Task<long> GetVersion();
}
