using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Options;
using Spotter.Collab.Grains;
using Spotter.Collab.Grains.Access;
using Spotter.Collab.WebHost.Api;
using Spotter.Collab.WebHost.Auth;

namespace Spotter.Collab.WebHost.Hubs;

/// <summary>
/// Carries y-websocket frames between clients and live resources of every kind (the document grain resolves the
/// kind from the id). One connection may hold many; every frame is checked against the sender's current role by the
/// grain.
/// </summary>
[Authorize]
public sealed class CollabHub(DocumentConnections connections, OrganizationWatcher organization, NotificationPushes notifications, IGrainFactory grains, IOptions<CollabLimits> limits, DenialRecorder denials, HubFloodGuard guard, HubTokenRenewal renewal) : Hub<ICollabClient>
{
    public const string Path = "/hubs/collab";
    public const string Forbidden = "forbidden";
    public const string InvalidToken = "invalid-token";

    /// <summary>A fresh access token of the connection's own session (after a refresh): the connection lives on until
    /// that token expires. Without it the server closes the connection when the token it connected with expires.</summary>
    public async Task RenewToken(string accessToken)
    {
        var expiresAt = await renewal.ValidateAsync(Context.User!, accessToken, Context.ConnectionAborted);
        if (expiresAt is null || !connections.Renew(Context.ConnectionId, expiresAt.Value)) throw new HubException(InvalidToken);
    }

    /// <summary>Joins a document: returns <c>{ role }</c> and sends the server's sync step 1.</summary>
    public async Task<Dictionary<string, string>> JoinDocument(string docId)
    {
        if (string.IsNullOrEmpty(docId)) throw new HubException(Forbidden);
        var join = await connections.JoinAsync(Context.ConnectionId, Context.User!.Username(), docId);
        // HubDenialAuditFilter records the refusal.
        if (join.Role is not { } role) throw new HubException(Forbidden);
        await Clients.Caller.Receive(docId, join.SyncStep1!);
        // A plain map so the key is "role" in both the JSON and the MessagePack protocol.
        return new Dictionary<string, string>(StringComparer.Ordinal) { ["role"] = role.ToWire() };
    }

    /// <summary>One y-websocket frame; completes when the update in it is durable (or after Rejected was sent).</summary>
    public async Task Send(string docId, byte[] frame)
    {
        if (!connections.TryGetMembership(Context.ConnectionId, docId, out var username)) throw new HubException(Forbidden);
        if (frame is null || frame.Length > limits.Value.MaxFrameBytes)
        {
            guard.Refused(Context, nameof(Send), RejectCodes.TooLarge);
            await Clients.Caller.Rejected(docId, RejectCodes.TooLarge, $"frames are limited to {limits.Value.MaxFrameBytes} bytes");
            return;
        }
        FrameResult result;
        try
        {
            result = await connections.DocumentGrain(docId).Receive(username, Context.ConnectionId, frame);
        }
        catch (Exception ex) when (ex is OrleansException or TimeoutException)
        {
            connections.MarkUnreachable(docId);
            throw;
        }
        connections.ObserveEpoch(docId, result.Epoch);
        if (result.RejectCode == RejectCodes.Forbidden)
        {
            // Membership was removed and the revocation has not reached this host yet.
            await DenialAudit.RecordHubAsync(denials, Context, nameof(Send), docId, "no access");
            await connections.RevokeConnectionAsync(docId, Context.ConnectionId, "removed");
            return;
        }
        if (!connections.TryGetMembership(Context.ConnectionId, docId, out _)) return;
        // A write without edit access is refused like the HTTP update endpoint's 403 read-only, and recorded alike
        // (repeats collapse into one entry with a count).
        if (result.RejectCode == RejectCodes.ReadOnly)
        {
            await DenialAudit.RecordHubAsync(denials, Context, nameof(Send), docId, RejectCodes.ReadOnly);
        }
        if (result.IsRejected)
        {
            // Oversized and malformed frames count towards closing the connection; read-only and rate-limited
            // answers can reach an honest client (a role just lowered, a burst of cursor moves) and do not.
            if (result.RejectCode is RejectCodes.TooLarge or RejectCodes.Malformed) guard.Refused(Context, nameof(Send), result.RejectCode);
            await Clients.Caller.Rejected(docId, result.RejectCode!, result.RejectDetail ?? result.RejectCode!);
        }
        else if (result.Reply is not null)
        {
            await Clients.Caller.Receive(docId, result.Reply);
        }
    }

    public Task LeaveDocument(string docId) => connections.LeaveAsync(Context.ConnectionId, docId);

    /// <summary>Subscribes to the space's tree notices (<c>Notice(spaceId, "tree", "")</c>); only for callers who can
    /// see something in the space (a missing space and an invisible one both fail with <c>forbidden</c>), and only
    /// while they can.</summary>
    public async Task WatchSpace(string spaceId)
    {
        if (string.IsNullOrEmpty(spaceId) || !await grains.GetGrain<IOrganizationGrain>(IOrganizationGrain.Key).CanSeeSpace(Context.User!.Username(), spaceId))
        {
            throw new HubException(Forbidden);
        }
        await organization.WatchAsync(Context.ConnectionId, Context.User!.Username(), spaceId);
    }

    public Task UnwatchSpace(string spaceId) =>
        string.IsNullOrEmpty(spaceId) ? Task.CompletedTask : organization.UnwatchAsync(Context.ConnectionId, spaceId);

    public override async Task OnConnectedAsync()
    {
        connections.Connected(Context);
        HubMetrics.Connections.Add(1);
        await notifications.ConnectedAsync(Context.ConnectionId, Context.User!.Username());
        await base.OnConnectedAsync();
    }

    public override async Task OnDisconnectedAsync(Exception? exception)
    {
        HubMetrics.Connections.Add(-1);
        organization.Disconnected(Context.ConnectionId);
        await notifications.DisconnectedAsync(Context.ConnectionId, Context.User!.Username());
        await connections.DisconnectedAsync(Context.ConnectionId);
        await base.OnDisconnectedAsync(exception);
    }
}
