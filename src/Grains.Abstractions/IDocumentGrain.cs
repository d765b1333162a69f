using Orleans.Concurrency;
using Spotter.Collab.Grains.Access;

namespace Spotter.Collab.Grains;

/// <summary>
/// One activation per live resource id (a wiki page, a standalone document, or any other registered resource kind):
/// holds the CRDT document and the awareness states of everyone connected, checks the caller's role on every frame
/// and fans accepted changes out to subscribed web hosts. The resource's kind follows from its id (on the silo, a
/// kind registry); kind-specific behaviour runs in the kind's extension, never in the callers. Access comes from the
/// silo's copy of the organisation's model (<see cref="IAccessReaderGrain"/>); the roles of principals with open
/// connections are cached here, registered with that copy and pushed by it when they change (<see cref="ApplyRoles"/>).
/// Callers pass the authenticated principal (a username or <c>link:&lt;id&gt;</c>); the grain trusts it.
/// </summary>
[Alias("spotter.IDocumentGrain")]
public interface IDocumentGrain : IGrainWithStringKey
{
    /// <summary>Creates the document with <paramref name="owner"/> as its owner (a standalone document resource with a
    /// manage grant, unless the organisation already knows the id, e.g. as a page). False if it already exists.</summary>
    [Alias("Create")]
    Task<bool> Create(string owner, string title);

    /// <summary>Title, caller's role/level, export flag and direct user grants; null if the document is missing or not
    /// visible to the caller. The per-document access façade for other features.</summary>
    [Alias("Describe")]
    Task<DocumentInfo?> Describe(string username);

    /// <summary>Role plus the server's sync step 1 frame, or a null role (missing and not shared look the same).</summary>
    [Alias("Join")]
    Task<JoinResult> Join(string username, string connectionId);

    /// <summary>Handles one y-websocket frame (sync, awareness, query-awareness) from a joined connection.
    /// Completes once any update in it is durable. The frame is not copied on the way (neither side changes it).</summary>
    [Alias("Receive")]
    Task<FrameResult> Receive(string username, string connectionId, [Immutable] byte[] frame);

    /// <summary>The connection left or dropped: its awareness states are removed for everyone.</summary>
    [Alias("Leave")]
    Task Leave(string connectionId);

    /// <summary>Applies a V1 update sent over HTTP (editor role needed), durable and broadcast like any other.</summary>
    [Alias("ApplyUpdate")]
    Task<FrameResult> ApplyUpdate(string username, byte[] update);

    /// <summary>New roles of principals with connections open (null: no access any more), pushed by the access copy
    /// they are registered with: the per-frame check changes at once and hosts are told.</summary>
    [Alias("ApplyRoles"), OneWay]
    Task ApplyRoles(IReadOnlyDictionary<string, DocumentRole?> roles);

    /// <summary>Legacy member API: a direct user grant on the document resource.</summary>
    [Alias("SetMember")]
    Task<MembershipResult> SetMember(string actor, string username, DocumentRole role);

    [Alias("RemoveMember")]
    Task<MembershipResult> RemoveMember(string actor, string username);

    /// <summary>JSON value of a root type (Text/XmlFragment as a string, Map/Array as JSON).</summary>
    [Alias("ReadRoot")]
    Task<RootReadResult> ReadRoot(string username, string name, RootKind kind);

    /// <summary>Subscribes a web host's observer (refresh before the expiry). Returns the activation epoch: when it
    /// changes the grain was reactivated and lost its subscriptions.</summary>
    [Alias("Subscribe")]
    Task<Guid> Subscribe(IDocumentObserver observer);

    [Alias("Unsubscribe")]
    Task Unsubscribe(IDocumentObserver observer);

    /// <summary>The whole document as one V1 update. Hosts send it to their connections after a reactivation,
    /// because broadcasts issued before they re-subscribed never reached them.</summary>
    [Alias("EncodeState")]
    Task<byte[]> EncodeState();

    /// <summary>The frames that bring a host's connections up to this activation after a reactivation or a lost
    /// link: the whole state as a sync update (when there is any), then a sync step 1 that asks every client for
    /// what it has and the activation lacks.</summary>
    [Alias("CatchUp")]
    Task<IReadOnlyList<byte[]>> CatchUp();

    /// <summary>Tells every host with the resource open to send <c>Notice(resourceId, kind, payload)</c> to its
    /// connections (e.g. the page's comments changed). For server code only; clients never reach it.</summary>
    [Alias("Notify")]
    Task Notify(string kind, string payload);

    /// <summary>A kind-specific operation that needs the live content and the serial apply path (e.g. replacing a
    /// page's content on import). Handled by the resource kind's extension; a kind that does not know the command
    /// answers <see cref="RejectCodes.Unsupported"/>.</summary>
    [Alias("Execute")]
    Task<FrameResult> Execute(string principal, ResourceCommand command);
}

