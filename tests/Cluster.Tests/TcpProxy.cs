using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace Spotter.Collab.Cluster.Tests;

/// <summary>
/// A loopback TCP forwarder placed in front of a silo's listening port. <see cref="Sever"/> drops every connection and
/// stops listening, which to the rest of the cluster looks like the silo's machine vanished: no goodbye, no
/// membership update, probes simply go unanswered.
/// </summary>
internal sealed class TcpProxy : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly ConcurrentBag<TcpClient> _connections = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _acceptLoop;
    private IPEndPoint? _target;

    public TcpProxy()
    {
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _acceptLoop = AcceptAsync();
    }

    public int Port { get; }

    /// <summary>Sets where accepted connections go (the silo's real port, known only once it is chosen).</summary>
    public void Retarget(IPEndPoint target) => _target = target;

    public void Sever()
    {
        if (_stop.IsCancellationRequested)
        {
            return;
        }
        _stop.Cancel();
        _listener.Stop();
        foreach (var connection in _connections)
        {
            // Reset instead of a graceful FIN, like a host that went away. A link that already closed has no socket.
            if (connection.Client is { } socket)
            {
                try
                {
                    socket.LingerState = new LingerOption(true, 0);
                }
                catch (ObjectDisposedException)
                {
                }
            }
            connection.Dispose();
        }
    }

    public async ValueTask DisposeAsync()
    {
        Sever();
        await _acceptLoop;
        _stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient inbound;
            try
            {
                inbound = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }
            _ = ForwardAsync(inbound);
        }
    }

    private async Task ForwardAsync(TcpClient inbound)
    {
        var outbound = new TcpClient();
        _connections.Add(inbound);
        _connections.Add(outbound);
        try
        {
            await outbound.ConnectAsync(_target ?? throw new InvalidOperationException("Proxy has no target."), _stop.Token);
            var inboundStream = inbound.GetStream();
            var outboundStream = outbound.GetStream();
            await Task.WhenAny(
                inboundStream.CopyToAsync(outboundStream, _stop.Token),
                outboundStream.CopyToAsync(inboundStream, _stop.Token));
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or SocketException or ObjectDisposedException)
        {
            // The link is gone either way; both ends are closed below.
        }
        finally
        {
            inbound.Dispose();
            outbound.Dispose();
        }
    }
}
