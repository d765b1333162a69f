namespace Spotter.Collab.Silo;

/// <summary>The <c>Orleans</c> configuration section of a silo process.</summary>
public sealed class SiloSettings
{
    public const string SectionName = "Orleans";

    public string ClusterId { get; set; } = "spotter-dev";
    public string ServiceId { get; set; } = "spotter-collab";
    public int SiloPort { get; set; } = 11111;
    public int GatewayPort { get; set; } = 30000;

    /// <summary>Address other silos and clients use to reach this silo; default: this host's first IPv4 address.</summary>
    public string? AdvertisedIP { get; set; }
}

/// <summary>Where documents and grain state live: <c>postgres</c> (cluster) or <c>sqlite</c> (a single silo).</summary>
public enum StorageKind
{
    Postgres,
    Sqlite,
}
