using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Orleans.Concurrency;

namespace Spotter.Collab.Grains.Access;

/// <summary>The organisation grain's side of the per-silo replicas (<see cref="AccessReaderGrain"/>).</summary>
[Alias("spotter.IAccessReplicaSource")]
public interface IAccessReplicaSource : IGrainWithStringKey
{
    /// <summary>Subscribes for a lease (the replica answers from its copy only within it, counted from before this
    /// call) and returns the version the model is at, so a replica can tell whether it missed changes.</summary>
    [Alias("SubscribeReplica"), AlwaysInterleave]
    Task<ReplicaHead> SubscribeReplica(IAccessReplicaObserver replica, TimeSpan lease);

    [Alias("UnsubscribeReplica"), OneWay]
    Task UnsubscribeReplica(IAccessReplicaObserver replica);

    /// <summary>The whole model with the version it is at.</summary>
    [Alias("GetReplicaSnapshot"), AlwaysInterleave]
    Task<AccessSnapshot> GetReplicaSnapshot();
}

/// <summary>A replica: receives every change of the model, in order, before the change's caller gets its answer.</summary>
[Alias("spotter.IAccessReplicaObserver")]
public interface IAccessReplicaObserver : IGrainObserver
{
    [Alias("Apply")]
    Task Apply(AccessUpdate update);

    /// <summary>The organisation grain's activation <paramref name="epoch"/> is starting over from the store: its
    /// versions end here, and the replica reloads before its next answer.</summary>
    [Alias("EpochEnded")]
    Task EpochEnded(Guid epoch);
}

/// <summary>Where the model is: <paramref name="Epoch"/> names the organisation grain's activation (versions count
/// from its activation), <paramref name="Version"/> the changes it has published.</summary>
[GenerateSerializer, Immutable, Alias("spotter.ReplicaHead")]
public sealed record ReplicaHead([property: Id(0)] Guid Epoch, [property: Id(1)] long Version);

/// <summary>Every row of the model (copied on the organisation grain's turn, never changed after).</summary>
[GenerateSerializer, Immutable, Alias("spotter.AccessSnapshot")]
public sealed record AccessSnapshot([property: Id(0)] ReplicaHead Head, [property: Id(1)] AccessRowChanges Rows);

/// <summary>The rows of change <paramref name="Version"/>: every row changed since version − 1, as it was when the
/// change was written (copied on the organisation grain's turn; replicas and the store only read them).
/// <paramref name="AccessChanged"/>: some effective level may have changed (a grant, a setting, the directory, an
/// expired link), so the connections open on each silo are re-checked.</summary>
[GenerateSerializer, Immutable, Alias("spotter.AccessUpdate")]
public sealed record AccessUpdate(
    [property: Id(0)] Guid Epoch,
    [property: Id(1)] long Version,
    [property: Id(2)] AccessRowChanges Rows,
    [property: Id(3)] bool AccessChanged = false);

/// <summary>The copy's own entry for pushes that need enforcement now rather than at its next read.</summary>
[Alias("spotter.IAccessReplicaCatchUp")]
public interface IAccessReplicaCatchUp : IGrainWithIntegerKey
{
    /// <summary>Applies what was pushed and re-checks the connections open on this silo.</summary>
    [Alias("CatchUp")]
    Task CatchUp();
}

