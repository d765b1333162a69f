namespace Spotter.Collab.WebHost.Hubs;

/// <summary>Server → client messages of the collaboration hub (see docs/protocol.md).</summary>
public interface ICollabClient
{
    /// <summary>A y-websocket frame for <paramref name="docId"/>.</summary>
    Task Receive(string docId, byte[] frame);

    /// <summary>A frame of this client was refused: read-only, malformed, too-large or rate-limited.</summary>
    Task Rejected(string docId, string code, string detail);

    /// <summary>Access to the document was withdrawn; nothing more is sent for it.</summary>
    Task Revoked(string docId, string reason);

    /// <summary>The caller's role on an open document changed (owner|editor|commenter|viewer); writes are checked
    /// against the new role from now on.</summary>
    Task RoleChanged(string docId, string role);

    /// <summary>The tree (or access within it) of a watched space changed: fetch the tree again.</summary>
    Task TreeChanged(string spaceId);

    /// <summary>The document's comment threads changed: fetch <c>GET /api/docs/{docId}/comments</c> again.</summary>
    Task CommentsChanged(string docId);
}
