namespace Spotter.Collab.WebHost.Hubs;

/// <summary>
/// Sends server notices (<c>Notice(resourceId, kind, payload)</c>), the one event for "something about this resource
/// changed" of every resource kind. Two kinds also go out under the names clients used before <c>Notice</c> existed
/// (<c>TreeChanged</c>, <c>CommentsChanged</c>), so those clients keep working.
/// </summary>
public static class Notices
{
    /// <summary>The page tree or access within a watched space changed (resource id: the space).</summary>
    public const string Tree = "tree";

    /// <summary>The comment threads of an open page changed.</summary>
    public const string Comments = "comments";

    public static async Task SendAsync(ICollabClient clients, string resourceId, string kind, string payload)
    {
        ArgumentNullException.ThrowIfNull(clients);
        await clients.Notice(resourceId, kind, payload);
        switch (kind)
        {
            case Tree: await clients.TreeChanged(resourceId); break;
            case Comments: await clients.CommentsChanged(resourceId); break;
        }
    }
}
