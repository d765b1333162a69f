namespace Spotter.Collab.Crdt;

/// <summary>Small glue between the model and the binary codec: decoder construction and error translation.</summary>
internal static class Codec
{
    internal static IUpdateDecoder UpdateDecoder(Lib0Reader reader, bool v2) =>
        v2 ? new UpdateDecoderV2(reader) : new UpdateDecoderV1(reader);

    internal static IUpdateEncoder UpdateEncoder(bool v2) => v2 ? new UpdateEncoderV2() : new UpdateEncoderV1();

    /// <summary>Exceptions that decoding malformed bytes can raise (anything else is a bug and propagates).</summary>
    internal static bool IsDecodingFailure(Exception e) =>
        e is IndexOutOfRangeException or ArgumentException or OverflowException or InvalidOperationException
            or FormatException or KeyNotFoundException or InvalidCastException or NullReferenceException or OutOfMemoryException;

    internal static IDSDecoder DsDecoderV1(Lib0Reader reader) => new DSDecoderV1(reader);

    /// <summary>Runs a decoding step; any failure of malformed input surfaces as <see cref="CrdtFormatException"/>.</summary>
    internal static T Guard<T>(ReadOnlySpan<byte> data, Func<Lib0Reader, T> read)
    {
        var reader = new Lib0Reader(data.ToArray());
        return Guard(reader, read);
    }

    internal static T Guard<T>(Lib0Reader reader, Func<Lib0Reader, T> read)
    {
        try
        {
            return read(reader);
        }
        catch (CrdtFormatException)
        {
            throw;
        }
        catch (Exception e) when (IsDecodingFailure(e))
        {
            throw new CrdtFormatException("Malformed update: " + e.Message, e);
        }
    }
}
