namespace Spotter.Collab.Grains.Notifications;

/// <summary>The kinds of notification the server sends today. The kind is an open string: other features add their
/// own (<c>assignment</c>, <c>checkin</c>…) without changing the store or the API.</summary>
public static class NotificationKinds
{
    /// <summary>Someone mentioned the recipient in a comment or in a page's content.</summary>
    public const string Mention = "mention";

    /// <summary>Someone replied to a comment thread the recipient started.</summary>
    public const string Reply = "reply";

    /// <summary>Someone granted the recipient access to a page, a space or a project.</summary>
    public const string Share = "share";

    /// <summary>The recipient was made an assignee of a project item or an owner of one of its nodes.</summary>
    public const string Assignment = "assignment";

    /// <summary>Every node before one the recipient owns is finished: theirs can start.</summary>
    public const string NodeReady = "node-ready";

    /// <summary>The status of a project item the recipient is assigned to changed.</summary>
    public const string Status = "status";

    /// <summary>A kind: 1-32 characters of a-z, 0-9, '.', '-', '_'.</summary>
    public static bool IsValid(string? kind) =>
        kind is { Length: > 0 and <= 32 } && kind.All(c => c is >= 'a' and <= 'z' or >= '0' and <= '9' or '.' or '-' or '_');
}

/// <summary>
/// What happened, for <see cref="INotifierGrain.Notify"/>. <see cref="ResourceId"/> is what the notification is about
/// and whose read access decides who may get it (a page, a space, a project). <see cref="Anchor"/> says where in it
/// (a comment thread id, an item id; may be null). <see cref="Snippet"/> is a short excerpt of the content that caused
/// it (the comment text): it is shown only while the recipient may read the resource; titles are never stored, the
/// listing reads them from current data.
/// </summary>
[GenerateSerializer, Immutable, Alias("spotter.notifications.NotificationRequest")]
public sealed record NotificationRequest(
    [property: Id(0)] string Kind,
    [property: Id(1)] string ResourceId,
    [property: Id(2)] string Actor,
    [property: Id(3)] string? Anchor,
    [property: Id(4)] string Snippet);

/// <summary>One notification of one recipient, numbered per recipient (newest has the highest <see cref="Sequence"/>).</summary>
[GenerateSerializer, Immutable, Alias("spotter.notifications.Notification")]
public sealed record Notification(
    [property: Id(0)] string Recipient,
    [property: Id(1)] long Sequence,
    [property: Id(2)] string Kind,
    [property: Id(3)] string ResourceId,
    [property: Id(4)] string? Anchor,
    [property: Id(5)] string Actor,
    [property: Id(6)] string Snippet,
    [property: Id(7)] DateTimeOffset CreatedAt,
    [property: Id(8)] bool Read);

/// <summary>A page of the inbox, newest first, only notifications about what the recipient may read now.
/// <see cref="Next"/> is the cursor of the following page (null at the end); <see cref="Unread"/> counts the unread
/// notifications the recipient may read.</summary>
[GenerateSerializer, Immutable, Alias("spotter.notifications.NotificationPage")]
public sealed record NotificationPage(
    [property: Id(0)] IReadOnlyList<Notification> Items,
    [property: Id(1)] long? Next,
    [property: Id(2)] int Unread);

/// <summary>A recipient's settings: the kinds they do not want (the rest are delivered).</summary>
[GenerateSerializer, Immutable, Alias("spotter.notifications.NotificationSettings")]
public sealed record NotificationSettings([property: Id(0)] IReadOnlyList<string> MutedKinds)
{
    public static NotificationSettings Default { get; } = new([]);
}

/// <summary>
/// The entry point for every feature that notifies people (comments, page mentions, shares; later project
/// assignments and OKR reminders). A stateless worker: it drops recipients who may not read the resource (or are the
/// actor, or have muted the kind) and hands the rest to their <see cref="INotificationsGrain"/>.
/// </summary>
[Alias("spotter.INotifierGrain")]
public interface INotifierGrain : IGrainWithIntegerKey
{
    public const long Key = 0;

    /// <summary>Notifies each of <paramref name="recipients"/> (usernames) who may read the resource; returns who was
    /// notified. Durable before it returns.</summary>
    [Alias("Notify")]
    Task<IReadOnlyList<string>> Notify(NotificationRequest request, IReadOnlyList<string> recipients);
}

/// <summary>One user's inbox (key: username). Listing hides notifications about resources the user may no longer read.</summary>
[Alias("spotter.INotificationsGrain")]
public interface INotificationsGrain : IGrainWithStringKey
{
    /// <summary>Stores the notification (the caller, <see cref="INotifierGrain"/>, has checked access) unless the
    /// kind is muted; null when muted.</summary>
    [Alias("Deliver")]
    Task<Notification?> Deliver(NotificationRequest request);

    /// <summary>Newest first from before <paramref name="before"/> (a sequence; null: from the newest).</summary>
    [Alias("List")]
    Task<NotificationPage> List(long? before, int limit, bool unreadOnly);

    [Alias("UnreadCount")]
    Task<int> UnreadCount();

    /// <summary>Marks the notifications read; returns the unread count after.</summary>
    [Alias("MarkRead")]
    Task<int> MarkRead(IReadOnlyList<long> sequences);

    [Alias("MarkAllRead")]
    Task<int> MarkAllRead();

    [Alias("GetSettings")]
    Task<NotificationSettings> GetSettings();

    [Alias("SetSettings")]
    Task SetSettings(NotificationSettings settings);

    /// <summary>A web host with connections of this user subscribes (refresh before
    /// <see cref="ObserverExpiry"/>) to hear of new notifications and unread-count changes.</summary>
    [Alias("Subscribe")]
    Task Subscribe(INotificationObserver observer);

    [Alias("Unsubscribe")]
    Task Unsubscribe(INotificationObserver observer);

    public static readonly TimeSpan ObserverExpiry = TimeSpan.FromSeconds(90);
}

/// <summary>A web host's listener for its connected users' inboxes.</summary>
[Alias("spotter.INotificationObserver")]
public interface INotificationObserver : IGrainObserver
{
    /// <summary>The inbox of <paramref name="username"/> changed: <paramref name="added"/> is the new notification
    /// (null when only read marks changed); <paramref name="unread"/> the unread count now.</summary>
    [Alias("OnInboxChanged")]
    Task OnInboxChanged(string username, Notification? added, int unread);
}

/// <summary>Bounds of notifications and of the inbox API.</summary>
public static class NotificationLimits
{
    public const int MaxPage = 100;
    public const int MaxSnippet = 280;
    public const int MaxRecipients = 50;

    /// <summary>Unread notifications an inbox keeps in memory to count (the count says "at least" beyond it).</summary>
    public const int MaxCountedUnread = 1000;

    public static int ClampLimit(int limit) => Math.Clamp(limit, 1, MaxPage);

    public static string Snippet(string? text)
    {
        var trimmed = (text ?? "").Trim();
        return trimmed.Length <= MaxSnippet ? trimmed : string.Concat(trimmed.AsSpan(0, MaxSnippet - 1), "…");
    }
}
