namespace Spotter.Collab.Grains.Protocol;

public sealed class AwarenessRelayOptions
{
    /// <summary>Sustained awareness frames per second per connection.</summary>
    public double FramesPerSecond { get; set; } = 20;

    /// <summary>Frames a connection may send in a burst before the rate applies.</summary>
    public int Burst { get; set; } = 40;

    /// <summary>Awareness client ids one connection may own on one document.</summary>
    public int MaxClientIdsPerConnection { get; set; } = 8;

    /// <summary>Largest awareness state relayed, in bytes of its JSON text as relayed (with the server's <c>user</c>
    /// stamp). The web client's state (user, colour, a cursor as two relative positions) is a few hundred bytes;
    /// an update with a larger state is refused <c>too-large</c> and nothing of it is relayed.</summary>
    public int MaxStateBytes { get; set; } = 8 * 1024;
}
