using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Concurrency;
using Orleans.Runtime;
using Orleans.Utilities;
using Spotter.Collab.Crdt;
using Spotter.Collab.Crdt.Protocols;
using Spotter.Collab.Grains.Access;
using Spotter.Collab.Grains.Protocol;
using Spotter.Collab.Grains.Storage;
using Spotter.Collab.Grains.Telemetry;

namespace Spotter.Collab.Grains.Documents;

/// <summary>
/// The live resource core, the same for every resource kind: CRDT content (<see cref="DocumentState"/>), the
/// per-frame role check, participants, awareness, broadcast lanes, durable append with compaction, epochs and the
/// hand-off to the hosts. What a kind adds (a wiki page's versions and indexing, a board's projections) runs in the
/// <see cref="LiveResourceExtension"/> its <see cref="IResourceKind"/> attaches at activation, resolved from the id
/// by <see cref="ResourceKinds"/>.
/// Reentrant so that while one sender waits for its update to become durable, other frames keep flowing; every
/// state change happens synchronously inside a turn, and appends are queued in apply order.
/// </summary>
[Reentrant]
public sealed partial class DocumentGrain : Grain, IDocumentGrain, ILiveResource, IDisposable
{
    private readonly IPersistentState<DocumentRecord> _record;
    private readonly IDocumentStore _store;
    private readonly DocumentGrainOptions _options;
    private readonly ILogger<DocumentGrain> _logger;
    private readonly TimeProvider _time;
    private readonly ResourceKinds? _kinds;
    private LiveResourceExtension _extension = LiveResourceExtension.None;
    private KeyValuePair<string, object?> _kindTag = GrainMetrics.Kind("core");
    private bool _countedActive;
    private readonly ObserverManager<IDocumentObserver> _observers;
    private readonly AwarenessRelay _awareness;
    private readonly BroadcastBuffer _pending = new();
    private readonly Dictionary<string, Participant> _participants = [];
    // Role of every principal with a connection open, for the per-frame check; registered with this silo's access
    // copy, kept current by it (ApplyRoles) and re-read on the access refresh timer.
    private readonly Dictionary<string, DocumentRole> _roles = new(StringComparer.Ordinal);
    private readonly Guid _epoch = Guid.NewGuid();
    // The grain is reentrant: overlapping record writes would trip over each other's ETag.
    private readonly SemaphoreSlim _recordWrite = new(1, 1);
    private DocumentState? _content;
    private readonly BroadcastLane _contentLane;
    private readonly BroadcastLane _awarenessLane;
    // Both run only while someone has the document open: an idle activation without participants costs no ticks.
    private IGrainTimer? _accessTimer;
    private bool _accessRefreshing;
    private IGrainTimer? _idleTimer;
    private Task<long> _lastAppend = Task.FromResult(0L);
    private int _updatesSinceSnapshot;
    private long _bytesSinceSnapshot;
    private bool _compacting;

    public DocumentGrain(
        [PersistentState("document")] IPersistentState<DocumentRecord> record,
        IDocumentStore store,
        IOptions<DocumentGrainOptions> options,
        ILogger<DocumentGrain> logger,
        ResourceKinds? kinds = null,
        TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _kinds = kinds;
        _record = record;
        _store = store;
        _options = options.Value;
        _logger = logger;
        _time = timeProvider ?? TimeProvider.System;
        _observers = new ObserverManager<IDocumentObserver>(_options.ObserverExpiry, logger);
        _awareness = new AwarenessRelay(_options.Awareness, timeProvider ?? TimeProvider.System);
        _contentLane = new BroadcastLane(() => _options.TickFor(_participants.Count), timeProvider ?? TimeProvider.System);
        _awarenessLane = new BroadcastLane(_options.AwarenessTick, timeProvider ?? TimeProvider.System);
    }

    public string Id => this.GetPrimaryKeyString();

    private IOrganizationGrain Organization => GrainFactory.GetGrain<IOrganizationGrain>(IOrganizationGrain.Key);

