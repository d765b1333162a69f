using System.Buffers;

namespace Spotter.Collab.Crdt.Lib0;

// lib0's run-length column encoders used by Yjs update format V2. Each encoder writes into its own buffer;
// the decoders read from a slice of the update. Decoders cost O(1) per read whatever the input claims, and a
// claimed run length is only a counter, never an allocation.

/// <summary>
/// Runs of equal bytes: the value, then (only if another value follows) the run length minus one.
/// The final run has no length: its value repeats forever (lib0 RleEncoder with writeUint8).
/// </summary>
internal sealed class RleByteEncoder : IDisposable
{
    private readonly Lib0Writer _writer = new(64);
    private bool _hasValue;
    private byte _value;
    private ulong _count;

    public void Write(byte value)
    {
        if (_hasValue && _value == value)
        {
            _count++;
            return;
        }
        if (_count > 0)
        {
            _writer.WriteVarUint(_count - 1);
        }
        _count = 1;
        _writer.WriteUint8(value);
        _value = value;
        _hasValue = true;
    }

    public ReadOnlySpan<byte> Finish() => _writer.WrittenSpan;

    public void Dispose() => _writer.Dispose();
}

internal sealed class RleByteDecoder
{
    private readonly Lib0Reader _reader;
    private byte _value;
    private ulong _remaining;
    private bool _repeatForever;

    public RleByteDecoder(ReadOnlyMemory<byte> data)
    {
        _reader = new Lib0Reader(data);
    }

    public byte Read()
    {
        if (_remaining == 0 && !_repeatForever)
        {
            _value = _reader.ReadUint8();
            if (_reader.HasContent)
            {
                _remaining = _reader.ReadVarUint() + 1;
            }
            else
            {
                _repeatForever = true;
            }
        }
        if (!_repeatForever)
        {
            _remaining--;
        }
        return _value;
    }
}

/// <summary>
/// Unsigned values with optional run length (lib0 UintOptRleEncoder): a single value is written as a positive
/// varint; a run as the negated value (negative zero for 0) followed by the run length minus two.
/// </summary>
internal sealed class UintOptRleEncoder : IDisposable
{
    private readonly Lib0Writer _writer = new(64);
    private ulong _value;
    private ulong _count;

    public void Write(ulong value)
    {
        if (_value == value)
        {
            _count++;
            return;
        }
        Flush();
        _count = 1;
        _value = value;
    }

    private void Flush()
    {
        if (_count == 0)
        {
            return;
        }
        _writer.WriteVarInt(_value, negative: _count > 1);
        if (_count > 1)
        {
            _writer.WriteVarUint(_count - 2);
        }
        _count = 0;
    }

    /// <summary>Flushes the pending run and returns everything written.</summary>
    public ReadOnlySpan<byte> Finish()
    {
        Flush();
        return _writer.WrittenSpan;
    }

    public void Dispose() => _writer.Dispose();
}

internal sealed class UintOptRleDecoder
{
    private readonly Lib0Reader _reader;
    private ulong _value;
    private ulong _remaining;

    public UintOptRleDecoder(ReadOnlyMemory<byte> data) : this(new Lib0Reader(data))
    {
    }

    public UintOptRleDecoder(Lib0Reader reader)
    {
        _reader = reader;
    }

    /// <summary>A value of at most 53 bits.</summary>
    public ulong Read()
    {
        if (_remaining == 0)
        {
            _value = _reader.ReadVarInt(out bool isRun);
            _remaining = isRun ? _reader.ReadVarUint() + 2 : 1;
        }
        _remaining--;
        return _value;
    }
}

/// <summary>
/// Integers as runs of equal differences (lib0 IntDiffOptRleEncoder): each run writes diff * 2 + hasCount as a
/// varint, followed by the run length minus two when hasCount is set.
/// </summary>
internal sealed class IntDiffOptRleEncoder : IDisposable
{
    private readonly Lib0Writer _writer = new(64);
    private long _value;
    private long _diff;
    private ulong _count;

    public void Write(long value)
    {
        if (_diff == value - _value)
        {
            _value = value;
            _count++;
            return;
        }
        Flush();
        _count = 1;
        _diff = value - _value;
        _value = value;
    }

    private void Flush()
    {
        if (_count == 0)
        {
            return;
        }
        _writer.WriteVarInt(_diff * 2 + (_count == 1 ? 0 : 1));
        if (_count > 1)
        {
            _writer.WriteVarUint(_count - 2);
        }
        _count = 0;
    }

    public ReadOnlySpan<byte> Finish()
    {
        Flush();
        return _writer.WrittenSpan;
    }

    public void Dispose() => _writer.Dispose();
}

internal sealed class IntDiffOptRleDecoder
{
    private readonly Lib0Reader _reader;
    private long _value;
    private long _diff;
    private ulong _remaining;

    public IntDiffOptRleDecoder(ReadOnlyMemory<byte> data)
    {
        _reader = new Lib0Reader(data);
    }

    /// <summary>The next value; lying input may make it any long (callers range-check).</summary>
    public long Read()
    {
        if (_remaining == 0)
        {
            long encoded = _reader.ReadVarInt();
            _diff = encoded >> 1; // floor(encoded / 2), as lib0 does
            _remaining = (encoded & 1) != 0 ? _reader.ReadVarUint() + 2 : 1;
        }
        _value = unchecked(_value + _diff);
        _remaining--;
        return _value;
    }
}

/// <summary>
/// Strings as one concatenated UTF-8 string plus their lengths in UTF-16 code units (lib0 StringEncoder).
/// Concatenating before encoding matters: surrogate halves split across two strings pair up again.
/// </summary>
internal sealed class StringColumnEncoder : IDisposable
{
    private char[] _chars = ArrayPool<char>.Shared.Rent(256);
    private int _length;
    private readonly UintOptRleEncoder _lengths = new();
    private readonly Lib0Writer _output = new(64);

    public void Write(ReadOnlySpan<char> value)
    {
        if (_chars.Length - _length < value.Length)
        {
            var next = ArrayPool<char>.Shared.Rent(Math.Max(_chars.Length * 2, _length + value.Length));
            _chars.AsSpan(0, _length).CopyTo(next);
            ArrayPool<char>.Shared.Return(_chars);
            _chars = next;
        }
        value.CopyTo(_chars.AsSpan(_length));
        _length += value.Length;
        _lengths.Write((ulong)value.Length);
    }

    public ReadOnlySpan<byte> Finish()
    {
        _output.Clear();
        _output.WriteVarString(_chars.AsSpan(0, _length));
        _output.WriteUint8Array(_lengths.Finish());
        return _output.WrittenSpan;
    }

    public void Dispose()
    {
        _lengths.Dispose();
        _output.Dispose();
        if (_chars.Length > 0)
        {
            ArrayPool<char>.Shared.Return(_chars);
            _chars = [];
        }
    }
}

internal sealed class StringColumnDecoder
{
    private readonly string _text;
    private readonly UintOptRleDecoder _lengths;
    private int _position;

    public StringColumnDecoder(ReadOnlyMemory<byte> data)
    {
        var reader = new Lib0Reader(data);
        _text = reader.ReadVarString();
        _lengths = new UintOptRleDecoder(reader);
    }

    public string Read()
    {
        ulong length = _lengths.Read();
        if (length > (ulong)(_text.Length - _position))
        {
            ThrowHelper.Format("String length exceeds the string column.");
        }
        string result = _text.Substring(_position, (int)length);
        _position += (int)length;
        return result;
    }
}
