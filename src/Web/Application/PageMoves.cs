using Spotter.Collab.Grains.Access;

namespace Spotter.Collab.WebHost.Application;

/// <summary>The outcome of a move and, when it happened, who gained or lost read access by it.</summary>
public sealed record MoveResult(OrgResult Outcome, AccessChange? Change);

/// <summary>Moving a page in its space's tree (access is inherited through the tree, so a move can change who reads it).</summary>
public sealed class PageMoves(IGrainFactory grains)
{
    /// <summary>Who would gain or lose read access by the move (the client asks before moving and has it confirmed).</summary>
    public Task<OrgAnswer<AccessChange>> PreviewAsync(string principal, string id, string parentId) =>
        Organization.PreviewMove(principal, id, parentId);

    /// <summary>Moves the page under <paramref name="parentId"/> (the space id for the top level) at
    /// <paramref name="index"/> among its new siblings; the access change is worked out before the move.</summary>
    public async Task<MoveResult> MoveAsync(string principal, string id, string parentId, int? index)
    {
        var change = await Organization.PreviewMove(principal, id, parentId);
        var result = await Organization.MovePage(principal, id, parentId, index);
        return new MoveResult(result, result.IsOk ? change.Value : null);
    }

    private IOrganizationGrain Organization => grains.GetGrain<IOrganizationGrain>(IOrganizationGrain.Key);
}
