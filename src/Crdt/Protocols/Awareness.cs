using System.Text.Json.Nodes;

namespace Spotter.Collab.Crdt.Protocols;

/// <summary>Clock and last-update time (Unix milliseconds) of one client's awareness state.</summary>
public readonly record struct AwarenessMeta(ulong Clock, long LastUpdated);

/// <summary>Which clients' states were added, updated or removed by one operation.</summary>
public sealed record AwarenessChange(IReadOnlyList<ulong> Added, IReadOnlyList<ulong> Updated, IReadOnlyList<ulong> Removed);

public sealed class AwarenessChangeEventArgs(AwarenessChange change, object? origin) : EventArgs
{
    public AwarenessChange Change { get; } = change;

    /// <summary>"local" for local changes, "timeout" for expired clients, else the origin passed to ApplyUpdate.</summary>
    public object? Origin { get; } = origin;
}

/// <summary>
/// y-protocols 1.0.7 awareness: ephemeral per-client JSON states (cursors, user names) with a clock per client.
/// States are JSON values; a client whose state is null is offline. Remote clients not heard from for
/// <see cref="OutdatedTimeout"/> are removed by <see cref="CheckOutdated"/>, which also renews the local
/// state halfway through that time. Thread-safe; events are raised outside the internal lock.
/// </summary>
public sealed class Awareness : IDisposable
{
    public static readonly TimeSpan OutdatedTimeout = TimeSpan.FromSeconds(30);

    /// <summary>Origin of changes made through <see cref="SetLocalState"/>.</summary>
    public const string LocalOrigin = "local";

    /// <summary>Origin of removals made by <see cref="CheckOutdated"/>.</summary>
    public const string TimeoutOrigin = "timeout";

    private readonly Lock _lock = new();
    private readonly Dictionary<ulong, JsonNode> _states = [];
    private readonly Dictionary<ulong, AwarenessMeta> _meta = [];
    private readonly TimeProvider _time;
    private readonly ITimer? _timer;
    private int _disposed;

    /// <param name="clientId">The local client (the document's client id).</param>
    /// <param name="timeProvider">Clock for meta timestamps and the outdated check; <see cref="TimeProvider.System"/> by default.</param>
    /// <param name="runOutdatedTimer">
    /// Run <see cref="CheckOutdated"/> every 3 s on a timer from <paramref name="timeProvider"/>, as y-protocols does.
    /// Hosts with their own scheduling (an Orleans grain timer) pass false and call <see cref="CheckOutdated"/>.
    /// </param>
    public Awareness(ulong clientId, TimeProvider? timeProvider = null, bool runOutdatedTimer = true)
    {
        ClientId = clientId;
        _time = timeProvider ?? TimeProvider.System;
        SetLocalState(new JsonObject());
        if (runOutdatedTimer)
        {
            var period = OutdatedTimeout / 10;
            _timer = _time.CreateTimer(static state => ((Awareness)state!).CheckOutdated(), this, period, period);
        }
    }

    /// <summary>An awareness for <paramref name="doc"/>'s client.</summary>
    public Awareness(Doc doc, TimeProvider? timeProvider = null, bool runOutdatedTimer = true)
        : this((doc ?? throw new ArgumentNullException(nameof(doc))).ClientId, timeProvider, runOutdatedTimer)
    {
    }

    public ulong ClientId { get; }

    public event EventHandler<AwarenessChangeEventArgs>? Changed;

    /// <summary>Raised for every accepted state, even when it equals the previous one (a heartbeat).</summary>
    public event EventHandler<AwarenessChangeEventArgs>? Updated;

    private long Now => _time.GetUtcNow().ToUnixTimeMilliseconds();

    /// <summary>A snapshot of the current (non-null) states by client id.</summary>
    public IReadOnlyDictionary<ulong, JsonNode> GetStates()
    {
        lock (_lock)
        {
            return new Dictionary<ulong, JsonNode>(_states);
        }
    }

    /// <summary>A snapshot of clocks and timestamps by client id (clients whose state was removed keep their meta).</summary>
    public IReadOnlyDictionary<ulong, AwarenessMeta> GetMeta()
    {
        lock (_lock)
        {
            return new Dictionary<ulong, AwarenessMeta>(_meta);
        }
    }

    public JsonNode? GetLocalState()
    {
        lock (_lock)
        {
            return _states.GetValueOrDefault(ClientId);
        }
    }

    /// <summary>Sets (or with null, removes) the local state and advances the local clock.</summary>
    public void SetLocalState(JsonNode? state)
    {
        AwarenessChange? change;
        AwarenessChange update;
        lock (_lock)
        {
            ulong clock = _meta.TryGetValue(ClientId, out var meta) ? meta.Clock + 1 : 0;
            _states.TryGetValue(ClientId, out var previous);
            if (state is null)
            {
                _states.Remove(ClientId);
            }
            else
            {
                _states[ClientId] = state;
            }
            _meta[ClientId] = new AwarenessMeta(clock, Now);
            ulong[] none = [];
            ulong[] self = [ClientId];
            if (state is null)
            {
                change = update = new AwarenessChange(none, none, self);
            }
            else if (previous is null)
            {
                change = update = new AwarenessChange(self, none, none);
            }
            else
            {
                update = new AwarenessChange(none, self, none);
                change = JsonDeepEquality.AreEqual(previous, state) ? null : update;
            }
        }
        if (change is not null)
        {
            Changed?.Invoke(this, new AwarenessChangeEventArgs(change, LocalOrigin));
        }
        Updated?.Invoke(this, new AwarenessChangeEventArgs(update, LocalOrigin));
    }

