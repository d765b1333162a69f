using System.Collections.Frozen;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Options;
using Spotter.Collab.Grains.Access;
using Spotter.Collab.WebHost.Auth;

namespace Spotter.Collab.WebHost.Hubs;

/// <summary>
/// This host's observer of the organisation grain (one per host, re-subscribed on a timer because the grain may be
/// reactivated and forget it). Keeps the deactivated-user set for token validation, aborts deactivated users' hub
/// connections (and those of link sessions they redeemed) at once, and forwards tree changes to the SignalR group <c>space:&lt;id&gt;</c>.
/// </summary>
public sealed partial class OrganizationWatcher(
    IClusterClient cluster,
    DocumentConnections connections,
    SessionCheck sessions,
    IHubContext<CollabHub, ICollabClient> hub,
    ILogger<OrganizationWatcher> logger) : BackgroundService, IOrganizationObserver
{
    private FrozenSet<string> _deactivated = FrozenSet<string>.Empty;
    private IOrganizationObserver? _reference;

    public static string SpaceGroup(string spaceId) => "space:" + spaceId;

    /// <summary>How often the subscription is renewed (well inside the grain's observer expiry).</summary>
    public static TimeSpan RefreshPeriod => OrganizationGrain.ObserverExpiry / 3;

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

    public Task OnTreeChanged(string spaceId) => hub.Clients.Group(SpaceGroup(spaceId)).TreeChanged(spaceId);

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
            await connections.AbortUserAsync(username, "deactivated");
        }
        // Reactivated: an "active" cached between the push and the end of their sessions must not count either.
        foreach (var username in previous)
        {
            if (!_deactivated.Contains(username)) sessions.ForgetUser(username);
        }
    }

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
