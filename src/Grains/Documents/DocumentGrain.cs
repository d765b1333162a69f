using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Concurrency;
using Orleans.Runtime;
using Orleans.Utilities;
using Spotter.Collab.Crdt;
using Spotter.Collab.Crdt.Protocols;
using Spotter.Collab.Grains.Protocol;
using Spotter.Collab.Grains.Storage;

namespace Spotter.Collab.Grains.Documents;

/// <summary>
/// A document: CRDT content (<see cref="DocumentState"/>), ACL, awareness and host fan-out.
/// Reentrant so that while one sender waits for its update to become durable, other frames keep flowing; every
/// state change happens synchronously inside a turn, and appends are queued in apply order.
/// </summary>
[Reentrant]
public sealed partial class DocumentGrain : Grain, IDocumentGrain, IDisposable
{
    private readonly IPersistentState<DocumentRecord> _record;
    private readonly IDocumentStore _store;
    private readonly DocumentGrainOptions _options;
    private readonly ILogger<DocumentGrain> _logger;
    private readonly ObserverManager<IDocumentObserver> _observers;
    private readonly AwarenessRelay _awareness;
    private readonly BroadcastBuffer _pending = new();
    private readonly Dictionary<string, Participant> _participants = [];
    private readonly Guid _epoch = Guid.NewGuid();
    // The grain is reentrant: overlapping record writes would trip over each other's ETag.
    private readonly SemaphoreSlim _recordWrite = new(1, 1);
    private DocumentState? _content;
    private IGrainTimer? _flushTimer;
    private bool _flushScheduled;
    private Task<long> _lastAppend = Task.FromResult(0L);
    private int _updatesSinceSnapshot;
    private long _bytesSinceSnapshot;
    private bool _compacting;

    public DocumentGrain(
        [PersistentState("document")] IPersistentState<DocumentRecord> record,
        IDocumentStore store,
        IOptions<DocumentGrainOptions> options,
        ILogger<DocumentGrain> logger,
        TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _record = record;
        _store = store;
        _options = options.Value;
        _logger = logger;
        _observers = new ObserverManager<IDocumentObserver>(_options.ObserverExpiry, logger);
        _awareness = new AwarenessRelay(_options.Awareness, timeProvider ?? TimeProvider.System);
    }

