using Microsoft.Extensions.Logging;
using Orleans.Runtime;
using Orleans.Utilities;

namespace Spotter.Collab.Grains.Access;

/// <summary>
/// The organisation's access model (<see cref="Organization"/>) persisted as rows through <see cref="IAccessStore"/>
/// (each change writes only the rows it touched; the blob of older versions is imported once). Every change goes to
/// each silo's copy (<see cref="AccessReaderGrain"/>) before it returns; the copies answer decisions and joins and
/// push new roles to the documents with connections open on their silo. Web hosts subscribe here for deactivations
/// and tree changes.
/// Not reentrant, but every mutation and hot-path read is [AlwaysInterleave]: each applies to the in-memory model
/// synchronously, within one turn, so they still happen one at a time, and none waits for another's write (mutations
/// wait for their own, which group-commits the rows of all changes made meanwhile). Reads marked [ReadOnly]
/// interleave with each other.
/// </summary>
public sealed partial class OrganizationGrain : Grain, IOrganizationGrain, IAccessReplicaSource
{
    /// <summary>Host observers not refreshed within this time are dropped (hosts refresh at a third of it).</summary>
    public static readonly TimeSpan ObserverExpiry = IOrganizationGrain.ObserverExpiry;

    /// <summary>Longest single wait of the link-expiry timer; a later expiry is waited for in steps (timers cannot
    /// wait arbitrarily long, and a step is cheap).</summary>
    private static readonly TimeSpan LongestExpiryWait = TimeSpan.FromHours(1);

    /// <summary>How long a change waits for a replica to take it before dropping that replica.</summary>
    private static readonly TimeSpan ReplicaAnswerTimeout = TimeSpan.FromSeconds(2);

    // The model as one blob: older versions' storage, read once to import it into the rows; the whole storage where
    // no access store is registered (hosts with Orleans' own grain storage only).
    private readonly IPersistentState<OrganizationState> _state;
    private readonly IAccessStore? _store;
    private readonly ILogger<OrganizationGrain> _logger;
    private readonly TimeProvider _time;
    private readonly ObserverManager<IOrganizationObserver> _observers;
    private Organization _model = null!;
    // The timer that fires at the next share-link expiry, and the time it is set for.
    private IGrainTimer? _expiryTimer;
    private DateTimeOffset? _expiryTimerDue;
    // Links that expired up to this time have been enforced.
    private DateTimeOffset _expiriesEnforcedThrough;
    // Rows changed in memory and not yet handed to a write, and the completion of the write that will take them.
    private AccessRowKeys _pendingRows = new();
    // Whether some effective level may have changed in what the next write takes (the copies then re-check the
    // connections open on their silo).
    private bool _pendingAccessChanged;
    private TaskCompletionSource? _pendingWrite;
    private bool _writing;
    private bool _writeFailed;
    // The per-silo replicas of the model (AccessReaderGrain) and the version of the last change pushed to them,
    // counted from this activation (named by the epoch).
    // Each subscribed replica with the end of its lease: a replica answers from its copy only within its lease, so a
    // change that cannot reach one is complete once that lease has ended.
    private readonly Dictionary<IAccessReplicaObserver, DateTimeOffset> _replicas = [];
    private readonly Guid _epoch = Guid.NewGuid();
    private long _version;

