namespace Spotter.Collab.WebHost.Hosting;

/// <summary>Embedded silo endpoints (tests pick free ports so hosts do not collide).</summary>
public sealed class SiloOptions
{
    public const string SectionName = "Orleans";

    public int SiloPort { get; set; } = 11111;
    public int GatewayPort { get; set; } = 30000;
    public string ClusterId { get; set; } = "spotter-dev";
    public string ServiceId { get; set; } = "spotter-collab";
}
