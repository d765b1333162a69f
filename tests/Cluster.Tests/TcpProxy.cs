using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace Spotter.Collab.Cluster.Tests;

/// <summary>
/// A loopback TCP forwarder placed in front of a silo's listening port (or a database). <see cref="Sever"/> drops every
/// connection and stops listening, which to the rest of the cluster looks like the silo's machine vanished: no goodbye,
/// no membership update, probes simply go unanswered. <see cref="Interrupt"/> / <see cref="Restore"/> make a
/// temporary outage instead: while interrupted, open links are reset and new ones are reset as soon as they arrive.
/// </summary>
internal sealed class TcpProxy : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly ConcurrentBag<TcpClient> _connections = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _acceptLoop;
    private IPEndPoint? _target;
    private volatile bool _interrupted;

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
        ResetAll();
    }

    /// <summary>Resets every open link and every new one until <see cref="Restore"/>, like a server that is down.</summary>
    public void Interrupt()
    {
        _interrupted = true;
        ResetAll();
    }

    /// <summary>Ends an <see cref="Interrupt"/>: new connections are forwarded again.</summary>
    public void Restore() => _interrupted = false;

    private void ResetAll()
    {
        foreach (var connection in _connections)
        {
            Reset(connection);
        }
        _connections.Clear();
    }

    private static void Reset(TcpClient connection)
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
        // Checked after registering, so a link racing with Interrupt is reset by one or the other.
        if (_interrupted)
        {
            Reset(inbound);
            outbound.Dispose();
            return;
        }
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
