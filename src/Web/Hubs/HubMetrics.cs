using System.Diagnostics.Metrics;

namespace Spotter.Collab.WebHost.Hubs;

/// <summary>
/// The web host's own instruments (meter <see cref="MeterName"/>, exported by src/ServiceDefaults): hub connections,
/// the frames this host fans out to its SignalR groups, and live access changes delivered. A static meter: the
/// instruments cost nothing until an exporter listens.
/// </summary>
public static class HubMetrics
{
    public const string MeterName = "Spotter.Collab.Web";

    private static readonly Meter Meter = new(MeterName);

    public static readonly UpDownCounter<long> Connections = Meter.CreateUpDownCounter<long>(
        "spotter.hub.connections", "{connection}", "Hub connections open on this host.");

    public static readonly Counter<long> FanOutFrames = Meter.CreateCounter<long>(
        "spotter.fanout.frames", "{frame}", "Frames this host handed to SignalR for the connections of a resource (one per group send).");

    public static readonly Counter<long> FanOutBytes = Meter.CreateCounter<long>(
        "spotter.fanout.size", "By", "Bytes of the frames this host handed to SignalR for the connections of a resource.");

    public static readonly Counter<long> AccessChanges = Meter.CreateCounter<long>(
        "spotter.access.live_changes", "{connection}", "Open connections told of an access change (change = revoked or role_changed).");

    public static KeyValuePair<string, object?> Change(string change) => new("change", change);
}
