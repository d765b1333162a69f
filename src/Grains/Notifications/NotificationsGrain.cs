using Microsoft.Extensions.Logging;
using Orleans.Utilities;
using Spotter.Collab.Grains.Access;

namespace Spotter.Collab.Grains.Notifications;

[GenerateSerializer, Alias("spotter.notifications.SettingsState")]
public sealed class NotificationSettingsState
{
    [Id(0)] public List<string> MutedKinds { get; set; } = [];
}

/// <summary>
/// One user's inbox. Rows live in <see cref="INotificationStore"/>; the activation keeps the next sequence and the
/// unread rows' resource ids (to count what the user may still read without reading the table each time). Every read
/// is filtered through this silo's access copy: a notification about something the user can no longer read is not
/// listed and not counted.
/// </summary>
public sealed class NotificationsGrain : Grain, INotificationsGrain
{
    private readonly INotificationStore _store;
    private readonly IPersistentState<NotificationSettingsState> _settings;
    private readonly TimeProvider _time;
    private readonly ObserverManager<INotificationObserver> _observers;
    private long _last;
    // sequence → resource id of the newest unread notifications (at most NotificationLimits.MaxCountedUnread)
    private readonly SortedDictionary<long, string> _unread = [];

    public NotificationsGrain(INotificationStore store, [PersistentState("notification-settings")] IPersistentState<NotificationSettingsState> settings,
        TimeProvider time, ILogger<NotificationsGrain> logger)
    {
        _store = store;
        _settings = settings;
        _time = time;
        _observers = new ObserverManager<INotificationObserver>(INotificationsGrain.ObserverExpiry, logger);
    }

    private string Username => this.GetPrimaryKeyString();

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _last = await _store.LastSequenceAsync(Username, cancellationToken);
        foreach (var n in await _store.ListAsync(Username, null, NotificationLimits.MaxCountedUnread, unreadOnly: true, cancellationToken))
        {
            _unread[n.Sequence] = n.ResourceId;
        }
    }

    public async Task<Notification?> Deliver(NotificationRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (_settings.State.MutedKinds.Contains(request.Kind, StringComparer.Ordinal)) return null;
        var notification = new Notification(Username, _last + 1, request.Kind, request.ResourceId, request.Anchor, request.Actor,
            NotificationLimits.Snippet(request.Snippet), _time.GetUtcNow(), Read: false);
        await _store.AddAsync(notification);
        _last = notification.Sequence;
        _unread[notification.Sequence] = notification.ResourceId;
        if (_unread.Count > NotificationLimits.MaxCountedUnread) _unread.Remove(_unread.Keys.First());
        await PublishAsync(notification);
        return notification;
    }

    public async Task<NotificationPage> List(long? before, int limit, bool unreadOnly)
    {
        limit = NotificationLimits.ClampLimit(limit);
        var items = new List<Notification>();
        var cursor = before;
        var exhausted = false;
        // Hidden rows are skipped: read on (a few rounds at most) so a page is rarely short while more exist.
        for (var round = 0; round < 4 && items.Count < limit && !exhausted; round++)
        {
            var rows = await _store.ListAsync(Username, cursor, limit, unreadOnly);
            var readable = await ReadableAsync(rows.Select(r => r.ResourceId));
            var consumed = 0;
            foreach (var row in rows)
            {
                if (items.Count == limit) break;
                if (readable.Contains(row.ResourceId)) items.Add(row);
                cursor = row.Sequence;
                consumed++;
            }
            exhausted = rows.Count < limit && consumed == rows.Count;
        }
        return new NotificationPage(items, exhausted ? null : cursor, await UnreadCount());
    }

    public async Task<int> UnreadCount()
    {
        if (_unread.Count == 0) return 0;
        var readable = await ReadableAsync(_unread.Values);
        return _unread.Values.Count(readable.Contains);
    }

    public async Task<int> MarkRead(IReadOnlyList<long> sequences)
    {
        ArgumentNullException.ThrowIfNull(sequences);
        var changed = sequences.Count == 0 ? 0 : await _store.MarkReadAsync(Username, sequences.Distinct().Take(NotificationLimits.MaxPage).ToList());
        foreach (var sequence in sequences) _unread.Remove(sequence);
        var unread = await UnreadCount();
        if (changed > 0) await NotifyObserversAsync(null, unread);
        return unread;
    }

    public async Task<int> MarkAllRead()
    {
        var changed = await _store.MarkAllReadAsync(Username);
        _unread.Clear();
        if (changed > 0) await NotifyObserversAsync(null, 0);
        return 0;
    }

    public Task<NotificationSettings> GetSettings() => Task.FromResult(new NotificationSettings(_settings.State.MutedKinds.ToList()));

    public async Task SetSettings(NotificationSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        _settings.State.MutedKinds = settings.MutedKinds.Where(NotificationKinds.IsValid).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        await _settings.WriteStateAsync();
    }

    public Task Subscribe(INotificationObserver observer)
    {
        _observers.Subscribe(observer, observer);
        return Task.CompletedTask;
    }

    public Task Unsubscribe(INotificationObserver observer)
    {
        _observers.Unsubscribe(observer);
        return Task.CompletedTask;
    }

    private async Task PublishAsync(Notification added)
    {
        if (_observers.Count == 0) return;
        await NotifyObserversAsync(added, await UnreadCount());
    }

    private Task NotifyObserversAsync(Notification? added, int unread)
    {
        if (_observers.Count == 0) return Task.CompletedTask;
        var username = Username;
        // Not awaited by the caller's answer beyond the hand-off: a slow host must not hold the inbox.
        _ = _observers.Notify(o => o.OnInboxChanged(username, added, unread));
        return Task.CompletedTask;
    }

    private async Task<HashSet<string>> ReadableAsync(IEnumerable<string> resourceIds)
    {
        var distinct = resourceIds.Distinct(StringComparer.Ordinal).ToList();
        if (distinct.Count == 0) return [];
        var readable = await GrainFactory.GetGrain<IAccessReaderGrain>(IAccessReaderGrain.Key).FilterReadable(Username, distinct);
        return readable.ToHashSet(StringComparer.Ordinal);
    }
}
