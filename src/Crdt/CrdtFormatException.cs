namespace Spotter.Collab.Crdt;

/// <summary>
/// The one exception type for malformed, truncated or lying binary/JSON input to the CRDT engine.
/// Whoever catches it can rely on the operation having changed nothing.
/// </summary>
public sealed class CrdtFormatException : Exception
{
    public CrdtFormatException()
    {
    }

    public CrdtFormatException(string message) : base(message)
    {
    }

    public CrdtFormatException(string message, Exception innerException) : base(message, innerException)
    {
    }
}

/// <summary>Throw helpers keep the hot decoding paths small enough to inline.</summary>
internal static class ThrowHelper
{
    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    public static void Format(string message) => throw new CrdtFormatException(message);

    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    public static T Format<T>(string message) => throw new CrdtFormatException(message);

    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    public static void EndOfData() => throw new CrdtFormatException("Unexpected end of data.");

    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    public static T EndOfData<T>() => throw new CrdtFormatException("Unexpected end of data.");
}
