using System.Net;
using System.Net.Sockets;

namespace Spotter.Collab.Server.Tests.Infrastructure;

public static class TestPorts
{
    // Below the kernel's ephemeral range (32768-60999 on Linux): a port the OS handed out for listening could be taken
    // by an outgoing connection between this check and the server's bind, which made servers fail to start with
    // "address already in use". Ports from here are only ever taken by explicit binds. A random start per process keeps
    // test processes that run side by side apart.
    private const int First = 20000;
    private const int Count = 12000;
    private static int _next = Random.Shared.Next(Count);

    /// <summary>A port outside the ephemeral range that was free a moment ago; each call returns a different one.</summary>
    public static int Free()
    {
        for (var attempt = 0; attempt < Count; attempt++)
        {
            var port = First + (int)((uint)Interlocked.Increment(ref _next) % Count);
            try
            {
                using var listener = new TcpListener(IPAddress.Loopback, port);
                listener.Start();
                return port;
            }
            catch (SocketException)
            {
                // In use: try the next one.
            }
        }
        throw new InvalidOperationException($"no free port in {First}-{First + Count - 1}");
    }
}
