using System.Collections.Concurrent;
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
/// change was written (copied on the organisation grain's turn; replicas and the store only read them).</summary>
[GenerateSerializer, Immutable, Alias("spotter.AccessUpdate")]
public sealed record AccessUpdate([property: Id(0)] Guid Epoch, [property: Id(1)] long Version, [property: Id(2)] AccessRowChanges Rows);

/// <summary>
/// The silo's copy of the access model, answering decisions without a call to the organisation grain. Loaded whole
/// from the organisation grain when new or when it finds it missed a change (a gap in the versions, another
/// activation of the organisation grain, or a subscription that lapsed), and otherwise kept current by the changes
/// the organisation grain pushes to every subscribed replica. Pushes arrive outside the grain's turns, so they are
/// queued and applied at the start of the next read: a read after a change's caller got its answer sees the change.
/// </summary>
[StatelessWorker(1)]
public sealed class AccessReaderGrain(IOptions<AccessReplicaOptions>? options = null, TimeProvider? time = null) : Grain, IAccessReaderGrain
{
    private readonly AccessReplicaOptions _options = options?.Value ?? new AccessReplicaOptions();
    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private readonly Inbox _inbox = new();
    private IAccessReplicaObserver? _reference;
    private Organization? _model;
    private ReplicaHead _head = new(Guid.Empty, 0);
    // When this copy last asked for its subscription: it answers from its copy only within its lease from then.
    private DateTimeOffset _subscribedAt;

    private IAccessReplicaSource Source => GrainFactory.GetGrain<IAccessReplicaSource>(IOrganizationGrain.Key);

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        // Object references can only be made outside a grain's context.
        var grains = GrainFactory;
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

    public async Task<long> GetVersion()
    {
        await CurrentAsync();
        return _head.Version;
    }

    /// <summary>The model with every change pushed so far applied (reloaded when one was missed).</summary>
    private async ValueTask<Organization> CurrentAsync()
    {
        var lease = AccessReplicaOptions.Clamp(_options.Renewal);
        if (_inbox.TakeEpochEnd(_head.Epoch)) _model = null;
        if (_model is null || _time.GetUtcNow() - _subscribedAt >= lease)
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
            // Changes queued meanwhile: those at or below the snapshot's version are in it already.
        }
        while (!ApplyQueued());
    }

    /// <summary>Receives pushes on any thread; the grain applies them on its next read.</summary>
    private sealed class Inbox : IAccessReplicaObserver
    {
        public ConcurrentQueue<AccessUpdate> Updates { get; } = new();

        private readonly ConcurrentDictionary<Guid, bool> _endedEpochs = new();

        public Task Apply(AccessUpdate update)
        {
            Updates.Enqueue(update);
            return Task.CompletedTask;
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
