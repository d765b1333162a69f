using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;

namespace Spotter.Collab.Crdt.Lib0;

/// <summary>
/// Cursor over lib0-encoded bytes. Every read is bounds-checked and any malformed, truncated or lying input
/// throws <see cref="CrdtFormatException"/>; lengths are checked against the remaining bytes before anything
/// is allocated.
/// </summary>
public sealed class Lib0Reader
{
    /// <summary>Deepest nesting of arrays/objects <see cref="ReadAny"/> accepts.</summary>
    public const int MaxAnyDepth = Lib0Writer.MaxAnyDepth;

    private const ulong MaxSafeInteger = (ulong)AnyValue.MaxSafeInteger;

    // lib0 decodes with TextDecoder('utf-8', { fatal: true, ignoreBOM: true }): invalid bytes are an error and a
    // leading BOM is kept as U+FEFF (GetString never strips it).
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private readonly byte[] _buffer;
    private readonly int _start;
    private readonly int _end;
    private int _pos;

    public Lib0Reader(byte[] buffer) : this(buffer, 0, buffer.Length)
    {
    }

    public Lib0Reader(byte[] buffer, int offset, int count)
    {
        ArgumentNullException.ThrowIfNull(buffer);
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, buffer.Length - offset);
        _buffer = buffer;
        _start = offset;
        _pos = offset;
        _end = offset + count;
    }

    /// <summary>Reads from memory without copying when it is array-backed.</summary>
    public Lib0Reader(ReadOnlyMemory<byte> memory)
    {
        if (MemoryMarshal.TryGetArray(memory, out var segment) && segment.Array is not null)
        {
            _buffer = segment.Array;
            _start = segment.Offset;
            _end = segment.Offset + segment.Count;
        }
        else
        {
            _buffer = memory.ToArray();
            _start = 0;
            _end = _buffer.Length;
        }
        _pos = _start;
    }

    /// <summary>Copies the span (a reader has to outlive the caller's stack frame).</summary>
    public static Lib0Reader FromSpan(ReadOnlySpan<byte> data) => new(data.ToArray());

    /// <summary>Offset from the start of this reader's data.</summary>
    public int Position => _pos - _start;

    public int Length => _end - _start;

    public int Remaining => _end - _pos;

    public bool HasContent => _pos < _end;

    /// <summary>The bytes not yet read.</summary>
    public ReadOnlySpan<byte> RemainingSpan => new(_buffer, _pos, _end - _pos);

    public ReadOnlyMemory<byte> RemainingMemory => new(_buffer, _pos, _end - _pos);

    /// <summary>Everything this reader covers, read or not.</summary>
    public ReadOnlyMemory<byte> Data => new(_buffer, _start, _end - _start);

    public void Skip(int count)
    {
        if ((uint)count > (uint)(_end - _pos))
        {
            ThrowHelper.EndOfData();
        }
        _pos += count;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public byte ReadUint8()
    {
        int pos = _pos;
        if (pos >= _end)
        {
            ThrowHelper.EndOfData();
        }
        _pos = pos + 1;
        return _buffer[pos];
    }

    /// <summary>Unsigned varint of at most 53 significant bits (JavaScript's safe integer range).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ulong ReadVarUint()
    {
        int pos = _pos;
        if (pos < _end)
        {
            byte first = _buffer[pos];
            if (first < 0x80)
            {
                _pos = pos + 1;
                return first;
            }
        }
        return ReadVarUintSlow();
    }

    private ulong ReadVarUintSlow()
    {
        var span = new ReadOnlySpan<byte>(_buffer, _pos, _end - _pos);
        // 8 bytes carry 56 bits; a longer varuint cannot be a safe integer.
        int limit = Math.Min(span.Length, 8);
        ulong value = 0;
        for (int i = 0; i < limit; i++)
        {
            byte b = span[i];
            value |= (ulong)(b & 0x7F) << (7 * i);
            if (b < 0x80)
            {
                return FinishVarUint(value, _pos + i + 1);
            }
        }
        return limit < 8
            ? ThrowHelper.EndOfData<ulong>()
            : ThrowHelper.Format<ulong>("Variable-length integer exceeds 53 bits.");
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private ulong FinishVarUint(ulong value, int pos)
    {
        if (value > MaxSafeInteger)
        {
            ThrowHelper.Format("Variable-length integer exceeds 53 bits.");
        }
        _pos = pos;
        return value;
    }

    /// <summary>A varuint that must fit a 32-bit clock, length or type reference.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public uint ReadVarUint32()
    {
        ulong value = ReadVarUint();
        if (value > uint.MaxValue)
        {
            ThrowHelper.Format("Value exceeds 32 bits.");
        }
        return (uint)value;
    }

    /// <summary>A varuint used as a byte or element count: it must not exceed the bytes that remain.</summary>
    public int ReadLength(int minBytesPerElement = 1)
    {
        ulong value = ReadVarUint();
        if (value > (ulong)((_end - _pos) / minBytesPerElement))
        {
            ThrowHelper.Format("Length exceeds the remaining data.");
        }
        return (int)value;
    }

    public long ReadVarInt()
    {
        ulong magnitude = ReadVarInt(out bool negative);
        return negative ? -(long)magnitude : (long)magnitude;
    }

    /// <summary>Sign-magnitude read; <paramref name="negative"/> is also true for lib0's negative zero.</summary>
    internal ulong ReadVarInt(out bool negative)
    {
        int pos = _pos;
        var buffer = _buffer;
        if (pos >= _end)
        {
            ThrowHelper.EndOfData();
        }
        byte b = buffer[pos++];
        negative = (b & 0x40) != 0;
        ulong value = (ulong)(b & 0x3F);
        int shift = 6;
        while (b >= 0x80)
        {
            if (pos >= _end)
            {
                ThrowHelper.EndOfData();
            }
            if (shift > 55)
            {
                ThrowHelper.Format("Variable-length integer exceeds 53 bits.");
            }
            b = buffer[pos++];
            value |= (ulong)(b & 0x7F) << shift;
            shift += 7;
        }
        if (value > MaxSafeInteger)
        {
            ThrowHelper.Format("Variable-length integer exceeds 53 bits.");
        }
        _pos = pos;
        return value;
    }

    /// <summary>Length-prefixed bytes without copying.</summary>
    public ReadOnlyMemory<byte> ReadVarUint8ArrayMemory()
    {
        int length = ReadLength();
        var result = new ReadOnlyMemory<byte>(_buffer, _pos, length);
        _pos += length;
        return result;
    }

    public ReadOnlySpan<byte> ReadVarUint8ArraySpan()
    {
        int length = ReadLength();
        var result = new ReadOnlySpan<byte>(_buffer, _pos, length);
        _pos += length;
        return result;
    }

    /// <summary>Length-prefixed bytes as a fresh array.</summary>
    public byte[] ReadVarUint8Array() => ReadVarUint8ArraySpan().ToArray();

    /// <summary>Raw bytes of a known count, without copying.</summary>
    public ReadOnlySpan<byte> ReadUint8Array(int count)
    {
        if ((uint)count > (uint)(_end - _pos))
        {
            ThrowHelper.EndOfData();
        }
        var result = new ReadOnlySpan<byte>(_buffer, _pos, count);
        _pos += count;
        return result;
    }

    /// <summary>Length-prefixed UTF-8. Invalid UTF-8 is rejected, like lib0's fatal TextDecoder.</summary>
    public string ReadVarString()
    {
        var bytes = ReadVarUint8ArraySpan();
        if (bytes.Length == 0)
        {
            return string.Empty;
        }
        try
        {
            return StrictUtf8.GetString(bytes);
        }
        catch (DecoderFallbackException e)
        {
            throw new CrdtFormatException("String is not valid UTF-8.", e);
        }
    }

    /// <summary>
    /// Strict UTF-8 to UTF-16 into <paramref name="target"/> (as <see cref="ReadVarString"/> decodes: invalid bytes
    /// are an error, a BOM is kept); returns the chars written.
    /// </summary>
    internal static int DecodeUtf8(ReadOnlySpan<byte> bytes, Span<char> target)
    {
        var status = System.Text.Unicode.Utf8.ToUtf16(bytes, target, out _, out int written, replaceInvalidSequences: false);
        if (status != System.Buffers.OperationStatus.Done)
        {
            throw new CrdtFormatException("String is not valid UTF-8.");
        }
        return written;
    }

    public float ReadFloat32() => BinaryPrimitives.ReadSingleBigEndian(ReadUint8Array(4));

    public double ReadFloat64() => BinaryPrimitives.ReadDoubleBigEndian(ReadUint8Array(8));

    public long ReadBigInt64() => BinaryPrimitives.ReadInt64BigEndian(ReadUint8Array(8));

    /// <summary>
    /// lib0's self-describing value (tags 116..127): integers come back as <see cref="long"/> (negative zero as
    /// the double -0.0), float32/float64 as <see cref="double"/>, bigint as <see cref="BigInteger"/>, objects as
    /// <see cref="Dictionary{TKey,TValue}"/> in JavaScript key order, arrays as <see cref="List{T}"/>,
    /// Uint8Array as byte[], undefined as <see cref="Undefined.Value"/>.
    /// </summary>
    public object? ReadAny() => ReadAny(0);

    private object? ReadAny(int depth)
    {
        byte tag = ReadUint8();
        switch (tag)
        {
            case AnyTag.Undefined:
                return Undefined.Value;
            case AnyTag.Null:
                return null;
            case AnyTag.Integer:
            {
                ulong magnitude = ReadVarInt(out bool negative);
                if (negative)
                {
                    return magnitude == 0 ? (object)(-0.0) : -(long)magnitude;
                }
                return (long)magnitude;
            }
            case AnyTag.Float32:
                return (double)ReadFloat32();
            case AnyTag.Float64:
                return ReadFloat64();
            case AnyTag.BigInt:
                return new BigInteger(ReadBigInt64());
            case AnyTag.False:
                return false;
            case AnyTag.True:
                return true;
            case AnyTag.String:
                return ReadVarString();
            case AnyTag.Object:
            {
                EnterNested(depth);
                // Each entry takes at least two bytes: an empty key and a one-byte value.
                int count = ReadLength(2);
                // Capacity is capped: a count is only plausible, not proven, until the entries have been read.
                var result = new Dictionary<string, object?>(Math.Min(count, 64));
                for (int i = 0; i < count; i++)
                {
                    string key = ReadVarString();
                    result[key] = ReadAny(depth + 1);
                }
                return JsKeyOrder.Normalize(result);
            }
            case AnyTag.Array:
            {
                EnterNested(depth);
                int count = ReadLength();
                var result = new List<object?>(Math.Min(count, 1024));
                for (int i = 0; i < count; i++)
                {
                    result.Add(ReadAny(depth + 1));
                }
                return result;
            }
            case AnyTag.Uint8Array:
                return ReadVarUint8Array();
            default:
                return ThrowHelper.Format<object?>($"Unknown lib0 any type tag {tag}.");
        }
    }

    private static void EnterNested(int depth)
    {
        if (depth >= MaxAnyDepth)
        {
            ThrowHelper.Format($"Value nests deeper than {MaxAnyDepth} levels.");
        }
    }
}