    private IAccessReaderGrain AccessReader => GrainFactory.GetGrain<IAccessReaderGrain>(IAccessReaderGrain.Key);

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _contentLane.Timer = this.RegisterGrainTimer(() => FlushContent(), new GrainTimerCreationOptions(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan)
        {
            Interleave = true,
            KeepAlive = false,
        });
        _awarenessLane.Timer = this.RegisterGrainTimer(() => FlushAwareness(), new GrainTimerCreationOptions(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan)
        {
            Interleave = true,
            KeepAlive = false,
        });
        var kind = _kinds?.Resolve(Id);
        _extension = kind?.Attach(this) ?? LiveResourceExtension.None;
        if (kind is not null) _kindTag = GrainMetrics.Kind(kind.Name);
        // Only documents that exist load content; probes for missing ids stay cheap.
        if (_record.RecordExists)
        {
            await MigrateMembersAsync();
            var stored = await _store.LoadAsync(Id, cancellationToken);
            _content = DocumentState.Load(stored);
            _updatesSinceSnapshot = stored.Tail.Count;
            _bytesSinceSnapshot = stored.Tail.Sum(u => (long)u.Update.Length);
            CountActive();
            await RunHookAsync(_extension.OnLoadedAsync, nameof(LiveResourceExtension.OnLoadedAsync));
        }
        await base.OnActivateAsync(cancellationToken);
    }

    public async Task<bool> Create(string owner, string title)
    {
        if (_record.RecordExists) return false;
        // A resource with a place in the organisation (a page in a space) is registered before its grain is created;
        // then this is a no-op.
        await Organization.RegisterDocument(Id, owner, title);
        _record.State = new DocumentRecord { Title = title, CreatedAt = _time.GetUtcNow() };
        await _record.WriteStateAsync();
        _content ??= DocumentState.Load(await _store.LoadAsync(Id));
        CountActive();
        _extension.OnCreated();
        return true;
    }

    public async Task<DocumentInfo?> Describe(string username)
    {
        if (!_record.RecordExists) return null;
        return DocumentInfo.Of(Id, await AccessReader.DescribeDocument(Id, username));
    }

    public async Task<JoinResult> Join(string username, string connectionId)
    {
        if (await OpenAsync(username, connectionId) is not { } role) return new JoinResult(null, null, _epoch);
        return new JoinResult(role, Frames.Sync(SyncMessageType.Step1, Content.EncodeStateVector()), _epoch);
    }

    public async Task<FrameResult> Receive(string username, string connectionId, byte[] frame)
    {
        ArgumentNullException.ThrowIfNull(frame);
        // Joined connections use the cached role; anything else (e.g. after a reactivation) asks the organisation.
        var role = _participants.TryGetValue(connectionId, out var known) && known.Username == username && _roles.TryGetValue(username, out var cached)
            ? cached
            : await OpenAsync(username, connectionId);
        if (role is null) return Reject(RejectCodes.Forbidden, "no access to this document");
        ClientFrame parsed;
        try
        {
            parsed = Frames.Parse(frame);
        }
        catch (CrdtFormatException ex)
        {
            return Reject(RejectCodes.Malformed, ex.Message);
        }
        var payload = parsed.Payload;

        switch (parsed.Type)
        {
            case FrameType.Sync when parsed.SyncType == SyncMessageType.Step1:
                byte[] missing;
                try
                {
                    missing = Content.EncodeStateAsUpdate(payload.Span);
                }
                catch (CrdtFormatException ex)
                {
                    return Reject(RejectCodes.Malformed, ex.Message);
                }
                return Reply(Frames.Sync(SyncMessageType.Step2, missing));
            case FrameType.Sync:
                return await AcceptUpdateAsync(role.Value, connectionId, payload.ToArray(), username, fromClient: true);
            case FrameType.Awareness:
                var participant = await ParticipantAsync(connectionId, username);
                List<RelayedAwareness> accepted;
                try
                {
                    switch (_awareness.Apply(connectionId, participant.Identity, payload, out accepted))
                    {
                        case AwarenessOutcome.RateLimited:
                            return Reject(RejectCodes.RateLimited, "too many awareness updates");
                        case AwarenessOutcome.TooLarge:
                            return Reject(RejectCodes.TooLarge, $"awareness states are limited to {_options.Awareness.MaxStateBytes} bytes");
                    }
                }
                catch (CrdtFormatException ex)
                {
                    return Reject(RejectCodes.Malformed, ex.Message);
                }
                if (accepted.Count > 0)
                {
                    _pending.AddAwareness(connectionId, accepted);
                    if (_awarenessLane.Request()) _ = FlushAwareness();
                }
                return Reply(null);
            case FrameType.QueryAwareness:
                var states = _awareness.EncodeStates(connectionId);
                return Reply(states is null ? null : Frames.Awareness(states));
            default:
                return Reject(RejectCodes.Malformed, "unsupported message type");
        }
    }

    public async Task<FrameResult> ApplyUpdate(string username, byte[] update)
    {
        ArgumentNullException.ThrowIfNull(update);
        if (await ResolveAsync(username) is not { } role) return Reject(RejectCodes.Forbidden, "no access to this document");
        return await AcceptUpdateAsync(role, null, update, username, fromClient: true);
    }

    public Task Leave(string connectionId)
    {
        if (_participants.Remove(connectionId, out var participant))
        {
            GrainMetrics.Participants.Add(-1, _kindTag);
            if (!_participants.Values.Any(p => p.Username == participant.Username))
            {
                _roles.Remove(participant.Username);
                _ = AccessReader.CloseDocument(Id, [participant.Username]);
            }
        }
        RemoveAwareness(connectionId);
        if (_participants.Count > 0) return Task.CompletedTask;
        ScheduleIdleDeactivation();
        return RunHookAsync(_extension.OnLastParticipantLeftAsync, nameof(LiveResourceExtension.OnLastParticipantLeftAsync));
    }

    /// <summary>The last participant is gone: stop the access refresh and deactivate after
    /// <see cref="DocumentGrainOptions.IdleDeactivation"/> unless someone joins meanwhile.</summary>
    private void ScheduleIdleDeactivation()
    {
        StopAccessRefresh();
        _idleTimer ??= this.RegisterGrainTimer(DeactivateIfIdle, new GrainTimerCreationOptions(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan)
        {
            Interleave = true,
            KeepAlive = false,
        });
        _idleTimer.Change(_options.IdleDeactivation, Timeout.InfiniteTimeSpan);
    }

    private Task DeactivateIfIdle()
    {
        if (_participants.Count == 0) DeactivateOnIdle();
        return Task.CompletedTask;
    }

    private void StartAccessRefresh()
    {
        if (_accessRefreshing) return;
        _accessRefreshing = true;
        _accessTimer ??= this.RegisterGrainTimer(RefreshAccessAsync, new GrainTimerCreationOptions(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan)
        {
            Interleave = true,
            KeepAlive = false,
        });
        _accessTimer.Change(_options.AccessRefresh, _options.AccessRefresh);
    }

    private void StopAccessRefresh()
    {
        if (!_accessRefreshing) return;
        _accessRefreshing = false;
        _accessTimer?.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    public Task Notify(string kind, string payload)
    {
        ArgumentException.ThrowIfNullOrEmpty(kind);
        ArgumentNullException.ThrowIfNull(payload);
        return _observers.Notify(o => o.OnNotice(Id, kind, payload));
    }

    public Task<FrameResult> Execute(string principal, ResourceCommand command)
    {
        ArgumentNullException.ThrowIfNull(principal);
        ArgumentNullException.ThrowIfNull(command);
        return _extension.ExecuteAsync(this, principal, command);
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        await RunHookAsync(_extension.OnDeactivatingAsync, nameof(LiveResourceExtension.OnDeactivatingAsync));
        await HandOffAsync();
        if (_participants.Count > 0) GrainMetrics.Participants.Add(-_participants.Count, _kindTag);
        if (_countedActive) GrainMetrics.ResourcesOpen.Add(-1, _kindTag);
        _countedActive = false;
        // The next activation (maybe on another silo) registers its own connections with its silo's copy.
        if (_roles.Count > 0) _ = AccessReader.CloseDocument(Id, _roles.Keys.ToList());
        await base.OnDeactivateAsync(reason, cancellationToken);
    }

    /// <summary>Runs an extension hook; a failure is the kind's problem, logged, and never the caller's.</summary>
    private async Task RunHookAsync(Func<Task> hook, string name)
    {
        try
        {
            await hook();
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            LogExtensionFailed(ex, name, Id);
        }
    }

    public Task<MembershipResult> SetMember(string actor, string username, DocumentRole role) => ChangeMemberAsync(actor, username, role.ToLevel());

    public Task<MembershipResult> RemoveMember(string actor, string username) => ChangeMemberAsync(actor, username, null);

    private async Task<MembershipResult> ChangeMemberAsync(string actor, string username, AccessLevel? level)
    {
        if (!_record.RecordExists) return MembershipResult.NotFound;
        // The access copies re-evaluate open connections and call ApplyRoles back when a role changed.
        var result = await Organization.SetUserGrant(actor, Id, username, level);
        return result.Outcome switch
        {
            OrgOutcome.Ok => MembershipResult.Ok,
            OrgOutcome.NotFound => MembershipResult.NotFound,
            OrgOutcome.Forbidden => MembershipResult.Forbidden,
            OrgOutcome.Conflict => MembershipResult.LastOwner,
            _ => MembershipResult.Invalid,
        };
    }

    public Task ApplyRoles(IReadOnlyDictionary<string, DocumentRole?> roles)
    {
        ArgumentNullException.ThrowIfNull(roles);
        foreach (var (principal, role) in roles) ApplyRole(principal, role);
        return Task.CompletedTask;
    }

    /// <summary>Updates the per-frame check of a principal with open connections and tells the hosts.</summary>
    private void ApplyRole(string principal, DocumentRole? role)
    {
        if (!_roles.TryGetValue(principal, out var current)) return;
        if (role is { } newRole)
        {
            if (newRole == current) return;
            _roles[principal] = newRole;
        }
        else
        {
            // From here on every frame of this principal is refused; their awareness disappears for everyone.
            _roles.Remove(principal);
            foreach (var (connectionId, participant) in _participants.ToList())
            {
                if (participant.Username != principal) continue;
                _participants.Remove(connectionId);
                GrainMetrics.Participants.Add(-1, _kindTag);
                RemoveAwareness(connectionId);
            }
            if (_participants.Count == 0) ScheduleIdleDeactivation();
        }
        _ = _observers.Notify(o => o.OnAccessChanged(Id, principal, role));
    }

    /// <summary>Re-registers the open principals with this silo's access copy (it may have been reactivated and
    /// forgotten them) and catches up on any role change that did not reach this activation.</summary>
    private async Task RefreshAccessAsync()
    {
        if (_roles.Count == 0) return;
        IReadOnlyDictionary<string, AccessLevel> levels;
        try
        {
            levels = await AccessReader.RefreshOpen(Id, _roles.Keys.ToList());
        }
        catch (Exception ex) when (ex is OrleansException or TimeoutException)
        {
            LogAccessRefreshFailed(ex, Id);
            return;
        }
        foreach (var (principal, level) in levels) ApplyRole(principal, level.ToRole());
    }

    public async Task<RootReadResult> ReadRoot(string username, string name, RootKind kind)
    {
        if (await ResolveAsync(username) is null) return new RootReadResult(false, null);
        return new RootReadResult(true, Content.ReadRootJson(name, kind));
    }

    public Task<Guid> Subscribe(IDocumentObserver observer)
    {
        _observers.Subscribe(observer, observer);
        return Task.FromResult(_epoch);
    }

    public Task<byte[]> EncodeState() =>
        Task.FromResult(_content is null ? [] : _content.EncodeStateAsUpdate());

    public Task<IReadOnlyList<byte[]>> CatchUp()
    {
        var state = _content is null ? [] : _content.EncodeStateAsUpdate();
        return Task.FromResult<IReadOnlyList<byte[]>>(state.Length > 0
            ? [Frames.Sync(SyncMessageType.Update, state), Frames.Sync(SyncMessageType.Step1, Updates.StateVectorOf(state))]
            : [Frames.Sync(SyncMessageType.Step1, [0])]);
    }

    public Task Unsubscribe(IDocumentObserver observer)
    {
        _observers.Unsubscribe(observer);
        return Task.CompletedTask;
    }

    /// <summary>
    /// Tells the subscribed hosts that this activation is going away, so they re-subscribe at once (activating the
    /// document on another silo when this one is stopping) and run their reactivation catch-up; otherwise a host
    /// that only listens would find the next activation only on its refresh timer, with no live edits meanwhile.
    /// </summary>
    private async Task HandOffAsync()
    {
        try
        {
            // The next activation loads from the log: let the last issued append land first (a failed one was
            // answered as an error and is handled by its sender).
            await _lastAppend;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // Already logged by AcceptUpdateAsync.
        }
        // Content and awareness still waiting for their tick go out before the goodbye.
        await FlushContent();
        await FlushAwareness();
        await _observers.Notify(o => o.OnDeactivated(Id, _epoch));
    }

    private DocumentState Content => _content ?? throw new InvalidOperationException($"document {Id} has no content loaded");

    /// <summary>The principal's current role from this silo's copy of the access model (null: none, or no such
    /// document).</summary>
    private async Task<DocumentRole?> ResolveAsync(string principal)
    {
        if (!_record.RecordExists) return null;
        return (await AccessReader.Resolve(Id, principal)).Level.ToRole();
    }

    /// <summary>Registers the connection as open with this silo's access copy (no call to the organisation grain)
    /// and caches the principal's role.</summary>
    private async Task<DocumentRole?> OpenAsync(string principal, string connectionId)
    {
        if (!_record.RecordExists) return null;
        var role = (await AccessReader.OpenDocument(Id, principal)).Level.ToRole();
        if (role is null) return null;
        await ParticipantAsync(connectionId, principal);
        // Re-read after the await: a push from the access copy may have arrived meanwhile.
        if (_roles.TryGetValue(principal, out var pushed)) return pushed;
        _roles[principal] = role.Value;
        StartAccessRefresh();
        return role;
    }

    /// <summary>Documents from before the organisation grain kept their members in their own record: hand them
    /// over once as user grants.</summary>
    private async Task MigrateMembersAsync()
    {
        var members = _record.State.Members;
        if (members.Count == 0) return;
        var owner = members.FirstOrDefault(m => m.Value == DocumentRole.Owner).Key ?? members.Keys.First();
        if (await Organization.RegisterDocument(Id, owner, _record.State.Title))
        {
            foreach (var (username, role) in members)
            {
                if (username != owner) await Organization.SetUserGrant(owner, Id, username, role.ToLevel());
            }
        }
        members.Clear();
        await WriteRecordAsync();
    }

    /// <summary>
    /// Checks, applies, logs and (once durable) queues an update for broadcast. The apply happens in this turn;
    /// the durability wait lets other calls interleave. <paramref name="fromClient"/>: the kind's rules apply (the
    /// server's own updates may write what clients may not).
    /// </summary>
    private async Task<FrameResult> AcceptUpdateAsync(DocumentRole role, string? origin, byte[] update, string author, bool fromClient)
    {
        try
        {
            if (fromClient && _extension.ValidatesUpdates && role.CanEdit() && _extension.Validate(role, author, update) is { } rejection)
            {
                return Reject(rejection.Code, rejection.Detail);
            }
            switch (Content.ApplyIfAllowed(update, role.CanEdit()))
            {
                case UpdateOutcome.Unchanged:
                    return Reply(null);
                case UpdateOutcome.Refused:
                    return Reject(RejectCodes.ReadOnly, $"role {role.ToWire()} may not change the document");
            }
        }
        catch (CrdtFormatException ex)
        {
            return Reject(RejectCodes.Malformed, ex.Message);
        }

        var applied = System.Diagnostics.Stopwatch.GetTimestamp();
        var append = _store.AppendAsync(Id, update);
        _lastAppend = append;
        _updatesSinceSnapshot++;
        _bytesSinceSnapshot += update.Length;
        if (_options.RelayBeforeDurable) QueueBroadcast(origin, update);
        try
        {
            await append;
        }
        catch (Exception ex)
        {
            // The in-memory doc is ahead of the durable log: reload from the log on the next call. Whatever was
            // already relayed lives on in the clients that got it; the next activation's sync step 1 (sent by
            // every host when it resubscribes) asks them for it again.
            LogAppendFailed(ex, Id);
            DeactivateOnIdle();
            throw;
        }
        GrainMetrics.DurableAck.Record(System.Diagnostics.Stopwatch.GetElapsedTime(applied).TotalSeconds, _kindTag);
        GrainMetrics.UpdatesApplied.Add(1, _kindTag);
        GrainMetrics.UpdateBytes.Add(update.Length, _kindTag);
        if (!_options.RelayBeforeDurable) QueueBroadcast(origin, update);
        MaybeCompact();
        try
        {
            _extension.OnCommitted(author, update);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // The update is durable and relayed: the sender's answer must say so.
            LogExtensionFailed(ex, nameof(LiveResourceExtension.OnCommitted), Id);
        }
        return Reply(null);
    }

    private void QueueBroadcast(string? origin, byte[] update)
    {
        _pending.AddUpdate(origin, update);
        if (_contentLane.Request()) _ = FlushContent();
    }

    private void RemoveAwareness(string connectionId)
    {
        var removed = _awareness.RemoveConnection(connectionId);
        if (removed.Count == 0) return;
        _pending.AddAwareness(null, removed);
        if (_awarenessLane.Request()) _ = FlushAwareness();
    }

    private async Task<Participant> ParticipantAsync(string connectionId, string username)
    {
        if (_participants.TryGetValue(connectionId, out var known) && known.Username == username) return known;
        // Awareness goes to everyone on the resource, partners and link sessions too: it carries the opaque id and the
        // display name, never the username.
        var person = (await AccessReader.DescribePeople(null, [username]))[0];
        var participant = new Participant(username, new AwarenessIdentity(person.Id, person.DisplayName));
        _participants[connectionId] = participant;
        GrainMetrics.Participants.Add(1, _kindTag);
        _idleTimer?.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        return participant;
    }

    private Task FlushContent()
    {
        _contentLane.Flushed();
        return Broadcast(_pending.DrainUpdates(DocumentState.MergeUpdates));
    }

    private Task FlushAwareness()
    {
        _awarenessLane.Flushed();
        return Broadcast(_pending.DrainAwareness());
    }

    /// <summary>One one-way message per subscribed host, never per connection.</summary>
    private Task Broadcast(List<BroadcastFrame> frames)
    {
        if (frames.Count == 0) return Task.CompletedTask;
        var broadcast = new DocumentBroadcast(Id, frames);
        return _observers.Notify(o => o.OnBroadcast(broadcast));
    }

    private void MaybeCompact()
    {
        if (_compacting || (_updatesSinceSnapshot < _options.CompactAfterUpdates && _bytesSinceSnapshot < _options.CompactAfterBytes)) return;
        _compacting = true;
        // The snapshot covers exactly the updates applied so far, i.e. up to the last append issued.
        var snapshot = Content.EncodeStateAsUpdate();
        var coveredAppend = _lastAppend;
        _updatesSinceSnapshot = 0;
        _bytesSinceSnapshot = 0;
        _ = CompactAsync(snapshot, coveredAppend);
    }

    private async Task CompactAsync(byte[] snapshot, Task<long> coveredAppend)
    {
        try
        {
            var upTo = await coveredAppend;
            await _store.CompactAsync(Id, snapshot, upTo);
        }
        catch (Exception ex)
        {
            LogCompactionFailed(ex, Id);
        }
        finally
        {
            _compacting = false;
        }
    }

    public void Dispose() => _recordWrite.Dispose();

    private async Task WriteRecordAsync()
    {
        await _recordWrite.WaitAsync();
        try
        {
            await _record.WriteStateAsync();
        }
        finally
        {
            _recordWrite.Release();
        }
    }

    private FrameResult Reject(string code, string detail)
    {
        GrainMetrics.FramesRejected.Add(1, GrainMetrics.Code(code));
        return new(code, detail, null, _epoch);
    }

    private void CountActive()
    {
        if (_countedActive) return;
        _countedActive = true;
        GrainMetrics.ResourcesOpen.Add(1, _kindTag);
    }

    // Immutable and answered to most frames: one per activation instead of one per frame.
    private FrameResult? _accepted;

    private FrameResult Reply(byte[]? reply) => reply is null ? _accepted ??= new(null, null, null, _epoch) : new(null, null, reply, _epoch);

    [LoggerMessage(Level = LogLevel.Error, Message = "Appending an update of document {DocumentId} failed; deactivating")]
    private partial void LogAppendFailed(Exception exception, string documentId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Refreshing access of document {DocumentId} failed; retrying on the next tick")]
    private partial void LogAccessRefreshFailed(Exception exception, string documentId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Compacting document {DocumentId} failed; the log stays as is")]
    private partial void LogCompactionFailed(Exception exception, string documentId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The resource kind's {Hook} of {ResourceId} failed")]
    private partial void LogExtensionFailed(Exception exception, string hook, string resourceId);

    bool ILiveResource.Exists => _record.RecordExists;

    string ILiveResource.Title => _record.State.Title;

    DocumentState? ILiveResource.Content => _content;

    int ILiveResource.ParticipantCount => _participants.Count;

    IGrainFactory ILiveResource.GrainFactory => GrainFactory;

    FrameResult ILiveResource.Accepted => Reply(null);

    IGrainTimer ILiveResource.RegisterTimer(Func<Task> callback, bool keepAlive) =>
        this.RegisterGrainTimer(callback, new GrainTimerCreationOptions(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan) { Interleave = true, KeepAlive = keepAlive });

    Task<DocumentRole?> ILiveResource.ResolveRoleAsync(string principal) => ResolveAsync(principal);

    Task<FrameResult> ILiveResource.ApplyServerUpdateAsync(DocumentRole role, byte[] update, string author)
    {
        ArgumentNullException.ThrowIfNull(update);
        return AcceptUpdateAsync(role, null, update, author, fromClient: false);
    }

    Task ILiveResource.NotifyAsync(string kind, string payload) => Notify(kind, payload);

    FrameResult ILiveResource.Reject(string code, string detail) => Reject(code, detail);

    private sealed record Participant(string Username, AwarenessIdentity Identity);
}