/// <summary>Base of the operations a resource kind's extension handles through <see cref="IDocumentGrain.Execute"/>;
/// each kind declares its own (serializable) commands.</summary>
[GenerateSerializer, Immutable, Alias("spotter.ResourceCommand")]
public abstract record ResourceCommand;

/// <summary>One observer per web host per open document.</summary>
[Alias("spotter.IDocumentObserver")]
public interface IDocumentObserver : IGrainObserver
{
    /// <summary>Frames accepted during one tick; each is sent to every local connection except its origin.</summary>
    [Alias("OnBroadcast"), OneWay]
    Task OnBroadcast(DocumentBroadcast broadcast);

    /// <summary>A member's role changed (null: removed). The host rejects, demotes or revokes live connections.</summary>
    [Alias("OnAccessChanged"), OneWay]
    Task OnAccessChanged(string documentId, string username, DocumentRole? role);

    /// <summary>A notice about the resource (its kind says what changed, e.g. <c>comments</c>); hosts send it to
    /// every connection that has the resource open (<c>Notice</c>).</summary>
    [Alias("OnNotice"), OneWay]
    Task OnNotice(string resourceId, string kind, string payload);

    /// <summary>The activation <paramref name="epoch"/> is going away (silo shutdown, failed append, idle
    /// collection) and has forgotten its observers: re-subscribe now, which activates the document elsewhere, instead
    /// of waiting for the refresh timer.</summary>
    [Alias("OnDeactivated"), OneWay]
    Task OnDeactivated(string documentId, Guid epoch);
}

/// <summary>A document as its caller may see it; <see cref="Members"/> (direct user grants) is empty for
/// partners and link sessions, who must not learn staff usernames. <see cref="History"/>: the caller may see version
/// history and resolved comment threads; <see cref="PublicId"/>: the caller's opaque id.</summary>
[GenerateSerializer, Immutable, Alias("spotter.DocumentInfo")]
public sealed record DocumentInfo(
    [property: Id(0)] string Id,
    [property: Id(1)] string Title,
    [property: Id(2)] DocumentRole Role,
    [property: Id(3)] IReadOnlyDictionary<string, DocumentRole> Members,
    [property: Id(4)] AccessLevel Level = AccessLevel.View,
    [property: Id(5)] bool NoExport = false,
    [property: Id(6)] ResourceKind Kind = ResourceKind.Document,
    [property: Id(7)] string? SpaceId = null,
    [property: Id(8)] bool History = false,
    [property: Id(9)] string PublicId = "")
{
    /// <summary>The caller's view of a live resource from its access decision; null when the caller has no role in
    /// it or it is not a live resource (a space).</summary>
    public static DocumentInfo? Of(string id, DocumentAccess? access)
    {
        if (access is null || access.Kind == ResourceKind.Space || access.Level.ToRole() is not { } role) return null;
        var members = access.UserGrants.Where(g => g.Value != AccessLevel.None)
            .ToDictionary(g => g.Key, g => g.Value.ToRole()!.Value, StringComparer.Ordinal);
        return new DocumentInfo(id, access.Title, role, members, access.Level, access.NoExport, access.Kind, access.SpaceId, access.History, access.PublicId);
    }
}

[GenerateSerializer, Immutable, Alias("spotter.JoinResult")]
public sealed record JoinResult(
    [property: Id(0)] DocumentRole? Role,
    [property: Id(1)] byte[]? SyncStep1,
    [property: Id(2)] Guid Epoch);

/// <summary>Outcome of a client frame: a rejection (code + detail) or an optional reply for the sender only.</summary>
[GenerateSerializer, Immutable, Alias("spotter.FrameResult")]
public sealed record FrameResult(
    [property: Id(0)] string? RejectCode,
    [property: Id(1)] string? RejectDetail,
    [property: Id(2)] byte[]? Reply,
    [property: Id(3)] Guid Epoch)
{
    public bool IsRejected => RejectCode is not null;
}

public static class RejectCodes
{
    public const string ReadOnly = "read-only";
    public const string Malformed = "malformed";
    public const string TooLarge = "too-large";
    public const string RateLimited = "rate-limited";
    /// <summary>The update writes content that only the server may write (a resource kind's rule).</summary>
    public const string ServerOwned = "server-owned";
    /// <summary>Not a wire code for Rejected: the resource's kind does not handle this command.</summary>
    public const string Unsupported = "unsupported";
    /// <summary>Not a wire code for Rejected: the caller has no access (any more).</summary>
    public const string Forbidden = "forbidden";
}

[GenerateSerializer, Immutable, Alias("spotter.DocumentBroadcast")]
public sealed record DocumentBroadcast(
    [property: Id(0)] string DocumentId,
    [property: Id(1)] IReadOnlyList<BroadcastFrame> Frames);

