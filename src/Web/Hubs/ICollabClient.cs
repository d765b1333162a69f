namespace Spotter.Collab.WebHost.Hubs;

/// <summary>Server → client messages of the collaboration hub (see docs/protocol.md).</summary>
public interface ICollabClient
{
    /// <summary>A y-websocket frame for <paramref name="docId"/>.</summary>
    Task Receive(string docId, byte[] frame);

    /// <summary>A frame of this client was refused: read-only, malformed, too-large, rate-limited, or a code of the
    /// resource's kind (e.g. server-owned).</summary>
    Task Rejected(string docId, string code, string detail);

    /// <summary>Access to the document was withdrawn; nothing more is sent for it.</summary>
    Task Revoked(string docId, string reason);

    /// <summary>The caller's role on an open document changed (owner|editor|commenter|viewer); writes are checked
    /// against the new role from now on.</summary>
    Task RoleChanged(string docId, string role);

    /// <summary>Something about an open resource or a watched space changed; <paramref name="kind"/> says what
    /// (<c>comments</c>, <c>tree</c>, or a kind of another resource kind), <paramref name="payload"/> is kind-specific
    /// (often empty). See docs/protocol.md, "Notices".</summary>
    Task Notice(string resourceId, string kind, string payload);

    /// <summary>The same as <c>Notice(spaceId, "tree", "")</c>, for clients written before <see cref="Notice"/>.</summary>
    Task TreeChanged(string spaceId);

    /// <summary>The same as <c>Notice(docId, "comments", "")</c>, for clients written before <see cref="Notice"/>.</summary>
    Task CommentsChanged(string docId);

    /// <summary>The caller's inbox changed: <paramref name="id"/>, <paramref name="kind"/> and
    /// <paramref name="resourceId"/> name a new notification (all empty when only read marks changed);
    /// <paramref name="unread"/> is the unread count now. See docs/notifications.md.</summary>
    Task Notification(string id, string kind, string resourceId, int unread);
}
