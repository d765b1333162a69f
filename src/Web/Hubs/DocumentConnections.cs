using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Security.Claims;
using Microsoft.AspNetCore.SignalR;
using Spotter.Collab.Grains;
using Spotter.Collab.Grains.Audit;
using Spotter.Collab.Grains.Protocol;
using Spotter.Collab.WebHost.Auth;

namespace Spotter.Collab.WebHost.Hubs;

/// <summary>
/// This host's view of who has which document open. Each open document has ONE grain observer, refcounted by the
/// local connections that joined it; the grain sends each batch once to this host, which fans it out to the
/// document's SignalR group. Every grain call about subscriptions lives here.
/// </summary>
public sealed partial class DocumentConnections(IClusterClient cluster, IHubContext<CollabHub, ICollabClient> hub, IAuditLog audit, ILogger<DocumentConnections> logger,
    Microsoft.Extensions.Options.IOptions<Grains.Documents.DocumentGrainOptions> documentOptions)
{
    /// <summary>How long a released observer reference stays alive: at most until the grain forgets an observer
    /// whose unsubscription it never got.</summary>
    private readonly TimeSpan _releasedObserverLifetime = documentOptions.Value.ObserverExpiry;

    private readonly IHubContext<CollabHub, ICollabClient> _hub = hub;
    private readonly ConcurrentDictionary<string, HostDocument> _documents = new(StringComparer.Ordinal);
    // connection id → (document id → username)
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<string, string>> _connections = new(StringComparer.Ordinal);
    // connection id → its hub context and session, so the connections of a deactivated user or an ended session can be closed
    private readonly ConcurrentDictionary<string, HubCaller> _callers = new(StringComparer.Ordinal);

    public static string GroupName(string documentId) => "doc:" + documentId;

    /// <summary>Documents with a live observer on this host (for tests and diagnostics).</summary>
    public int OpenDocumentCount => _documents.Count;

    public async Task<JoinResult> JoinAsync(string connectionId, string username, string documentId)
    {
        if (!IsLive(connectionId)) return new JoinResult(null, null, Guid.Empty);
        var join = await cluster.GetGrain<IDocumentGrain>(documentId).Join(username, connectionId);
        if (join.Role is null) return join;
        // Sized for the usual one document per connection (the default table is 31 buckets and a lock per core).
        var documents = _connections.GetOrAdd(connectionId, _ => new ConcurrentDictionary<string, string>(concurrencyLevel: 1, capacity: 1, StringComparer.Ordinal));
        if (documents.TryAdd(documentId, username))
        {
            await _hub.Groups.AddToGroupAsync(connectionId, GroupName(documentId));
            await AcquireAsync(documentId);
        }
        return join;
    }

    public bool TryGetMembership(string connectionId, string documentId, [NotNullWhen(true)] out string? username)
    {
        username = null;
        return _connections.TryGetValue(connectionId, out var documents) && documents.TryGetValue(documentId, out username);
    }

    /// <summary>The document's grain, from the open document's entry when there is one: a frame's hot path should not
    /// resolve a grain reference anew (Orleans looks up the interface's grain type by reflection).</summary>
    public IDocumentGrain DocumentGrain(string documentId) =>
        _documents.TryGetValue(documentId, out var document) ? document.Grain : cluster.GetGrain<IDocumentGrain>(documentId);

    public async Task LeaveAsync(string connectionId, string documentId)
    {
        if (!_connections.TryGetValue(connectionId, out var documents) || !documents.TryRemove(documentId, out _)) return;
        await _hub.Groups.RemoveFromGroupAsync(connectionId, GroupName(documentId));
        await cluster.GetGrain<IDocumentGrain>(documentId).Leave(connectionId);
        await ReleaseAsync(documentId);
    }

    public void Connected(HubCallerContext caller)
    {
        ArgumentNullException.ThrowIfNull(caller);
        _callers[caller.ConnectionId] = new HubCaller(caller);
    }

    /// <summary>False once the connection's session has ended or its access token expired: from then on it may do
    /// nothing more (it is being closed).</summary>
    public bool IsLive(string connectionId) => _callers.TryGetValue(connectionId, out var caller) && !caller.Ended;

    /// <summary>The connection presented a fresh access token of its own session: it may live until that one expires.</summary>
    public bool Renew(string connectionId, DateTimeOffset expiresAt)
    {
        if (!_callers.TryGetValue(connectionId, out var caller) || caller.Ended) return false;
        if (expiresAt > caller.ExpiresAt) caller.ExpiresAt = expiresAt;
        return true;
    }

    /// <summary>Every open document of the user's connections (their own and link sessions bound to them) gets
    /// <c>Revoked</c>, then the connections are closed.</summary>
    public async Task AbortUserAsync(string username, string reason)
    {
        foreach (var (connectionId, caller) in _callers)
        {
            if (caller.Accountable == username) await EndConnectionAsync(connectionId, caller, reason);
        }
    }

    /// <summary>Closes the connections of these sessions of the user (null: of all their sessions), link sessions
    /// bound to them included.</summary>
    public async Task EndSessionsAsync(string username, IReadOnlyCollection<string>? sessionIds, string reason)
    {
        foreach (var (connectionId, caller) in _callers)
        {
            if (caller.Accountable != username) continue;
            if (sessionIds is not null && (caller.SessionId is null || !sessionIds.Contains(caller.SessionId))) continue;
            await EndConnectionAsync(connectionId, caller, reason);
        }
    }

    /// <summary>Closes the connections whose access token expired without being renewed. Returns how many.</summary>
    public async Task<int> EndExpiredAsync(DateTimeOffset now)
    {
        var count = 0;
        foreach (var (connectionId, caller) in _callers)
        {
            if (caller.Ended || caller.ExpiresAt > now) continue;
            // Not a loss of access: the client reconnects with a fresh token and joins its documents again.
            await EndConnectionAsync(connectionId, caller, reason: null);
            count++;
        }
        return count;
    }

    /// <param name="reason">Sent with <c>Revoked</c> for every open document; null closes the connection without it.</param>
    private async Task EndConnectionAsync(string connectionId, HubCaller caller, string? reason)
    {
        if (caller.Ended) return;
        caller.Ended = true;
        if (reason is null)
        {
            caller.Context.Abort();
            return;
        }
        if (_connections.TryGetValue(connectionId, out var documents))
        {
            foreach (var documentId in documents.Keys) await RevokeConnectionAsync(documentId, connectionId, reason);
        }
        // A revocation sent by the document path may still be on its way to this connection: let it go out first.
        _ = Task.Delay(AbortGrace).ContinueWith(_ => caller.Context.Abort(), TaskScheduler.Default);
    }

    /// <summary>Open hub connections on this host.</summary>
    public int ConnectionCount => _callers.Count;

    /// <summary>Closes every hub connection (the host is stopping); their clients reconnect elsewhere. Returns how many.</summary>
    public int AbortAll()
    {
        var count = 0;
        foreach (var (_, caller) in _callers)
        {
            caller.Context.Abort();
            count++;
        }
        return count;
    }

    /// <summary>Time between a deactivated user's last <c>Revoked</c> and closing their connection.</summary>
    private static readonly TimeSpan AbortGrace = TimeSpan.FromMilliseconds(250);

    public async Task DisconnectedAsync(string connectionId)
    {
        _callers.TryRemove(connectionId, out _);
        if (!_connections.TryRemove(connectionId, out var documents)) return;
        foreach (var documentId in documents.Keys)
        {
            try
            {
                await cluster.GetGrain<IDocumentGrain>(documentId).Leave(connectionId);
            }
            catch (Exception ex) when (ex is OrleansException or TimeoutException)
            {
                LogCallFailed(ex, documentId);
            }
            await ReleaseAsync(documentId);
        }
    }

    /// <summary>Withdraws one connection's access: no more frames for the document, then <c>Revoked</c>.</summary>
    public async Task RevokeConnectionAsync(string documentId, string connectionId, string reason)
    {
        if (!_connections.TryGetValue(connectionId, out var documents) || !documents.TryRemove(documentId, out var principal)) return;
        await _hub.Groups.RemoveFromGroupAsync(connectionId, GroupName(documentId));
        await ReleaseAsync(documentId);
        await _hub.Clients.Client(connectionId).Revoked(documentId, reason);
        HubMetrics.AccessChanges.Add(1, HubMetrics.Change("revoked"));
        try
        {
            var detail = $"live connection revoked ({reason})";
            if (_callers.TryGetValue(connectionId, out var caller) && caller.Context.User is { } user) detail = Api.AuditRecorder.WithRedeemer(user, detail)!;
            await audit.AppendAsync(new AuditEntry(principal, AuditActions.Revoked, documentId, detail));
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The revocation itself has happened; a failed audit write must not undo or block it.
            LogAuditFailed(ex, documentId);
        }
    }

    /// <summary>Tells the user's connections to the document their new role.</summary>
    private async Task ChangeRoleAsync(string documentId, string username, DocumentRole role)
    {
        foreach (var (connectionId, documents) in _connections)
        {
            if (documents.TryGetValue(documentId, out var member) && member == username)
            {
                await _hub.Clients.Client(connectionId).RoleChanged(documentId, role.ToWire());
                HubMetrics.AccessChanges.Add(1, HubMetrics.Change("role_changed"));
            }
        }
    }

    private async Task RevokeUserAsync(string documentId, string username)
    {
        foreach (var (connectionId, documents) in _connections)
        {
            if (documents.TryGetValue(documentId, out var member) && member == username)
            {
                await RevokeConnectionAsync(documentId, connectionId, "removed");
            }
        }
    }

    /// <summary>A grain answered with a different activation epoch: it was reactivated and forgot our observer.</summary>
    public void ObserveEpoch(string documentId, Guid epoch)
    {
        // A new activation, or the first answer after calls failed: re-subscribe, which catches the connections up.
        if (_documents.TryGetValue(documentId, out var document) && (document.Epoch != epoch || document.Unreachable))
        {
            _ = ResubscribeAsync(document);
        }
    }

    /// <summary>A call to the document's grain failed (timeout, silo unreachable): broadcasts may have been lost
    /// meanwhile, so the next successful subscription runs the catch-up.</summary>
    public void MarkUnreachable(string documentId)
    {
        if (_documents.TryGetValue(documentId, out var document)) document.Unreachable = true;
    }

    public async Task RefreshAllAsync()
    {
        foreach (var document in _documents.Values)
        {
            try
            {
                await ResubscribeAsync(document);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // E.g. the grain cannot activate while the database is down: try again on the next tick, and keep
                // refreshing the other documents (an exception here would stop the refresh service, and the host).
                document.Unreachable = true;
                LogCallFailed(ex, document.Id);
            }
        }
    }

    private async Task AcquireAsync(string documentId)
    {
        while (true)
        {
            var document = _documents.GetOrAdd(documentId, id => new HostDocument(id, cluster.GetGrain<IDocumentGrain>(id), this));
            await document.Gate.WaitAsync();
            try
            {
                // Lost a race with the last release of this entry: take a fresh one.
                if (document.Closed) continue;
                document.References++;
                if (document.References == 1)
                {
                    document.Reference = cluster.CreateObjectReference<IDocumentObserver>(document);
                    document.Epoch = await cluster.GetGrain<IDocumentGrain>(documentId).Subscribe(document.Reference);
                }
                return;
            }
            finally
            {
                document.Gate.Release();
            }
        }
    }

    private async Task ReleaseAsync(string documentId)
    {
        if (!_documents.TryGetValue(documentId, out var document)) return;
        await document.Gate.WaitAsync();
        try
        {
            if (document.Closed || --document.References > 0) return;
            document.Closed = true;
            _documents.TryRemove(new KeyValuePair<string, HostDocument>(documentId, document));
            if (document.Reference is { } reference)
            {
                try
                {
                    await cluster.GetGrain<IDocumentGrain>(documentId).Unsubscribe(reference);
                }
                catch (Exception ex) when (ex is OrleansException or TimeoutException)
                {
                    LogCallFailed(ex, documentId);
                }
                // Broadcasts the grain sent before it processed the unsubscription are one-way messages still on
                // their way to this reference; deleting it now makes Orleans log each of them as an "Unexpected
                // target grain" error. The closed document ignores them until the reference is deleted.
                _ = DeleteReferenceLaterAsync(reference);
            }
        }
        finally
        {
            document.Gate.Release();
        }
    }

    private async Task DeleteReferenceLaterAsync(IDocumentObserver reference)
    {
        try
        {
            await Task.Delay(_releasedObserverLifetime);
            cluster.DeleteObjectReference<IDocumentObserver>(reference);
        }
        catch (Exception ex) when (ex is ObjectDisposedException or OrleansException)
        {
            // The host is stopping: the client and its references go away with it.
        }
    }

    /// <summary>
    /// The activation this host subscribed to is deactivating (e.g. its silo is stopping): re-subscribe at once, which
    /// activates the document elsewhere and runs the reactivation catch-up. Retried briefly, because the call can
    /// meet a cluster still in transition; the refresh timer remains the last resort.
    /// </summary>
    private async Task HandOffAsync(HostDocument document, Guid epoch)
    {
        try
        {
            for (var attempt = 0; attempt < HandOffAttempts; attempt++)
            {
                if (document.Closed || document.Epoch != epoch) return;
                if (await ResubscribeAsync(document)) return;
                await Task.Delay(HandOffRetryDelay);
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Nobody awaits this; the refresh timer tries again.
            LogCallFailed(ex, document.Id);
        }
    }

    private const int HandOffAttempts = 10;
    private static readonly TimeSpan HandOffRetryDelay = TimeSpan.FromMilliseconds(500);

    /// <summary>Renews the subscription; false if the grain call failed (logged).</summary>
    private async Task<bool> ResubscribeAsync(HostDocument document)
    {
        await document.Gate.WaitAsync();
        try
        {
            if (document.Closed || document.Reference is null) return true;
            var grain = cluster.GetGrain<IDocumentGrain>(document.Id);
            var previous = document.Epoch;
            document.Epoch = await grain.Subscribe(document.Reference);
            if (document.Epoch != previous || document.Unreachable)
            {
                // A new activation: whatever it broadcast before this subscription never reached this host. The
                // same holds after calls to the grain failed (a network split between this host and the silos): the
                // activation may have lived on and broadcast to an observer it could not reach.
                // Updates are idempotent, so the full state catches every local connection up. The new activation
                // also lacks whatever the old one accepted but never made durable (those senders got an error), so
                // the grain's sync step 1 asks every client for what it has that the grain does not.
                var group = _hub.Clients.Group(GroupName(document.Id));
                foreach (var frame in await grain.CatchUp())
                {
                    await group.Receive(document.Id, frame);
                }
                document.Unreachable = false;
            }
            return true;
        }
        catch (Exception ex) when (ex is OrleansException or TimeoutException)
        {
            document.Unreachable = true;
            LogCallFailed(ex, document.Id);
            return false;
        }
        finally
        {
            document.Gate.Release();
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Recording the revocation of a connection to document {DocumentId} in the audit log failed")]
    private partial void LogAuditFailed(Exception exception, string documentId);

        [LoggerMessage(Level = LogLevel.Warning, Message = "Grain call for document {DocumentId} failed")]
    private partial void LogCallFailed(Exception exception, string documentId);

    /// <summary>Broadcast batches of one document whose writes may still be pending before the host waits for the oldest.</summary>
    private const int MaxBatchesInFlight = 64;

    /// <summary>The observer of one open document on this host.</summary>
    private sealed class HostDocument(string id, IDocumentGrain grain, DocumentConnections owner) : IDocumentObserver
    {
        public string Id { get; } = id;
        public IDocumentGrain Grain { get; } = grain;
        private readonly string _group = GroupName(id);
        public SemaphoreSlim Gate { get; } = new(1, 1);
        public int References { get; set; }
        public bool Closed { get; set; }
        public IDocumentObserver? Reference { get; set; }
        public Guid Epoch { get; set; }
        /// <summary>A subscription refresh failed: the next one that succeeds catches the local connections up.</summary>
        public bool Unreachable { get; set; }

        public Task OnBroadcast(DocumentBroadcast broadcast)
        {
            // Sent before the grain saw this host's unsubscription; a newer subscription gets its own copy.
            if (Closed) return Task.CompletedTask;
            var group = _group;
            // Recipients of the frames of one tick are disjoint per frame kind, so the sends may overlap.
            var sends = new List<Task>(broadcast.Frames.Count);
            foreach (var frame in broadcast.Frames)
            {
                HubMetrics.FanOutFrames.Add(1);
                HubMetrics.FanOutBytes.Add(frame.Frame.Length);
                if (frame.To is { } to)
                {
                    // Only to a connection that (still) has the document open on this host.
                    if (owner.TryGetMembership(to, Id, out _)) sends.Add(owner._hub.Clients.Client(to).Receive(Id, frame.Frame));
                    continue;
                }
                var clients = frame.Except.Count == 0 ? owner._hub.Clients.Group(group) : owner._hub.Clients.GroupExcept(group, frame.Except);
                sends.Add(clients.Receive(Id, frame.Frame));
            }
            // The writes are queued on every connection, in this order, by the calls above. Waiting for the slowest
            // connection's socket before taking the next batch would make one slow reader delay everyone; so the
            // next batch goes out at once, and only when many batches are still unwritten does this wait (bounded
            // memory for a stalled connection).
            return _sends.Track(sends.Count == 1 ? sends[0] : Task.WhenAll(sends));
        }

        private readonly SendWindow _sends = new(MaxBatchesInFlight);

        public Task OnAccessChanged(string documentId, string username, DocumentRole? role) =>
            Closed ? Task.CompletedTask : role is { } newRole ? owner.ChangeRoleAsync(documentId, username, newRole) : owner.RevokeUserAsync(documentId, username);

        public Task OnNotice(string resourceId, string kind, string payload) =>
            Closed ? Task.CompletedTask : Notices.SendAsync(owner._hub.Clients.Group(GroupName(Id)), Id, kind, payload);

        public Task OnDeactivated(string documentId, Guid epoch)
        {
            // Not awaited: the re-subscription waits for the old activation to finish deactivating, and this
            // callback must not hold up the ones behind it.
            _ = owner.HandOffAsync(this, epoch);
            return Task.CompletedTask;
        }
    }
}

/// <summary>A hub connection as this host tracks it: who answers for it, the session (<c>sid</c>) it belongs to and
/// until when its access token (or the last one it renewed with) is valid.</summary>
internal sealed class HubCaller(HubCallerContext context)
{
    public HubCallerContext Context { get; } = context;
    public string? Accountable { get; } = context.User?.Accountable();
    public string? SessionId { get; } = context.User?.FindFirstValue(CollabClaims.SessionId);
    private long _expiresAt = TokenExpiry(context.User).ToUnixTimeSeconds();
    public volatile bool Ended;

    public DateTimeOffset ExpiresAt
    {
        get => DateTimeOffset.FromUnixTimeSeconds(Volatile.Read(ref _expiresAt));
        set => Volatile.Write(ref _expiresAt, value.ToUnixTimeSeconds());
    }

    /// <summary>The token's <c>exp</c>; a principal without one (none passes validation) counts as expired.</summary>
    public static DateTimeOffset TokenExpiry(ClaimsPrincipal? user) =>
        long.TryParse(user?.FindFirstValue("exp"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var seconds)
            ? DateTimeOffset.FromUnixTimeSeconds(seconds)
            : DateTimeOffset.MinValue;
}

/// <summary>Tracks unfinished fan-out batches of one document; waits for the oldest once the window is full.</summary>
internal sealed class SendWindow(int size)
{
    private readonly Queue<Task> _pending = new();
    private readonly Lock _gate = new();

    public Task Track(Task batch)
    {
        Task? oldest = null;
        lock (_gate)
        {
            while (_pending.TryPeek(out var head) && head.IsCompleted) _pending.Dequeue();
            if (!batch.IsCompleted) _pending.Enqueue(batch);
            if (_pending.Count > size) oldest = _pending.Dequeue();
        }
        return oldest ?? Task.CompletedTask;
    }
}