/// <summary>
/// One frame of a tick for a host's connections to the document: sent to <see cref="To"/> alone when set, else to
/// every connection except <see cref="Except"/>. Every connection receives at most one update and one awareness
/// frame per tick; a merged update frame may include the recipient's own updates (yjs ignores known content).
/// </summary>
[GenerateSerializer, Immutable, Alias("spotter.BroadcastFrame")]
public sealed record BroadcastFrame(
    [property: Id(0)] IReadOnlyList<string> Except,
    [property: Id(1)] byte[] Frame,
    [property: Id(2)] string? To = null);

public enum MembershipResult
{
    Ok,
    /// <summary>Document missing or invisible to the actor.</summary>
    NotFound,
    /// <summary>Actor sees the document but is not an owner.</summary>
    Forbidden,
    /// <summary>The change would leave the document without an owner.</summary>
    LastOwner,
    /// <summary>Not allowed for this principal (e.g. manage for a partner, or the sharing policy refuses it).</summary>
    Invalid,
}

public enum RootKind
{
    Text,
    Map,
    Array,
    Xml,
}

[GenerateSerializer, Immutable, Alias("spotter.RootReadResult")]
public sealed record RootReadResult(
    [property: Id(0)] bool Found,
    [property: Id(1)] string? Json);

[Alias("spotter.IUserGrain")]
public interface IUserGrain : IGrainWithStringKey
{
    /// <summary>Creates the account's credentials; false if the username is taken. Who the person is (name, kind,
    /// administrator) is the organisation directory's, not the account's.</summary>
    [Alias("CreateCredentials")]
    Task<bool> Create(string password);

    /// <summary>As <see cref="Create"/>, with a password someone else chose (the generated first-start one): the
    /// account must change it before anything else (<see cref="UserProfile.PasswordChangeRequired"/>).</summary>
    [Alias("CreateCredentialsTemporary")]
    Task<bool> CreateWithTemporaryPassword(string password);

    /// <summary>The profile if the password matches, else null (also for unknown users).</summary>
    [Alias("VerifyPassword")]
    Task<UserProfile?> VerifyPassword(string password);

    [Alias("GetProfile")]
    Task<UserProfile?> GetProfile();

    /// <summary>Checks the password under the lockout of the account for <paramref name="source"/> (the client's
    /// address) and, on success, opens a session (refresh-token family). Failures from one address never lock the
    /// account for another. Unknown usernames get the same answers and the same lockout as real accounts.</summary>
    [Alias("LoginFrom")]
    Task<LoginResult> Login(string password, string source);

    /// <summary>Ends every lockout of the account (an administrator's unlock); false if there was none.</summary>
    [Alias("UnlockLogin")]
    Task<bool> UnlockLogin();

    /// <summary>Rotates the session's refresh token: the presented one dies. Presenting an already rotated token
    /// revokes the whole session (theft detection).</summary>
    [Alias("Refresh")]
    Task<RefreshResult> Refresh(string refreshToken);

    /// <summary>Revokes the session the refresh token belongs to; false if it was not a live session's token.</summary>
    [Alias("Logout")]
    Task<bool> Logout(string refreshToken);

    /// <summary>Revokes every session of the account (e.g. on deactivation); returns how many were live.</summary>
    [Alias("RevokeAllSessions")]
    Task<int> RevokeAllSessions();

    /// <summary>Checks <paramref name="currentPassword"/> (under the account's lockout, like a login), stores
    /// <paramref name="newPassword"/> and ends every session but <paramref name="keepSessionId"/>.</summary>
    [Alias("ChangePassword")]
    Task<PasswordChangeOutcome> ChangePassword(string currentPassword, string newPassword, string keepSessionId);

    /// <summary>An administrator sets the password: every session of the account ends. False if there is no account.</summary>
    [Alias("ResetPassword")]
    Task<bool> ResetPassword(string newPassword);

    /// <summary>Whether the session (the <c>sid</c> claim of an access token) is still live.</summary>
    [Alias("IsSessionActive"), ReadOnly]
    Task<bool> IsSessionActive(string sessionId);
}

public enum PasswordChangeOutcome
{
    Changed,
    /// <summary>The current password did not match (counted like a failed login).</summary>
    WrongPassword,
    LockedOut,
    /// <summary>The keep-session is not live (it ended meanwhile): nothing changed.</summary>
    SessionEnded,
}

/// <param name="PasswordChangeRequired">The account still has a generated first-start password: until it is changed,
/// the web hosts accept its tokens only for changing it.</param>
[GenerateSerializer, Immutable, Alias("spotter.UserProfile")]
public sealed record UserProfile(
    [property: Id(0)] string Username,
    [property: Id(1)] bool PasswordChangeRequired = false);
