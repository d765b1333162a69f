using System.Buffers;
using System.Text;

namespace Spotter.Collab.Grains.Protocol;

/// <summary>Writes lib0 encodings into a growable buffer.</summary>
internal sealed class WireWriter(int initialCapacity = 256)
{
    private readonly ArrayBufferWriter<byte> _buffer = new(initialCapacity);

    public void WriteVarUInt(ulong value)
    {
        var span = _buffer.GetSpan(10);
        var i = 0;
        while (value >= 0x80)
        {
            span[i++] = (byte)(value | 0x80);
            value >>= 7;
        }
        span[i++] = (byte)value;
        _buffer.Advance(i);
    }

    public void WriteVarBytes(ReadOnlySpan<byte> bytes)
    {
        WriteVarUInt((ulong)bytes.Length);
        bytes.CopyTo(_buffer.GetSpan(bytes.Length));
        _buffer.Advance(bytes.Length);
    }

    public void WriteVarString(string text)
    {
        var length = Encoding.UTF8.GetByteCount(text);
        WriteVarUInt((ulong)length);
        var written = Encoding.UTF8.GetBytes(text, _buffer.GetSpan(length));
        _buffer.Advance(written);
    }

    public byte[] ToArray() => _buffer.WrittenSpan.ToArray();
}
