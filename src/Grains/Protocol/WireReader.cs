using System.Text;

namespace Spotter.Collab.Grains.Protocol;

/// <summary>Reads lib0 encodings (varuint, length-prefixed bytes and strings) from a frame.</summary>
internal ref struct WireReader(ReadOnlySpan<byte> data)
{
    private static readonly UTF8Encoding StrictUtf8 = new(false, true);
    private readonly ReadOnlySpan<byte> _data = data;
    private int _position;

    public readonly bool End => _position >= _data.Length;

    public readonly int Position => _position;

    /// <summary>lib0 varuint: 7 bits per byte, little-endian groups, at most 53 significant bits (a JS safe integer).</summary>
    public ulong ReadVarUInt()
    {
        ulong value = 0;
        for (var shift = 0; ; shift += 7)
        {
            if (_position >= _data.Length) throw FrameFormatException.Truncated();
            if (shift > 49) throw new FrameFormatException("varuint exceeds 53 bits");
            var b = _data[_position++];
            value |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
            {
                if (value > (1UL << 53) - 1) throw new FrameFormatException("varuint exceeds 53 bits");
                return value;
            }
        }
    }

    public ReadOnlySpan<byte> ReadVarBytes()
    {
        var length = ReadVarUInt();
        if (length > (ulong)(_data.Length - _position)) throw FrameFormatException.Truncated();
        var bytes = _data.Slice(_position, (int)length);
        _position += (int)length;
        return bytes;
    }

    public string ReadVarString()
    {
        var bytes = ReadVarBytes();
        try
        {
            return StrictUtf8.GetString(bytes);
        }
        catch (DecoderFallbackException ex)
        {
            throw new FrameFormatException("string is not valid UTF-8", ex);
        }
    }
}