/// <summary>
/// The silo's copy of the access model, answering decisions without a call to the organisation grain. Loaded whole
/// from the organisation grain when new or when it finds it missed a change (a gap in the versions, another
/// activation of the organisation grain, or a subscription that lapsed), and otherwise kept current by the changes
/// the organisation grain pushes to every subscribed replica. Pushes arrive outside the grain's turns, so they are
/// queued and applied at the start of the next read: a read after a change's caller got its answer sees the change.
/// It also holds the (document, principal) pairs with connections open on its silo: a push that may change access
/// is applied at once, and the documents whose principals' levels changed are told (<see cref="IDocumentGrain.ApplyRoles"/>)
/// before the push is answered, so before the change's call returns. Whenever the copy reloads whole it re-checks every
/// pair. While it holds pairs it stays active and renews its lease ahead of time, so pushes keep reaching it; a new
/// activation knows no pairs until the documents refresh (<see cref="Documents.DocumentGrainOptions.AccessRefresh"/>).
/// </summary>
[StatelessWorker(1)]
public sealed partial class AccessReaderGrain(
    IOptions<AccessReplicaOptions>? options = null,
    TimeProvider? time = null,
    ILogger<AccessReaderGrain>? logger = null) : Grain, IAccessReaderGrain, IAccessReplicaCatchUp
{
    /// <summary>An open pair not refreshed by its document within this time is forgotten (documents refresh every
    /// <see cref="Documents.DocumentGrainOptions.AccessRefresh"/>, 30 s by default, and close their pairs when their
    /// connections leave or they deactivate).</summary>
    public static readonly TimeSpan OpenPairExpiry = TimeSpan.FromMinutes(2);

    // The shortest period of the tick that keeps a copy holding pairs current (a quarter of its lease).
    private static readonly TimeSpan MinPairsTick = TimeSpan.FromMilliseconds(250);

    private readonly AccessReplicaOptions _options = options?.Value ?? new AccessReplicaOptions();
    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private readonly ILogger _logger = logger ?? NullLogger<AccessReaderGrain>.Instance;
    private Inbox _inbox = null!;
    private IAccessReplicaObserver? _reference;
    // document id → principal → (level last told to the document, last registration)
    private readonly Dictionary<string, Dictionary<string, OpenPair>> _open = new(StringComparer.Ordinal);
    // Some level may have changed since the pairs were last checked (an update that changed access, or a reload).
    private bool _recheckPairs;
    // Renews the lease and sweeps expired pairs while pairs are held.
    private IGrainTimer? _pairsTimer;
    private Organization? _model;
    private ReplicaHead _head = new(Guid.Empty, 0);
    // When this copy last asked for its subscription: it answers from its copy only within its lease from then.
    private DateTimeOffset _subscribedAt;

    private IAccessReplicaSource Source => GrainFactory.GetGrain<IAccessReplicaSource>(IOrganizationGrain.Key);

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        // Object references can only be made outside a grain's context.
        var grains = GrainFactory;
        _inbox = new Inbox(grains);
        _reference = await Task.Run(() => grains.CreateObjectReference<IAccessReplicaObserver>(_inbox), cancellationToken);
        await base.OnActivateAsync(cancellationToken);
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        if (_reference is { } reference)
        {
            await Source.UnsubscribeReplica(reference);
            var grains = GrainFactory;
            await Task.Run(() => grains.DeleteObjectReference<IAccessReplicaObserver>(_inbox), cancellationToken);
        }
        await base.OnDeactivateAsync(reason, cancellationToken);
    }

    public async Task<AccessDecision> Resolve(string resourceId, string principal) => (await CurrentAsync()).Resolve(resourceId, principal);

    public async Task<IReadOnlyList<string>> FilterReadable(string principal, IReadOnlyList<string> resourceIds) =>
        (await CurrentAsync()).FilterReadable(principal, resourceIds);

    public async Task<DocumentAccess?> DescribeDocument(string resourceId, string principal) => (await CurrentAsync()).DescribeDocument(resourceId, principal);

    public async Task<ResourceInfo?> GetResource(string resourceId, string principal) => (await CurrentAsync()).Resource(resourceId, principal);

    public async Task<SpaceTree?> GetTree(string principal, string spaceId) => (await CurrentAsync()).Tree(principal, spaceId);

    public async Task<IReadOnlyList<TreeNode>> ListStandalone(string principal, string idPrefix) => (await CurrentAsync()).Standalone(principal, idPrefix);

    public async Task<IReadOnlyList<PersonView>> DescribePeople(string? viewer, IReadOnlyList<string> principals) =>
        (await CurrentAsync()).DescribePeople(viewer, principals);

    public async Task<long> GetVersion()
    {
        await CurrentAsync();
        return _head.Version;
    }

    public Task CatchUp() => CurrentAsync().AsTask();

    // ---------------- live enforcement ----------------

    public async Task<AccessDecision> OpenDocument(string documentId, string principal)
    {
        HoldPairs();
        var decision = (await CurrentAsync()).Resolve(documentId, principal);
        if (decision.Level != AccessLevel.None) Track(documentId, principal, decision.Level);
        ReleasePairsIfNone();
        return decision;
    }

    public async Task<IReadOnlyDictionary<string, AccessLevel>> RefreshOpen(string documentId, IReadOnlyList<string> principals)
    {
        ArgumentNullException.ThrowIfNull(principals);
        HoldPairs();
        var model = await CurrentAsync();
        var levels = new Dictionary<string, AccessLevel>(StringComparer.Ordinal);
        foreach (var principal in principals)
        {
            var level = model.Resolve(documentId, principal).Level;
            levels[principal] = level;
            if (level != AccessLevel.None) Track(documentId, principal, level);
            else Forget(documentId, principal);
        }
        ReleasePairsIfNone();
        return levels;
    }

    public Task CloseDocument(string documentId, IReadOnlyList<string> principals)
    {
        ArgumentNullException.ThrowIfNull(principals);
        foreach (var principal in principals) Forget(documentId, principal);
        ReleasePairsIfNone();
        return Task.CompletedTask;
    }

    /// <summary>From here on, pushes that may change access wake this grain (set before reading the model, so a push
    /// queued after that read is never left for later).</summary>
    private void HoldPairs()
    {
        _inbox.Enforce(true);
        if (_pairsTimer is not null) return;
        var period = AccessReplicaOptions.Clamp(_options.Renewal) / 4;
        if (period < MinPairsTick) period = MinPairsTick;
        _pairsTimer = this.RegisterGrainTimer(KeepPairsCurrentAsync, new GrainTimerCreationOptions(period, period) { KeepAlive = true });
    }

    private void ReleasePairsIfNone()
    {
        if (_open.Count > 0) return;
        _inbox.Enforce(false);
        _pairsTimer?.Dispose();
        _pairsTimer = null;
    }

    /// <summary>While pairs are held: renew the lease halfway through (a lapsed lease gets no pushes, so a change
    /// would reach these connections only at the next read), catch up on an ended epoch, sweep expired pairs.</summary>
    private async Task KeepPairsCurrentAsync(CancellationToken cancellationToken)
    {
        ExpireOpenPairs();
        ReleasePairsIfNone();
        if (_open.Count == 0) return;
        try
        {
            await CurrentAsync(AccessReplicaOptions.Clamp(_options.Renewal) / 2);
        }
        catch (Exception ex) when (ex is OrleansException or TimeoutException or InvalidOperationException)
        {
            LogRenewalFailed(ex);
        }
    }

    private void Track(string documentId, string principal, AccessLevel level)
    {
        if (!_open.TryGetValue(documentId, out var principals)) _open[documentId] = principals = new(StringComparer.Ordinal);
        principals[principal] = new OpenPair(level, _time.GetUtcNow());
    }

    private void Forget(string documentId, string principal)
    {
        if (_open.TryGetValue(documentId, out var principals) && principals.Remove(principal) && principals.Count == 0) _open.Remove(documentId);
    }

    private void ExpireOpenPairs()
    {
        var cutoff = _time.GetUtcNow() - OpenPairExpiry;
        foreach (var (documentId, principals) in _open.ToList())
        {
            foreach (var (principal, pair) in principals.ToList())
            {
                if (pair.LastSeen < cutoff) principals.Remove(principal);
            }
            if (principals.Count == 0) _open.Remove(documentId);
        }
    }

    /// <summary>Re-evaluates every open pair and tells documents about changed roles. Document calls are one-way:
    /// enforcement never waits on a document.</summary>
    private void EnforcePairs(Organization model)
    {
        foreach (var (documentId, principals) in _open.ToList())
        {
            Dictionary<string, DocumentRole?>? changed = null;
            foreach (var (principal, pair) in principals.ToList())
            {
                var level = model.Resolve(documentId, principal).Level;
                if (level == pair.Level) continue;
                (changed ??= new(StringComparer.Ordinal))[principal] = level.ToRole();
                if (level == AccessLevel.None) principals.Remove(principal);
                else principals[principal] = pair with { Level = level };
            }
            if (principals.Count == 0) _open.Remove(documentId);
            if (changed is not null) _ = GrainFactory.GetGrain<IDocumentGrain>(documentId).ApplyRoles(changed);
        }
    }

    /// <summary>The model with every change pushed so far applied (reloaded when one was missed), with the open
    /// pairs re-checked when a change may have altered them.</summary>
    private async ValueTask<Organization> CurrentAsync() => await CurrentAsync(AccessReplicaOptions.Clamp(_options.Renewal));

    /// <summary>As <see cref="CurrentAsync()"/>, asking for a new lease once the current one is
    /// <paramref name="renewAfter"/> old.</summary>
    private async ValueTask<Organization> CurrentAsync(TimeSpan renewAfter)
    {
        var model = await CatchUpAsync(renewAfter);
        if (_recheckPairs)
        {
            _recheckPairs = false;
            if (_open.Count > 0) EnforcePairs(model);
        }
        return model;
    }

    private async ValueTask<Organization> CatchUpAsync(TimeSpan renewAfter)
    {
        var lease = AccessReplicaOptions.Clamp(_options.Renewal);
        if (_inbox.TakeEpochEnd(_head.Epoch)) _model = null;
        if (_model is null || _time.GetUtcNow() - _subscribedAt >= renewAfter)
        {
            var askedAt = _time.GetUtcNow();
            var head = await Source.SubscribeReplica(_reference!, lease);
            _subscribedAt = askedAt;
            ApplyQueued();
            // Behind after applying what arrived: a change was missed (or this replica is new).
            if (_model is null || head.Epoch != _head.Epoch || head.Version > _head.Version) await ReloadAsync();
        }
        else if (!ApplyQueued())
        {
            await ReloadAsync();
        }
        return _model!;
    }

    /// <summary>Applies the queued changes in order; false when one is missing (a gap or another epoch).</summary>
    private bool ApplyQueued()
    {
        if (_model is null) return true;
        while (_inbox.Updates.TryDequeue(out var update))
        {
            if (update.Epoch != _head.Epoch || update.Version > _head.Version + 1) return false;
            if (update.Version <= _head.Version) continue;
            _model.ApplyRows(update.Rows);
            if (update.AccessChanged) _recheckPairs = true;
            _head = _head with { Version = update.Version };
        }
        return true;
    }

    private async Task ReloadAsync()
    {
        do
        {
            var snapshot = await Source.GetReplicaSnapshot();
            _model = new Organization(new OrganizationState(), _time);
            _model.ApplyRows(snapshot.Rows);
            _model.TakeChanges();
            _head = snapshot.Head;
            _recheckPairs = true;
            // Changes queued meanwhile: those at or below the snapshot's version are in it already.
        }
        while (!ApplyQueued());
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The access copy could not renew its lease; open connections on this silo are re-checked at its next renewal")]
    private partial void LogRenewalFailed(Exception exception);

    private readonly record struct OpenPair(AccessLevel Level, DateTimeOffset LastSeen);

    /// <summary>Receives pushes on any thread; the grain applies them on its next read, or at once (through a call to
    /// the grain, which runs on this silo: it is a stateless worker) when it holds open pairs and the push may change
    /// access.</summary>
    private sealed class Inbox(IGrainFactory grains) : IAccessReplicaObserver
    {
        public ConcurrentQueue<AccessUpdate> Updates { get; } = new();

        private readonly ConcurrentDictionary<Guid, bool> _endedEpochs = new();
        private int _enforcing;

        /// <summary>Whether pushes that may change access wake the grain. Interlocked on both sides: either a push
        /// sees the flag set, or the grain's next read of the queue sees the push.</summary>
        public void Enforce(bool enforcing) => Interlocked.Exchange(ref _enforcing, enforcing ? 1 : 0);

        public Task Apply(AccessUpdate update)
        {
            Updates.Enqueue(update);
            return update.AccessChanged && Volatile.Read(ref _enforcing) == 1
                ? grains.GetGrain<IAccessReplicaCatchUp>(IAccessReaderGrain.Key).CatchUp()
                : Task.CompletedTask;
        }

        public Task EpochEnded(Guid epoch)
        {
            _endedEpochs[epoch] = true;
            return Task.CompletedTask;
        }

        /// <summary>Whether <paramref name="epoch"/> was announced as ended (forgets the announcement).</summary>
        public bool TakeEpochEnd(Guid epoch) => _endedEpochs.TryRemove(epoch, out _);
    }
}

/// <summary>Settings of the per-silo copies of the access model.</summary>
public sealed class AccessReplicaOptions
{
    /// <summary>The longest lease a copy may hold: how long a copy that missed a change (its silo stalled, or the
    /// organisation grain was activated again elsewhere) can answer from before it.</summary>
    public static readonly TimeSpan MaxLease = TimeSpan.FromSeconds(10);

    /// <summary>A copy's lease: it answers from its copy for this long after asking for its subscription, then asks
    /// again and checks it missed no change. A change that a copy does not take in time waits for its lease to end.
    /// At most <see cref="MaxLease"/>.</summary>
    public TimeSpan Renewal { get; set; } = MaxLease;

    internal static TimeSpan Clamp(TimeSpan lease) => lease < TimeSpan.Zero ? TimeSpan.Zero : lease > MaxLease ? MaxLease : lease;
}