    /// <summary>Sets one field of the local state object (no-op while the local state is null or not an object).</summary>
    public void SetLocalStateField(string field, JsonNode? value)
    {
        if (GetLocalState() is not JsonObject current)
        {
            return;
        }
        var next = new JsonObject();
        foreach (var (key, item) in current)
        {
            next[key] = item?.DeepClone();
        }
        next[field] = value;
        SetLocalState(next);
    }

    /// <summary>Removes the given clients' states (e.g. when their connection closed).</summary>
    public void RemoveStates(IEnumerable<ulong> clients, object? origin)
    {
        ArgumentNullException.ThrowIfNull(clients);
        var removed = new List<ulong>();
        lock (_lock)
        {
            foreach (var client in clients)
            {
                if (_states.Remove(client))
                {
                    if (client == ClientId)
                    {
                        var meta = _meta[client];
                        _meta[client] = new AwarenessMeta(meta.Clock + 1, Now);
                    }
                    removed.Add(client);
                }
            }
        }
        if (removed.Count > 0)
        {
            var change = new AwarenessChange([], [], removed);
            Changed?.Invoke(this, new AwarenessChangeEventArgs(change, origin));
            Updated?.Invoke(this, new AwarenessChangeEventArgs(change, origin));
        }
    }

    /// <summary>
    /// The periodic check: renews the local state when half the timeout has passed since its last update, and
    /// removes remote clients not updated for <see cref="OutdatedTimeout"/> (origin "timeout").
    /// </summary>
    public void CheckOutdated()
    {
        long now = Now;
        long timeout = (long)OutdatedTimeout.TotalMilliseconds;
        JsonNode? renew = null;
        var outdated = new List<ulong>();
        lock (_lock)
        {
            if (_states.TryGetValue(ClientId, out var local) && timeout / 2 <= now - _meta[ClientId].LastUpdated)
            {
                renew = local;
            }
            foreach (var (client, meta) in _meta)
            {
                if (client != ClientId && timeout <= now - meta.LastUpdated && _states.ContainsKey(client))
                {
                    outdated.Add(client);
                }
            }
        }
        if (renew is not null)
        {
            SetLocalState(renew);
        }
        if (outdated.Count > 0)
        {
            RemoveStates(outdated, TimeoutOrigin);
        }
    }

    internal bool TryGetEntry(ulong client, out AwarenessMeta meta, out JsonNode? state)
    {
        lock (_lock)
        {
            _states.TryGetValue(client, out state);
            return _meta.TryGetValue(client, out meta);
        }
    }

    /// <summary>Applies decoded entries with the y-protocols clock rules; see <see cref="AwarenessProtocol.ApplyUpdate"/>.</summary>
    internal void ApplyEntries(IReadOnlyList<AwarenessProtocol.Entry> entries, object? origin)
    {
        var added = new List<ulong>();
        var updated = new List<ulong>();
        var filteredUpdated = new List<ulong>();
        var removed = new List<ulong>();
        lock (_lock)
        {
            long timestamp = Now;
            foreach (var (client, incomingClock, state) in entries)
            {
                ulong clock = incomingClock;
                bool known = _meta.TryGetValue(client, out var meta);
                _states.TryGetValue(client, out var previous);
                ulong currentClock = known ? meta.Clock : 0;
                bool accept = currentClock < clock || (currentClock == clock && state is null && previous is not null);
                if (!accept)
                {
                    continue;
                }
                if (state is null)
                {
                    if (client == ClientId && previous is not null)
                    {
                        // A remote peer must not remove our own state: keep it and bump the clock so the next
                        // broadcast tells everyone this client is still there.
                        clock++;
                    }
                    else
                    {
                        _states.Remove(client);
                    }
                }
                else
                {
                    _states[client] = state;
                }
                _meta[client] = new AwarenessMeta(clock, timestamp);
                if (!known && state is not null)
                {
                    added.Add(client);
                }
                else if (known && state is null)
                {
                    removed.Add(client);
                }
                else if (state is not null)
                {
                    if (!JsonDeepEquality.AreEqual(state, previous))
                    {
                        filteredUpdated.Add(client);
                    }
                    updated.Add(client);
                }
            }
        }
        if (added.Count > 0 || filteredUpdated.Count > 0 || removed.Count > 0)
        {
            Changed?.Invoke(this, new AwarenessChangeEventArgs(new AwarenessChange(added, filteredUpdated, removed), origin));
        }
        if (added.Count > 0 || updated.Count > 0 || removed.Count > 0)
        {
            Updated?.Invoke(this, new AwarenessChangeEventArgs(new AwarenessChange(added, updated, removed), origin));
        }
    }

    /// <summary>Stops the timer and removes the local state, as y-protocols' destroy does.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }
        _timer?.Dispose();
        SetLocalState(null);
    }
}
