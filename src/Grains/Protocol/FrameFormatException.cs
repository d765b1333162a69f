namespace Spotter.Collab.Grains.Protocol;

/// <summary>A client frame that does not follow the y-websocket framing or the y-protocols awareness encoding.</summary>
public sealed class FrameFormatException : Exception
{
    public FrameFormatException() { }
    public FrameFormatException(string message) : base(message) { }
    public FrameFormatException(string message, Exception innerException) : base(message, innerException) { }

    internal static FrameFormatException Truncated() => new("frame ends early");
}