    public OrganizationGrain(
        [PersistentState("organization")] IPersistentState<OrganizationState> state,
        ILogger<OrganizationGrain> logger,
        TimeProvider? time = null,
        IAccessStore? store = null)
    {
        _state = state;
        _store = store;
        _logger = logger;
        _time = time ?? TimeProvider.System;
        _observers = new ObserverManager<IOrganizationObserver>(ObserverExpiry, logger);
    }

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (_store is null)
        {
            _model = new Organization(_state.State, _time);
            // Opaque person ids must stay the same across restarts: their key is stored before the first one goes out.
            if (_model.PublicIdKeyCreated) await _state.WriteStateAsync(cancellationToken);
        }
        else if (await _store.LoadAsync(cancellationToken) is { } stored)
        {
            _model = new Organization(stored, _time);
            // The model may have added what must always exist (the administrator's entry, the person-id key).
            var repaired = _model.TakeChanges().Rows;
            if (!repaired.IsEmpty) await _store.SaveAsync(AccessRowChanges.Of(_model.State, repaired), cancellationToken);
        }
        else
        {
            // First activation on rows: the model is the blob of older versions (empty on a new installation).
            // Every row is written in one transaction before the blob is cleared; after a crash in between, the rows
            // exist and the leftover blob is never read again.
            _model = new Organization(_state.State, _time);
            _model.TakeChanges();
            await _store.SaveAsync(AccessRowChanges.All(_model.State), cancellationToken);
            if (_state.RecordExists)
            {
                LogImported(_model.State.Resources.Count);
                await _state.ClearStateAsync(cancellationToken);
            }
        }
        // Expiries before now were enforced by the previous activation, or are caught by the copies' and documents'
        // refresh.
        _expiriesEnforcedThrough = _time.GetUtcNow();
        ScheduleLinkExpiry();
        await base.OnActivateAsync(cancellationToken);
    }

    // ---------------- reads ----------------

    public Task<AccessDecision> Resolve(string resourceId, string principal) => Task.FromResult(_model.Resolve(resourceId, principal));

    public Task<IReadOnlyList<string>> FilterReadable(string principal, IReadOnlyList<string> resourceIds) =>
        Task.FromResult(_model.FilterReadable(principal, resourceIds));

    public Task<DocumentAccess?> DescribeDocument(string resourceId, string principal) => Task.FromResult(_model.DescribeDocument(resourceId, principal));

    public Task<ResourceInfo?> GetResource(string resourceId, string principal) => Task.FromResult(_model.Resource(resourceId, principal));

    public Task<IReadOnlyList<PersonView>> DescribePeople(string? viewer, IReadOnlyList<string> principals) =>
        Task.FromResult(_model.DescribePeople(viewer, principals));

    // The previews change the model and undo it within one synchronous call: no other call can observe it.
    public Task<OrgAnswer<AccessChange>> PreviewMove(string actor, string pageId, string parentId) =>
        Task.FromResult(_model.PreviewMove(actor, pageId, parentId));

    public Task<OrgAnswer<AccessChange>> PreviewRestricted(string actor, string resourceId, bool restricted) =>
        Task.FromResult(_model.PreviewRestricted(actor, resourceId, restricted));

    public Task<IReadOnlyList<DirectoryUser>> GetUsers() => Task.FromResult(_model.Users());

    public Task<DirectoryUser?> GetUser(string username) => Task.FromResult(_model.User(username));

    public Task<IReadOnlyList<DepartmentInfo>> GetDepartments() => Task.FromResult(_model.Departments());

    public Task<IReadOnlyList<GroupInfo>> GetGroups() => Task.FromResult(_model.Groups());

    public Task<IReadOnlyList<PartnerOrgInfo>> GetPartners() => Task.FromResult(_model.Partners());

    public Task<SharingPolicy> GetPolicy() => Task.FromResult(_model.Policy());

    public Task<OrgAnswer<IReadOnlyList<DirectoryHit>>> SearchDirectory(string actor, string query) => Task.FromResult(_model.SearchDirectory(actor, query));

    public Task<IReadOnlyList<string>> GetDeactivatedUsers() => Task.FromResult(_model.DeactivatedUsers());

    public Task<UserPreview?> Preview(string username) =>
        Task.FromResult(_model.State.Users.ContainsKey(username) ? _model.Evaluator.Preview(username) : null);

    public Task<IReadOnlyList<TreeNode>> ListSpaces(string principal) => Task.FromResult(_model.Spaces(principal));

    public Task<SpaceTree?> GetTree(string principal, string spaceId) => Task.FromResult(_model.Tree(principal, spaceId));

    public Task<OrgAnswer<IReadOnlyList<TreeNode>>> GetTrash(string actor, string spaceId) => Task.FromResult(_model.Trash(actor, spaceId));

    public Task<bool> CanSeeSpace(string principal, string spaceId) => Task.FromResult(_model.CanSeeSpace(principal, spaceId));

    public Task<IReadOnlyList<string>> WhoCanSeeSpace(string spaceId, IReadOnlyList<string> principals)
    {
        ArgumentNullException.ThrowIfNull(principals);
        return Task.FromResult<IReadOnlyList<string>>(principals.Where(p => _model.CanSeeSpace(p, spaceId)).ToList());
    }

    public Task<OrgAnswer<IReadOnlyList<GrantView>>> GetGrants(string actor, string resourceId) => Task.FromResult(_model.Grants(actor, resourceId));

    public Task<OrgAnswer<IReadOnlyList<AccessExplanation>>> Explain(string actor, string resourceId) => Task.FromResult(_model.Explain(actor, resourceId));

    public Task<OrgAnswer<IReadOnlyList<ShareLinkInfo>>> GetLinks(string actor, string resourceId) => Task.FromResult(_model.Links(actor, resourceId));

    public Task<IReadOnlyList<ShareLinkInfo>> GetActiveLinks() => Task.FromResult(_model.ActiveLinks());

    public Task<OrgAnswer<LinkRedemption>> RedeemLink(string token, string? password, string? redeemer) =>
        Task.FromResult(_model.RedeemLink(token, password, redeemer));

    // ---------------- mutations ----------------

    public Task<OrgResult> AddUser(DirectoryUser user) => MutateAsync(() => _model.AddUser(user), r => r.IsOk);

    public Task<OrgResult> UpdateUser(string username, UserChange change) => MutateAsync(() => _model.UpdateUser(username, change), r => r.IsOk);

    public Task<OrgResult> SetDeactivated(string username, bool deactivated) => MutateAsync(() => _model.SetDeactivated(username, deactivated), r => r.IsOk);

    public Task<OrgResult> CreateDepartment(string name, string? parentId) => MutateAsync(() => _model.CreateDepartment(name, parentId), r => r.IsOk);

    public Task<OrgResult> UpdateDepartment(string id, string? name, string? parentId) => MutateAsync(() => _model.UpdateDepartment(id, name, parentId), r => r.IsOk);

    public Task<OrgResult> DeleteDepartment(string id) => MutateAsync(() => _model.DeleteDepartment(id), r => r.IsOk);

    public Task<OrgResult> CreateGroup(string name) => MutateAsync(() => _model.CreateGroup(name), r => r.IsOk);

    public Task<OrgResult> DeleteGroup(string id) => MutateAsync(() => _model.DeleteGroup(id), r => r.IsOk);

    public Task<OrgResult> SetGroupMember(string groupId, string username, bool member) => MutateAsync(() => _model.SetGroupMember(groupId, username, member), r => r.IsOk);

    public Task<OrgResult> CreatePartner(string name) => MutateAsync(() => _model.CreatePartner(name), r => r.IsOk);

    public Task<OrgResult> UpdatePartner(string id, string name) => MutateAsync(() => _model.UpdatePartner(id, name), r => r.IsOk);

    public Task<OrgResult> DeletePartner(string id) => MutateAsync(() => _model.DeletePartner(id), r => r.IsOk);

    public Task<OrgResult> SetPolicy(SharingPolicy policy) => MutateAsync(() => _model.SetPolicy(policy), r => r.IsOk);

    public Task<bool> RegisterDocument(string documentId, string owner, string title) => MutateAsync(() => _model.RegisterDocument(documentId, owner, title), r => r);

    public Task<OrgResult> SetUserGrant(string actor, string resourceId, string username, AccessLevel? level) =>
        MutateAsync(() => _model.SetUserGrant(actor, resourceId, username, level), r => r.IsOk);

    public Task<OrgResult> CreateSpace(string actor, string name) => MutateAsync(() => _model.CreateSpace(actor, name), r => r.IsOk);

    public Task<OrgResult> CreatePage(string actor, string spaceId, string? parentId, string title, int? index) =>
        MutateAsync(() => _model.CreatePage(actor, spaceId, parentId, title, index), r => r.IsOk);

    public Task<OrgResult> RenameResource(string actor, string resourceId, string title) => MutateAsync(() => _model.RenameResource(actor, resourceId, title), r => r.IsOk);

    public Task<OrgResult> MovePage(string actor, string pageId, string parentId, int? index) => MutateAsync(() => _model.MovePage(actor, pageId, parentId, index), r => r.IsOk);

    public Task<OrgResult> SetTrashed(string actor, string pageId, bool trashed) => MutateAsync(() => _model.SetTrashed(actor, pageId, trashed), r => r.IsOk);

    public Task<OrgAnswer<GrantInfo>> AddGrant(string actor, string resourceId, string principal, AccessLevel level) =>
        MutateAsync(() => _model.AddGrant(actor, resourceId, principal, level), r => r.IsOk);

    public Task<OrgResult> RemoveGrant(string actor, string resourceId, string grantId) => MutateAsync(() => _model.RemoveGrant(actor, resourceId, grantId), r => r.IsOk);

    public Task<OrgResult> UpdateSettings(string actor, string resourceId, bool? restricted, bool? noExport, HistoryAudience? history = null, bool? guestHistory = null) =>
        MutateAsync(() => _model.UpdateSettings(actor, resourceId, restricted, noExport, history, guestHistory), r => r.IsOk);

    public Task<OrgAnswer<CreatedLink>> CreateLink(string actor, string resourceId, LinkScope scope, AccessLevel role, string? password, DateTimeOffset? expiresAt) =>
        MutateAsync(() => _model.CreateLink(actor, resourceId, scope, role, password, expiresAt), r => r.IsOk);

    public Task<OrgAnswer<ShareLinkInfo>> RevokeLink(string actor, string linkId) => MutateAsync(() => _model.RevokeLink(actor, linkId), r => r.IsOk);

    /// <summary>Runs one model mutation; when it succeeded, persists the state and enforces its effects. The change
    /// is applied in memory within the caller's turn (mutations are synchronous, so they still apply one at a time),
    /// then waits for its write together with whatever else changed meanwhile: a mutation does not hold the
    /// activation while its rows are written, so concurrent creators share one write instead of queueing for one
    /// each.</summary>
    private async Task<T> MutateAsync<T>(Func<T> mutation, Func<T, bool> succeeded)
    {
        // Memory is ahead of storage after a failed write: refuse further changes until the grain reloads.
        if (_writeFailed) throw new InvalidOperationException("The organisation's state could not be written; it is being reloaded.");
        var result = mutation();
        var changes = _model.TakeChanges();
        if (!succeeded(result)) return result;
        if (_store is null || !changes.Rows.IsEmpty) await PersistAsync(changes.Rows, changes.AccessChanged);
        Enforce(changes);
        ScheduleLinkExpiry();
        return result;
    }

    /// <summary>Adds the rows to the next write and returns when a write containing them is durable and every copy
    /// has it (and has re-checked its open connections when <paramref name="accessChanged"/>).</summary>
    private Task PersistAsync(AccessRowKeys rows, bool accessChanged)
    {
        _pendingRows.UnionWith(rows);
        _pendingAccessChanged |= accessChanged;
        _pendingWrite ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var durable = _pendingWrite.Task;
        if (!_writing) _ = WriteLoopAsync();
        return durable;
    }

    /// <summary>One write at a time, in order, on the grain's scheduler: each takes every row changed since the
    /// previous one as it is now in the model (a row changed twice is written once, in its latest form).</summary>
    private async Task WriteLoopAsync()
    {
        _writing = true;
        try
        {
            while (_pendingWrite is { } write)
            {
                var rows = _pendingRows;
                var accessChanged = _pendingAccessChanged;
                _pendingRows = new AccessRowKeys();
                _pendingAccessChanged = false;
                _pendingWrite = null;
                try
                {
                    var changes = AccessRowChanges.Of(_model.State, rows);
                    var update = new AccessUpdate(_epoch, ++_version, changes, accessChanged);
                    // No rows: a link expired, which only the copies' re-check of open connections needs to hear.
                    var durable = _store is null ? _state.WriteStateAsync() : rows.IsEmpty ? Task.CompletedTask : _store.SaveAsync(changes);
                    // The callers get their answer once every replica has the change too: the next decision
                    // anywhere sees it.
                    await Task.WhenAll(durable, PublishAsync(update));
                    write.SetResult();
                }
                catch (Exception ex)
                {
                    // Memory is ahead of storage: start over from the stored state on the next call.
                    LogWriteFailed(ex);
                    _writeFailed = true;
                    await EndEpochForReplicasAsync();
                    write.SetException(ex);
                    _pendingWrite?.SetException(ex);
                    _pendingWrite = null;
                    DeactivateOnIdle();
                    return;
                }
            }
        }
        finally
        {
            _writing = false;
        }
    }

    // ---------------- replicas ----------------

    public Task<ReplicaHead> SubscribeReplica(IAccessReplicaObserver replica, TimeSpan lease)
    {
        // This activation is starting over from the store: a lease from it would outlive the versions it names.
        if (_writeFailed) throw new InvalidOperationException("The organisation's state could not be written; it is being reloaded.");
        // Counted from now, after the replica started counting its own: its lease ends before this one does.
        _replicas[replica] = _time.GetUtcNow() + AccessReplicaOptions.Clamp(lease);
        return Task.FromResult(new ReplicaHead(_epoch, _version));
    }

    public Task UnsubscribeReplica(IAccessReplicaObserver replica)
    {
        _replicas.Remove(replica);
        return Task.CompletedTask;
    }

    // Changes applied in memory but not yet published are in the snapshot and come again in the next update (the
    // same rows, taken later), so the snapshot's version is the last one published.
    public Task<AccessSnapshot> GetReplicaSnapshot() =>
        Task.FromResult(new AccessSnapshot(new ReplicaHead(_epoch, _version), AccessRowChanges.All(_model.State)));

    /// <summary>Pushes a change to every replica whose lease holds and waits for them.</summary>
    private Task PublishAsync(AccessUpdate update) => ReachReplicasAsync(r => r.Apply(update));

    /// <summary>Tells the replicas that this activation's versions end here (it is starting over from the store), so
    /// each reloads before its next answer instead of at the end of its lease.</summary>
    private async Task EndEpochForReplicasAsync()
    {
        var epoch = _epoch;
        await ReachReplicasAsync(r => r.EpochEnded(epoch));
        _replicas.Clear();
    }

    /// <summary>Sends to every replica whose lease holds and waits for them. One that does not answer in time is
    /// dropped, and the wait goes on until its lease has ended: past it, that replica asks the organisation grain
    /// again before answering and finds what it missed. A lapsed lease needs no message for the same reason.</summary>
    private async Task ReachReplicasAsync(Func<IAccessReplicaObserver, Task> send)
    {
        if (_replicas.Count == 0) return;
        var now = _time.GetUtcNow();
        var sends = new List<(IAccessReplicaObserver Replica, DateTimeOffset LeaseEnd, Task Sent)>(_replicas.Count);
        foreach (var (replica, leaseEnd) in _replicas)
        {
            if (leaseEnd <= now) continue;
            Task sent;
            try
            {
                sent = send(replica).WaitAsync(ReplicaAnswerTimeout, _time);
            }
            catch (Exception ex)
            {
                sent = Task.FromException(ex);
            }
            sends.Add((replica, leaseEnd, sent));
        }
        _replicas.Clear();
        foreach (var (replica, leaseEnd, _) in sends) _replicas[replica] = leaseEnd;
        var waitUntil = DateTimeOffset.MinValue;
        foreach (var (replica, leaseEnd, sent) in sends)
        {
            try
            {
                await sent;
            }
            catch (Exception ex)
            {
                // A replica that subscribed again meanwhile was told a version that includes this change, so it
                // reloads if it missed it; only the lease it held when this began needs waiting out.
                if (!_replicas.TryGetValue(replica, out var current) || current != leaseEnd) continue;
                LogReplicaDropped(ex);
                _replicas.Remove(replica);
                if (leaseEnd > waitUntil) waitUntil = leaseEnd;
            }
        }
        var wait = waitUntil - _time.GetUtcNow();
        if (wait > TimeSpan.Zero) await Task.Delay(wait, _time);
    }

    // ---------------- share-link expiry ----------------

    /// <summary>Sets the timer for the next expiry of a live link, so an expiring link is enforced on open
    /// connections when it expires, not at the documents' next access refresh (30 s).</summary>
    private void ScheduleLinkExpiry()
    {
        var now = _time.GetUtcNow();
        DateTimeOffset? next = null;
        foreach (var link in _model.State.Links.Values)
        {
            if (!link.Revoked && link.ExpiresAt is { } at && at > _expiriesEnforcedThrough && (next is null || at < next)) next = at;
        }
        if (next == _expiryTimerDue && _expiryTimer is not null) return;
        _expiryTimer?.Dispose();
        _expiryTimer = null;
        _expiryTimerDue = next;
        if (next is not { } due) return;
        var wait = due - now;
        wait = wait < TimeSpan.Zero ? TimeSpan.Zero : wait > LongestExpiryWait ? LongestExpiryWait : wait;
        _expiryTimer = this.RegisterGrainTimer(OnLinkExpiryAsync, new GrainTimerCreationOptions(wait, Timeout.InfiniteTimeSpan));
    }

    private Task OnLinkExpiryAsync(CancellationToken cancellationToken)
    {
        _expiryTimer?.Dispose();
        _expiryTimer = null;
        _expiryTimerDue = null;
        var now = _time.GetUtcNow();
        // Links expire when their time is reached (LinkIsLive: expiresAt <= now).
        var changes = new ChangeSet();
        foreach (var link in _model.State.Links.Values)
        {
            if (link.ExpiresAt is not { } at || at <= _expiriesEnforcedThrough || at > now) continue;
            changes.AccessChanged = true;
            if (_model.State.Resources.TryGetValue(link.ResourceId, out var resource) && _model.Evaluator.SpaceOf(resource) is { } space) changes.Spaces.Add(space.Id);
        }
        _expiriesEnforcedThrough = now;
        ScheduleLinkExpiry();
        return changes.AccessChanged ? PublishExpiryAsync(changes) : Task.CompletedTask;
    }

    /// <summary>Nothing to persist: expiry is computed from the stored time. An update without rows makes every copy
    /// re-check the connections open on its silo; hosts hear of the changed trees.</summary>
    private async Task PublishExpiryAsync(ChangeSet changes)
    {
        try
        {
            await PersistAsync(new AccessRowKeys(), accessChanged: true);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // Logged by the write loop; the copies catch up when they next renew their lease.
            return;
        }
        Enforce(changes);
    }

    // ---------------- host observers ----------------

    public Task<IReadOnlyList<string>> Subscribe(IOrganizationObserver observer)
    {
        _observers.Subscribe(observer, observer);
        return Task.FromResult(_model.DeactivatedUsers());
    }

    public Task Unsubscribe(IOrganizationObserver observer)
    {
        _observers.Unsubscribe(observer);
        return Task.CompletedTask;
    }

    public Task SessionsEnded(string username, IReadOnlyList<string>? sessionIds)
    {
        if (_observers.Count > 0) _ = _observers.Notify(o => o.OnSessionsEnded(username, sessionIds));
        return Task.CompletedTask;
    }

    /// <summary>Tells hosts about deactivations and changed spaces (open connections were re-checked by the copies
    /// before the change's write completed).</summary>
    private void Enforce(ChangeSet changes)
    {
        if (_observers.Count == 0) return;
        if (changes.DeactivatedUsersChanged)
        {
            var deactivated = _model.DeactivatedUsers();
            _ = _observers.Notify(o => o.OnDeactivatedUsers(deactivated));
        }
        var spaces = changes.Everything
            ? _model.State.Resources.Values.Where(r => r.Kind == ResourceKind.Space).Select(r => r.Id).ToList()
            : changes.Spaces.ToList();
        foreach (var space in spaces) _ = _observers.Notify(o => o.OnTreeChanged(space));
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Imported the organisation's access model ({Resources} resources) from its grain-state blob into rows")]
    private partial void LogImported(int resources);

    [LoggerMessage(Level = LogLevel.Error, Message = "Writing the organisation state failed; deactivating")]
    private partial void LogWriteFailed(Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "A replica of the access model did not take a change in time; dropped until it subscribes again")]
    private partial void LogReplicaDropped(Exception exception);
}
