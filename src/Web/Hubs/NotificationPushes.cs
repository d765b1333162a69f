using System.Collections.Concurrent;
using System.Globalization;
using Spotter.Collab.Grains.Access;
using Spotter.Collab.Grains.Notifications;
using Spotter.Collab.WebHost.Auth;

namespace Spotter.Collab.WebHost.Hubs;

/// <summary>
/// Pushes inbox changes to this host's hub connections (<c>Notification(id, kind, resourceId, unread)</c>). One observer
/// object per host, subscribed to the inbox grain of every user with a connection here while they have one, renewed by
/// <see cref="NotificationPushRefresh"/> before the grain's observer expiry.
/// </summary>
public sealed partial class NotificationPushes(IClusterClient cluster, Microsoft.AspNetCore.SignalR.IHubContext<CollabHub, ICollabClient> hub,
    ILogger<NotificationPushes> logger) : INotificationObserver
{
    // username → its connection ids on this host
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<string, byte>> _users = new(StringComparer.Ordinal);
    private readonly Lock _referenceLock = new();
    private INotificationObserver? _reference;

    private INotificationObserver Reference
    {
        get
        {
            lock (_referenceLock) return _reference ??= cluster.CreateObjectReference<INotificationObserver>(this);
        }
    }

    public async Task ConnectedAsync(string connectionId, string principal)
    {
        // Link sessions have no inbox.
        if (Principals.IsLink(principal)) return;
        var connections = _users.GetOrAdd(principal, _ => new ConcurrentDictionary<string, byte>(StringComparer.Ordinal));
        var first = connections.IsEmpty;
        connections[connectionId] = 0;
        if (first) await SubscribeAsync(principal);
    }

    public async Task DisconnectedAsync(string connectionId, string principal)
    {
        if (!_users.TryGetValue(principal, out var connections) || !connections.TryRemove(connectionId, out _) || !connections.IsEmpty) return;
        try
        {
            await cluster.GetGrain<INotificationsGrain>(principal).Unsubscribe(Reference);
        }
        catch (Exception ex) when (ex is OrleansException or TimeoutException)
        {
            // The grain forgets the observer at its expiry anyway.
            LogPushFailed(ex, principal);
        }
    }

    public async Task RefreshAllAsync()
    {
        foreach (var (username, connections) in _users)
        {
            if (!connections.IsEmpty) await SubscribeAsync(username);
        }
    }

    public async Task OnInboxChanged(string username, Notification? added, int unread)
    {
        if (!_users.TryGetValue(username, out var connections) || connections.IsEmpty) return;
        await hub.Clients.Clients(connections.Keys.ToList()).Notification(
            added?.Sequence.ToString(CultureInfo.InvariantCulture) ?? "", added?.Kind ?? "", added?.ResourceId ?? "", unread);
    }

    private async Task SubscribeAsync(string username)
    {
        try
        {
            await cluster.GetGrain<INotificationsGrain>(username).Subscribe(Reference);
        }
        catch (Exception ex) when (ex is OrleansException or TimeoutException)
        {
            // Retried at the next refresh; until then the client still sees new notifications when it lists.
            LogPushFailed(ex, username);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Subscribing to or leaving the inbox of {Username} failed")]
    private partial void LogPushFailed(Exception exception, string username);
}

/// <summary>Renews this host's inbox subscriptions well inside the grains' observer expiry.</summary>
public sealed class NotificationPushRefresh(NotificationPushes pushes) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(INotificationsGrain.ObserverExpiry / 3);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            await pushes.RefreshAllAsync();
        }
    }
}
