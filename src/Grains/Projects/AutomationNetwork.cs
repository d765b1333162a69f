using System.Net;
using System.Net.Http;
using System.Net.Sockets;
using Microsoft.Extensions.Options;

namespace Spotter.Collab.Grains.Projects;

/// <summary>Settings of project automation (<c>Projects:Automation</c>).</summary>
public sealed class ProjectAutomationOptions
{
    public const string SectionName = "Projects:Automation";

    /// <summary>The key of the <see cref="TimeProvider"/> automation schedules by: the process clock unless a test
    /// registers a fake under this key (a fake for the whole process would also stop the silo's own timers).</summary>
    public const string ClockKey = "project-automation";

    /// <summary>Hosts an administrator lets webhooks reach although their addresses are loopback or private: host
    /// names (matched exactly, case-insensitively), IP addresses or CIDR ranges (<c>10.1.0.0/16</c>).</summary>
    public IList<string> AllowedHosts { get; } = [];

    /// <summary>How long one post may take, connecting included.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The waits before each retry; a delivery is tried at most once more than there are entries. Empty
    /// (configuration without the key) means the default 10 s, 1 min, 5 min, 30 min.</summary>
    public IList<TimeSpan> RetryDelays { get; } = [];

    public static readonly IReadOnlyList<TimeSpan> DefaultRetryDelays =
        [TimeSpan.FromSeconds(10), TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(30)];

    public IReadOnlyList<TimeSpan> EffectiveRetryDelays => RetryDelays.Count > 0 ? [.. RetryDelays] : DefaultRetryDelays;
}

/// <summary>Thrown by the connect step when every address of a webhook's host is one automation may not reach.</summary>
public sealed class WebhookAddressRefusedException : Exception
{
    public WebhookAddressRefusedException(string message) : base(message) { }
    public WebhookAddressRefusedException() { }
    public WebhookAddressRefusedException(string message, Exception innerException) : base(message, innerException) { }
}

/// <summary>
/// Which addresses webhook posts may connect to: never loopback, private, link-local, shared (CGNAT), multicast,
/// unspecified or reserved ones (IPv4 and IPv6, IPv4-mapped and NAT64-embedded IPv4 judged as IPv4) unless allow-listed.
/// Judged on the address actually connected to, so a name that resolves elsewhere later (DNS rebinding) gains nothing.
/// </summary>
public sealed class WebhookAddressPolicy
{
    private static readonly IPNetwork[] s_refusedV4 =
    [
        IPNetwork.Parse("0.0.0.0/8"), IPNetwork.Parse("10.0.0.0/8"), IPNetwork.Parse("100.64.0.0/10"), IPNetwork.Parse("127.0.0.0/8"),
        IPNetwork.Parse("169.254.0.0/16"), IPNetwork.Parse("172.16.0.0/12"), IPNetwork.Parse("192.0.0.0/24"), IPNetwork.Parse("192.168.0.0/16"),
        IPNetwork.Parse("198.18.0.0/15"), IPNetwork.Parse("224.0.0.0/4"), IPNetwork.Parse("240.0.0.0/4"),
    ];

    private static readonly IPNetwork[] s_refusedV6 =
    [
        IPNetwork.Parse("::/128"), IPNetwork.Parse("::1/128"), IPNetwork.Parse("fc00::/7"), IPNetwork.Parse("fe80::/10"),
        IPNetwork.Parse("fec0::/10"), IPNetwork.Parse("ff00::/8"), IPNetwork.Parse("100::/64"), IPNetwork.Parse("2001:db8::/32"),
    ];

    private static readonly IPNetwork s_nat64 = IPNetwork.Parse("64:ff9b::/96");

    private readonly HashSet<string> _allowedNames = new(StringComparer.OrdinalIgnoreCase);
    private readonly List<IPNetwork> _allowedNetworks = [];

    public WebhookAddressPolicy(IOptions<ProjectAutomationOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        foreach (var entry in options.Value.AllowedHosts)
        {
            var value = entry.Trim();
            if (value.Length == 0) continue;
            if (IPNetwork.TryParse(value, out var network)) _allowedNetworks.Add(network);
            else if (IPAddress.TryParse(value, out var address)) _allowedNetworks.Add(new IPNetwork(Canonical(address), Canonical(address).AddressFamily == AddressFamily.InterNetwork ? 32 : 128));
            else _allowedNames.Add(value);
        }
    }

    public bool IsAllowedName(string host) => _allowedNames.Contains(host);

    /// <summary>Null when the address may be connected to; otherwise why not.</summary>
    public string? Refusal(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        var canonical = Canonical(address);
        if (_allowedNetworks.Any(n => n.Contains(canonical))) return null;
        var refused = canonical.AddressFamily == AddressFamily.InterNetwork
            ? s_refusedV4.Any(n => n.Contains(canonical))
            : s_refusedV6.Any(n => n.Contains(canonical)) || canonical.IsIPv6SiteLocal || canonical.IsIPv6Multicast;
        return refused ? $"{address} is a loopback, private, link-local or otherwise internal address and is not allow-listed" : null;
    }

    /// <summary>IPv4-mapped and NAT64 addresses as the IPv4 address they reach.</summary>
    private static IPAddress Canonical(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6) return address.MapToIPv4();
        if (address.AddressFamily == AddressFamily.InterNetworkV6 && s_nat64.Contains(address))
        {
            var bytes = address.GetAddressBytes();
            return new IPAddress(bytes.AsSpan(12, 4));
        }
        return address;
    }

    /// <summary>The connect step of the webhook client: resolves the host, refuses what <see cref="Refusal"/> refuses,
    /// and connects to the first address left.</summary>
    public async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var host = context.DnsEndPoint.Host.Trim('[', ']');
        var port = context.DnsEndPoint.Port;
        var addresses = IPAddress.TryParse(host, out var literal)
            ? [literal]
            : await Dns.GetHostAddressesAsync(host, cancellationToken).ConfigureAwait(false);
        var byName = IsAllowedName(host);
        string? refusal = null;
        SocketException? lastError = null;
        foreach (var address in addresses)
        {
            if (!byName && Refusal(address) is { } reason)
            {
                refusal ??= reason;
                continue;
            }
            var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(address, port, cancellationToken).ConfigureAwait(false);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch (SocketException ex)
            {
                socket.Dispose();
                lastError = ex;
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        }
        if (lastError is not null) throw lastError;
        if (refusal is null) throw new SocketException((int)SocketError.HostNotFound);
        throw new WebhookAddressRefusedException($"refused: {refusal}");
    }
}