    private string Id => this.GetPrimaryKeyString();

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _flushTimer = this.RegisterGrainTimer(FlushAsync, new GrainTimerCreationOptions(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan)
        {
            Interleave = true,
            KeepAlive = false,
        });
        // Only documents that exist load content; probes for missing ids stay cheap.
        if (_record.RecordExists)
        {
            var stored = await _store.LoadAsync(Id, cancellationToken);
            _content = DocumentState.Load(stored);
            _updatesSinceSnapshot = stored.Tail.Count;
            _bytesSinceSnapshot = stored.Tail.Sum(u => (long)u.Update.Length);
        }
        await base.OnActivateAsync(cancellationToken);
    }

    public async Task<bool> Create(string owner, string title)
    {
        if (_record.RecordExists) return false;
        _record.State = new DocumentRecord
        {
            Title = title,
            Members = new Dictionary<string, DocumentRole>(StringComparer.Ordinal) { [owner] = DocumentRole.Owner },
            CreatedAt = DateTimeOffset.UtcNow,
        };
        await _record.WriteStateAsync();
        _content ??= DocumentState.Load(await _store.LoadAsync(Id));
        return true;
    }

    public Task<DocumentInfo?> Describe(string username)
    {
        if (RoleOf(username) is not { } role) return Task.FromResult<DocumentInfo?>(null);
        var members = new Dictionary<string, DocumentRole>(_record.State.Members, StringComparer.Ordinal);
        return Task.FromResult<DocumentInfo?>(new DocumentInfo(Id, _record.State.Title, role, members));
    }

    public async Task<JoinResult> Join(string username, string connectionId)
    {
        if (RoleOf(username) is null) return new JoinResult(null, null, _epoch);
        await ParticipantAsync(connectionId, username);
        // Re-check after the await: the membership may have changed meanwhile.
        if (RoleOf(username) is not { } current) return new JoinResult(null, null, _epoch);
        return new JoinResult(current, Frames.Sync(SyncMessageType.Step1, Content.EncodeStateVector()), _epoch);
    }

    public async Task<FrameResult> Receive(string username, string connectionId, byte[] frame)
    {
        ArgumentNullException.ThrowIfNull(frame);
        if (RoleOf(username) is not { } role) return Reject(RejectCodes.Forbidden, "not a member of this document");
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
                return await AcceptUpdateAsync(role, connectionId, payload.ToArray(), username);
            case FrameType.Awareness:
                var participant = await ParticipantAsync(connectionId, username);
                List<AwarenessProtocol.Entry> accepted;
                try
                {
                    if (_awareness.Apply(connectionId, participant.Identity, payload, out accepted) == AwarenessOutcome.RateLimited)
                    {
                        return Reject(RejectCodes.RateLimited, "too many awareness updates");
                    }
                }
                catch (CrdtFormatException ex)
                {
                    return Reject(RejectCodes.Malformed, ex.Message);
                }
                if (accepted.Count > 0)
                {
                    _pending.AddAwareness(connectionId, accepted);
                    ScheduleFlush();
                }
                return Reply(null);
            case FrameType.QueryAwareness:
                var states = _awareness.EncodeStates(connectionId);
                return Reply(states is null ? null : Frames.Awareness(states));
            default:
                return Reject(RejectCodes.Malformed, "unsupported message type");
        }
    }

    public Task<FrameResult> ApplyUpdate(string username, byte[] update)
    {
        ArgumentNullException.ThrowIfNull(update);
        if (RoleOf(username) is not { } role) return Task.FromResult(Reject(RejectCodes.Forbidden, "not a member of this document"));
        return AcceptUpdateAsync(role, null, update, username);
    }

    public Task Leave(string connectionId)
    {
        _participants.Remove(connectionId);
        RemoveAwareness(connectionId);
        return OnParticipantLeftAsync();
    }

    public async Task<MembershipResult> SetMember(string actor, string username, DocumentRole role)
    {
        if (CheckOwner(actor) is { } denied) return denied;
        var members = _record.State.Members;
        if (members.TryGetValue(username, out var previous) && previous == DocumentRole.Owner && role != DocumentRole.Owner && OwnerCount() == 1)
        {
            return MembershipResult.LastOwner;
        }
        members[username] = role;
        await WriteRecordAsync();
        await _observers.Notify(o => o.OnAccessChanged(Id, username, role));
        return MembershipResult.Ok;
    }

    public async Task<MembershipResult> RemoveMember(string actor, string username)
    {
        if (CheckOwner(actor) is { } denied) return denied;
        var members = _record.State.Members;
        if (!members.TryGetValue(username, out var previous)) return MembershipResult.Ok;
        if (previous == DocumentRole.Owner && OwnerCount() == 1) return MembershipResult.LastOwner;
        members.Remove(username);
        await WriteRecordAsync();
        // From here on every frame of this user is refused; their awareness disappears for everyone.
        foreach (var (connectionId, participant) in _participants.ToList())
        {
            if (participant.Username != username) continue;
            _participants.Remove(connectionId);
            RemoveAwareness(connectionId);
        }
        await _observers.Notify(o => o.OnAccessChanged(Id, username, null));
        return MembershipResult.Ok;
    }

    public Task<RootReadResult> ReadRoot(string username, string name, RootKind kind)
    {
        if (RoleOf(username) is null) return Task.FromResult(new RootReadResult(false, null));
        return Task.FromResult(new RootReadResult(true, Content.ReadRootJson(name, kind)));
    }

    public Task<Guid> Subscribe(IDocumentObserver observer)
    {
        _observers.Subscribe(observer, observer);
        return Task.FromResult(_epoch);
    }

    public Task<byte[]> EncodeState() =>
        Task.FromResult(_content is null ? [] : _content.EncodeStateAsUpdate());

    public Task Unsubscribe(IDocumentObserver observer)
    {
        _observers.Unsubscribe(observer);
        return Task.CompletedTask;
    }

    private DocumentState Content => _content ?? throw new InvalidOperationException($"document {Id} has no content loaded");

    private DocumentRole? RoleOf(string username) =>
        _record.RecordExists && _record.State.Members.TryGetValue(username, out var role) ? role : null;

    private MembershipResult? CheckOwner(string actor) => RoleOf(actor) switch
    {
        null => MembershipResult.NotFound,
        DocumentRole.Owner => null,
        _ => MembershipResult.Forbidden,
    };

    private int OwnerCount() => _record.State.Members.Values.Count(r => r == DocumentRole.Owner);

    /// <summary>
    /// Checks, applies, logs and (once durable) queues an update for broadcast. The apply happens in this turn;
    /// the durability wait lets other calls interleave.
    /// </summary>
    private async Task<FrameResult> AcceptUpdateAsync(DocumentRole role, string? origin, byte[] update, string author)
    {
        try
        {
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

        var append = _store.AppendAsync(Id, update);
        _lastAppend = append;
        _updatesSinceSnapshot++;
        _bytesSinceSnapshot += update.Length;
        try
        {
            await append;
        }
        catch (Exception ex)
        {
            // The in-memory doc is ahead of the durable log: reload from the log on the next call.
            LogAppendFailed(ex, Id);
            DeactivateOnIdle();
            throw;
        }
        _pending.AddUpdate(origin, update);
        ScheduleFlush();
        MaybeCompact();
        OnContentChanged(author);
        return Reply(null);
    }

    private void RemoveAwareness(string connectionId)
    {
        var removed = _awareness.RemoveConnection(connectionId);
        if (removed.Count == 0) return;
        _pending.AddAwareness(null, removed);
        ScheduleFlush();
    }

    private async Task<Participant> ParticipantAsync(string connectionId, string username)
    {
        if (_participants.TryGetValue(connectionId, out var known) && known.Username == username) return known;
        var profile = await GrainFactory.GetGrain<IUserGrain>(username).GetProfile();
        var participant = new Participant(username, new AwarenessIdentity(username, profile?.DisplayName ?? username));
        _participants[connectionId] = participant;
        return participant;
    }

    private void ScheduleFlush()
    {
        if (_flushScheduled) return;
        _flushScheduled = true;
        _flushTimer?.Change(_options.BroadcastTick, Timeout.InfiniteTimeSpan);
    }

    private Task FlushAsync()
    {
        _flushScheduled = false;
        if (_pending.IsEmpty) return Task.CompletedTask;
        var broadcast = new DocumentBroadcast(Id, _pending.Drain(DocumentState.MergeUpdates));
        // One message per subscribed host, never per connection.
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

    private FrameResult Reject(string code, string detail) => new(code, detail, null, _epoch);

    private FrameResult Reply(byte[]? reply) => new(null, null, reply, _epoch);

    [LoggerMessage(Level = LogLevel.Error, Message = "Appending an update of document {DocumentId} failed; deactivating")]
    private partial void LogAppendFailed(Exception exception, string documentId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Compacting document {DocumentId} failed; the log stays as is")]
    private partial void LogCompactionFailed(Exception exception, string documentId);

    private sealed record Participant(string Username, AwarenessIdentity Identity);
}
