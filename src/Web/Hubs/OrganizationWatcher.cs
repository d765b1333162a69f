using System.Collections.Concurrent;
using System.Collections.Frozen;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Options;
using Spotter.Collab.Grains.Access;
using Spotter.Collab.WebHost.Auth;

namespace Spotter.Collab.WebHost.Hubs;

/// <summary>
/// This host's observer of the organisation grain (one per host, re-subscribed on a timer because the grain may be
/// reactivated and forget it). Keeps the deactivated-user set for token validation, aborts the hub connections of
/// deactivated users and of ended sessions (and those of link sessions they redeemed) at once, and forwards tree
/// changes to the SignalR group <c>space:&lt;id&gt;</c> (<c>Notice(spaceId, "tree", "")</c>).
/// </summary>
public sealed partial class OrganizationWatcher(
    IClusterClient cluster,
    DocumentConnections connections,
    SessionCheck sessions,
    DirectoryAdmins admins,
    IHubContext<CollabHub, ICollabClient> hub,
    ILogger<OrganizationWatcher> logger) : BackgroundService, IOrganizationObserver
{
    private FrozenSet<string> _deactivated = FrozenSet<string>.Empty;
    private IOrganizationObserver? _reference;
    // space id → connection id → principal: this host's members of each space group (an emptied space keeps its
    // entry: dropping it could race with a connection starting to watch, and there is one per space at most)
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<string, string>> _watchers = new(StringComparer.Ordinal);

    public static string SpaceGroup(string spaceId) => "space:" + spaceId;

    /// <summary>How often the subscription is renewed (well inside the grain's observer expiry).</summary>
    public static TimeSpan RefreshPeriod => IOrganizationGrain.ObserverExpiry / 3;

    public bool IsDeactivated(string username) => _deactivated.Contains(username);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        _reference = cluster.CreateObjectReference<IOrganizationObserver>(this);
        var organization = cluster.GetGrain<IOrganizationGrain>(IOrganizationGrain.Key);
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                var delay = RefreshPeriod;
                try
                {
                    await ReplaceDeactivatedAsync(await organization.Subscribe(_reference).WaitAsync(stoppingToken));
                }
                catch (Exception ex) when (ex is OrleansException or TimeoutException)
                {
                    LogSubscribeFailed(ex);
                    delay = TimeSpan.FromSeconds(1);
                }
                await Task.Delay(delay, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down.
        }
        finally
        {
            cluster.DeleteObjectReference<IOrganizationObserver>(_reference);
        }
    }

    public Task OnDeactivatedUsers(IReadOnlyList<string> usernames) => ReplaceDeactivatedAsync(usernames);

    /// <summary>Sessions ended on some host (logout, refresh-token reuse, password change, revocation): this host
    /// stops trusting them at once and closes their hub connections.</summary>
    public async Task OnSessionsEnded(string username, IReadOnlyList<string>? sessionIds)
    {
        if (sessionIds is null)
        {
            sessions.ForgetUser(username);
        }
        else
        {
            foreach (var sessionId in sessionIds) sessions.Forget(username, sessionId);
        }
        await connections.EndSessionsAsync(username, sessionIds, "signed-out");
    }

    /// <summary>Adds the connection to the space's group (the caller has checked that the principal may watch).</summary>
    public async Task WatchAsync(string connectionId, string principal, string spaceId)
    {
        _watchers.GetOrAdd(spaceId, _ => new ConcurrentDictionary<string, string>(StringComparer.Ordinal))[connectionId] = principal;
        await hub.Groups.AddToGroupAsync(connectionId, SpaceGroup(spaceId));
    }

    public async Task UnwatchAsync(string connectionId, string spaceId)
    {
        if (_watchers.TryGetValue(spaceId, out var watchers)) watchers.TryRemove(connectionId, out _);
        await hub.Groups.RemoveFromGroupAsync(connectionId, SpaceGroup(spaceId));
    }

    /// <summary>The connection is gone (SignalR drops its group memberships itself).</summary>
    public void Disconnected(string connectionId)
    {
        foreach (var watchers in _watchers.Values) watchers.TryRemove(connectionId, out _);
    }

    /// <summary>
    /// A change in the space may also have taken it away from some of its watchers (grant removed, group left, page
    /// restricted…): one grain call for the distinct principals watching here decides who stays; the others leave the
    /// group, get this one event (so their client finds the space gone) and nothing more about the space.
    /// </summary>
    public async Task OnTreeChanged(string spaceId)
    {
        if (!_watchers.TryGetValue(spaceId, out var watchers) || watchers.IsEmpty) return;
        var snapshot = watchers.ToArray();
        var principals = snapshot.Select(w => w.Value).Distinct(StringComparer.Ordinal).ToList();
        IReadOnlyList<string> stillSeeing;
        try
        {
            stillSeeing = await cluster.GetGrain<IOrganizationGrain>(IOrganizationGrain.Key).WhoCanSeeSpace(spaceId, principals);
        }
        catch (Exception ex) when (ex is OrleansException or TimeoutException)
        {
            // Unknown who may still look: say nothing (clients refetch the tree when they reconnect or navigate).
            LogWatcherCheckFailed(ex, spaceId);
            return;
        }
        var allowed = stillSeeing.ToHashSet(StringComparer.Ordinal);
        List<string>? removed = null;
        foreach (var (connectionId, principal) in snapshot)
        {
            if (allowed.Contains(principal)) continue;
            watchers.TryRemove(connectionId, out _);
            await hub.Groups.RemoveFromGroupAsync(connectionId, SpaceGroup(spaceId));
            (removed ??= []).Add(connectionId);
        }
        await Notices.SendAsync(hub.Clients.Group(SpaceGroup(spaceId)), spaceId, Notices.Tree, "");
        // The change that took the space away is the last one they hear of it: their client re-reads the tree, finds
        // nothing, and drops the space (the answer is the same 404 as for a space that never existed).
        if (removed is not null) await Notices.SendAsync(hub.Clients.Clients(removed), spaceId, Notices.Tree, "");
    }

    private async Task ReplaceDeactivatedAsync(IReadOnlyList<string> usernames)
    {
        var previous = _deactivated;
        _deactivated = usernames.ToFrozenSet(StringComparer.Ordinal);
        foreach (var username in _deactivated)
        {
            if (previous.Contains(username)) continue;
            // Deactivation ended their sessions (link sessions they redeemed included): this host must not keep
            // trusting a cached "active" past a later reactivation.
            sessions.ForgetUser(username);
            admins.Forget(username);
            await connections.AbortUserAsync(username, "deactivated");
        }
        // Reactivated: an "active" cached between the push and the end of their sessions must not count either.
        foreach (var username in previous)
        {
            if (_deactivated.Contains(username)) continue;
            sessions.ForgetUser(username);
            admins.Forget(username);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Checking who may still watch space {SpaceId} failed; its tree change was not forwarded")]
    private partial void LogWatcherCheckFailed(Exception exception, string spaceId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Subscribing to the organisation grain failed; retrying")]
    private partial void LogSubscribeFailed(Exception exception);
}

public static class OrganizationWatcherExtensions
{
    /// <summary>Registers the watcher and makes JWT validation refuse tokens of deactivated users at once
    /// (composed with whatever <c>OnTokenValidated</c> the auth setup installs).</summary>
    public static WebApplicationBuilder AddOrganizationWatcher(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddSingleton<OrganizationWatcher>();
        builder.Services.AddHostedService(services => services.GetRequiredService<OrganizationWatcher>());
        builder.Services.AddOptions<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme)
            .PostConfigure<OrganizationWatcher>((jwt, watcher) =>
            {
                jwt.Events ??= new JwtBearerEvents();
                var previous = jwt.Events.OnTokenValidated;
                jwt.Events.OnTokenValidated = async context =>
                {
                    await previous(context);
                    if (context.Result is { Failure: not null }) return;
                    // A link session bound to a user falls with that user.
                    var accountable = context.Principal?.Accountable();
                    if (accountable is not null && watcher.IsDeactivated(accountable)) context.Fail("the account is deactivated");
                };
            });
        return builder;
    }
}
