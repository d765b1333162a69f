using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Spotter.Collab.Crdt;
using Spotter.Collab.Crdt.Protocols;
using Spotter.Collab.Grains.Protocol;

namespace Spotter.Collab.Cluster.Tests;

/// <summary>
/// A .NET SignalR client editing one document like a browser provider: answers sync step 1, applies updates, and
/// when its web host goes away connects to the next host in its list (a client-side stand-in for a load balancer),
/// re-joins and resyncs in both directions.
/// </summary>
internal sealed class EditorClient : IAsyncDisposable
{
    private static readonly object Remote = new();
    private readonly object _gate = new();
    private readonly Doc _doc;
    private readonly IReadOnlyList<Uri> _hosts;
    private readonly string _token;
    private readonly string _docId;
    private readonly SemaphoreSlim _reconnect = new(1, 1);
    private HubConnection? _connection;
    private int _hostIndex;
    private bool _disposed;

    public EditorClient(string name, IReadOnlyList<Uri> hosts, int hostIndex, string token, string docId, ulong clientId)
    {
        Name = name;
        _hosts = hosts;
        _hostIndex = hostIndex;
        _token = token;
        _docId = docId;
        _doc = new Doc(new DocOptions { ClientId = clientId });
    }

    public string Name { get; }
    public Uri CurrentHost => _hosts[_hostIndex];
    /// <summary>How many times the connection was re-created (web host lost).</summary>
    public int Reconnects { get; private set; }
    public string? ConnectionId => _connection?.ConnectionId;
    public ConcurrentQueue<(string Reason, long At)> Revocations { get; } = new();
    public ConcurrentQueue<(string Role, long At)> RoleChanges { get; } = new();
    public ConcurrentQueue<string> Rejections { get; } = new();
    public TaskCompletionSource Reconnected { get; private set; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    /// <summary>When the last reconnection (to another host) completed.</summary>
    public long ReconnectedAt { get; private set; }
    /// <summary>When the server closed the connection (timestamps).</summary>
    public ConcurrentQueue<long> Closures { get; } = new();
    /// <summary>False: stay disconnected when the server closes the connection (e.g. a deactivated user).</summary>
    public bool AutoReconnect { get; init; } = true;

    public string Text
    {
        get
        {
            lock (_gate) return _doc.GetText("t").ToString();
        }
    }

    public async Task ConnectAsync()
    {
        var connection = new HubConnectionBuilder()
            .WithUrl(new Uri(CurrentHost, "/hubs/collab"), options => options.AccessTokenProvider = () => Task.FromResult<string?>(_token))
            .Build();
        connection.On<string, byte[]>("Receive", OnReceive);
        connection.On<string, string>("Revoked", (_, reason) => Revocations.Enqueue((reason, Stopwatch.GetTimestamp())));
        connection.On<string, string>("RoleChanged", (_, role) => RoleChanges.Enqueue((role, Stopwatch.GetTimestamp())));
        connection.On<string, string, string>("Rejected", (_, code, _) => Rejections.Enqueue(code));
        connection.Closed += OnClosedAsync;
        await connection.StartAsync();
        _connection = connection;
        await connection.InvokeAsync<Dictionary<string, string>>("JoinDocument", _docId);
        // Ask for whatever the server has that we lack; the server's own step 1 (sent on join) gets the reverse.
        await connection.InvokeAsync("Send", _docId, StepOne());
    }

    /// <summary>Inserts <paramref name="token"/> at the start or the end (so tokens never split each other); true once
    /// the server acknowledged it durable.</summary>
    public async Task<bool> EditAsync(string token, Random random)
    {
        byte[]? update = null;
        void Capture(object? sender, UpdateEventArgs e) => update = e.Update;
        lock (_gate)
        {
            var text = _doc.GetText("t");
            _doc.Updated += Capture;
            try
            {
                _doc.Transact(_ => text.Insert(random.Next(2) == 0 ? 0 : text.Length, token));
            }
            finally
            {
                _doc.Updated -= Capture;
            }
        }
        return await TrySendAsync(Frames.Sync(SyncMessageType.Update, update!));
    }

    private byte[] StepOne()
    {
        lock (_gate) return Frames.Sync(SyncMessageType.Step1, _doc.EncodeStateVector());
    }

    private async Task<bool> TrySendAsync(byte[] frame)
    {
        var connection = _connection;
        if (connection is null || connection.State != HubConnectionState.Connected) return false;
        try
        {
            await connection.InvokeAsync("Send", _docId, frame);
            return true;
        }
        catch (Exception ex) when (ex is HubException or InvalidOperationException or TaskCanceledException or IOException)
        {
            return false;
        }
    }

    private void OnReceive(string docId, byte[] frame)
    {
        if (docId != _docId) return;
        var parsed = Frames.Parse(frame);
        if (parsed.Type != FrameType.Sync) return;
        byte[]? reply = null;
        lock (_gate)
        {
            if (parsed.SyncType == SyncMessageType.Step1)
            {
                reply = Frames.Sync(SyncMessageType.Step2, _doc.EncodeStateAsUpdate(parsed.Payload.Span));
            }
            else
            {
                _doc.ApplyUpdate(parsed.Payload.Span, Remote);
            }
        }
        // Never await an invocation inside a handler: its completion arrives on this same receive loop.
        if (reply is not null) _ = Task.Run(() => TrySendAsync(reply));
    }

    private async Task OnClosedAsync(Exception? error)
    {
        if (_disposed) return;
        Closures.Enqueue(Stopwatch.GetTimestamp());
        if (!AutoReconnect) return;
        await _reconnect.WaitAsync();
        try
        {
            // The host is gone: try the others in turn, like a load balancer taking it out of rotation.
            for (var attempt = 0; !_disposed && attempt < 100; attempt++)
            {
                _hostIndex = (_hostIndex + 1) % _hosts.Count;
                try
                {
                    await ConnectAsync();
                    ReconnectedAt = Stopwatch.GetTimestamp();
                    Reconnects++;
                    Reconnected.TrySetResult();
                    return;
                }
                catch (Exception ex) when (ex is HttpRequestException or HubException or InvalidOperationException or IOException or TaskCanceledException)
                {
                    await Task.Delay(200);
                }
            }
        }
        finally
        {
            _reconnect.Release();
        }
    }

    public void ResetReconnected() => Reconnected = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public async ValueTask DisposeAsync()
    {
        _disposed = true;
        if (_connection is not null) await _connection.DisposeAsync();
        _reconnect.Dispose();
    }
}
