namespace Spotter.Collab.Grains.Notifications;

/// <summary>
/// Every user's notifications, numbered per recipient. Implemented by the SQLite and PostgreSQL stores; both pass
/// <c>NotificationStoreContractTests</c>. Access is not the store's business: <see cref="NotificationsGrain"/>
/// filters what it reads.
/// </summary>
public interface INotificationStore
{
    /// <summary>Stores the notification; fails when the recipient already has one with its sequence.</summary>
    Task AddAsync(Notification notification, CancellationToken cancellationToken = default);

    /// <summary>The recipient's highest sequence; 0 when they have none.</summary>
    Task<long> LastSequenceAsync(string recipient, CancellationToken cancellationToken = default);

    /// <summary>Newest first, sequences below <paramref name="before"/> when given, at most <paramref name="limit"/>.</summary>
    Task<IReadOnlyList<Notification>> ListAsync(string recipient, long? before, int limit, bool unreadOnly, CancellationToken cancellationToken = default);

    /// <summary>Marks the recipient's notifications with these sequences read; returns how many were unread.</summary>
    Task<int> MarkReadAsync(string recipient, IReadOnlyList<long> sequences, CancellationToken cancellationToken = default);

    /// <summary>Marks every notification of the recipient read; returns how many were unread.</summary>
    Task<int> MarkAllReadAsync(string recipient, CancellationToken cancellationToken = default);
}
