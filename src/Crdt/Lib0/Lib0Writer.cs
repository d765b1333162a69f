using System.Buffers;
using System.Buffers.Binary;
using System.Collections;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Text;

namespace Spotter.Collab.Crdt.Lib0;

/// <summary>
/// Growable byte buffer writing lib0's binary encoding (the format Yjs and y-protocols use).
/// The backing array comes from <see cref="ArrayPool{T}"/>; <see cref="Dispose"/> returns it.
/// </summary>
public sealed class Lib0Writer : IBufferWriter<byte>, IDisposable
{
    /// <summary>Deepest nesting of arrays/objects <see cref="WriteAny"/> accepts (cycles must not overflow the stack).</summary>
    public const int MaxAnyDepth = 256;

    private const int MinimumCapacity = 64;
    private byte[] _buffer;
    private int _length;

    public Lib0Writer(int initialCapacity = 256)
    {
        _buffer = ArrayPool<byte>.Shared.Rent(Math.Max(initialCapacity, MinimumCapacity));
    }

    /// <summary>Number of bytes written so far.</summary>
    public int Length => _length;

    public ReadOnlySpan<byte> WrittenSpan => new(_buffer, 0, _length);

    public ReadOnlyMemory<byte> WrittenMemory => new(_buffer, 0, _length);

    public byte[] ToArray() => WrittenSpan.ToArray();

    /// <summary>Forget the written bytes but keep the buffer for reuse.</summary>
    public void Clear() => _length = 0;

    public void Dispose()
    {
        var buffer = _buffer;
        _buffer = [];
        _length = 0;
        if (buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    // ---- IBufferWriter<byte> ----

    public void Advance(int count)
    {
        if ((uint)count > (uint)(_buffer.Length - _length))
        {
            throw new ArgumentOutOfRangeException(nameof(count));
        }
        _length += count;
    }

    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        EnsureCapacity(Math.Max(sizeHint, 1));
        return _buffer.AsMemory(_length);
    }

    public Span<byte> GetSpan(int sizeHint = 0)
    {
        EnsureCapacity(Math.Max(sizeHint, 1));
        return _buffer.AsSpan(_length);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void EnsureCapacity(int extra)
    {
        if (_buffer.Length - _length < extra)
        {
            Grow(extra);
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void Grow(int extra)
    {
        // A live writer always holds a rented (non-empty) array; only Dispose leaves an empty one.
        ObjectDisposedException.ThrowIf(_buffer.Length == 0, this);
        long wanted = Math.Max((long)_buffer.Length * 2, (long)_length + extra);
        if (wanted > Array.MaxLength)
        {
            wanted = (long)_length + extra;
            if (wanted > Array.MaxLength)
            {
                throw new InvalidOperationException("Encoded data exceeds the maximum array size.");
            }
        }
        var next = ArrayPool<byte>.Shared.Rent((int)wanted);
        Buffer.BlockCopy(_buffer, 0, next, 0, _length);
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = next;
    }

    // ---- primitives ----

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void WriteUint8(byte value)
    {
        if (_length >= _buffer.Length)
        {
            Grow(1);
        }
        _buffer[_length++] = value;
    }

    /// <summary>Unsigned LEB128-style integer: 7 bits per byte, high bit = continue.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void WriteVarUint(ulong value)
    {
        if (value < 0x80 && _length < _buffer.Length)
        {
            _buffer[_length++] = (byte)value;
            return;
        }
        WriteVarUintSlow(value);
    }

    private void WriteVarUintSlow(ulong value)
    {
        EnsureCapacity(10);
        var buffer = _buffer;
        int pos = _length;
        while (value > 0x7F)
        {
            buffer[pos++] = (byte)(0x80 | (value & 0x7F));
            value >>= 7;
        }
        buffer[pos++] = (byte)value;
        _length = pos;
    }

    /// <summary>
    /// lib0 signed integer: the first byte holds continue bit, sign bit and 6 value bits;
    /// following bytes are varuint-style. This is sign-magnitude, not zig-zag.
    /// </summary>
    public void WriteVarInt(long value)
    {
        bool negative = value < 0;
        ulong magnitude = negative ? (ulong)(-(value + 1)) + 1 : (ulong)value;
        WriteVarInt(magnitude, negative);
    }

    /// <summary>Sign-magnitude form, which can express lib0's negative zero (used as a flag by the RLE encoders).</summary>
    internal void WriteVarInt(ulong magnitude, bool negative)
    {
        EnsureCapacity(11);
        var buffer = _buffer;
        int pos = _length;
        buffer[pos++] = (byte)((magnitude > 0x3F ? 0x80 : 0) | (negative ? 0x40 : 0) | (int)(magnitude & 0x3F));
        magnitude >>= 6;
        while (magnitude > 0)
        {
            buffer[pos++] = (byte)((magnitude > 0x7F ? 0x80 : 0) | (int)(magnitude & 0x7F));
            magnitude >>= 7;
        }
        _length = pos;
    }

    /// <summary>
    /// UTF-8 bytes prefixed by their count. Lone surrogates become U+FFFD, as JavaScript's TextEncoder does
    /// (which is what <see cref="Encoding.UTF8"/>'s replacement fallback produces).
    /// </summary>
    public void WriteVarString(ReadOnlySpan<char> value)
    {
        if (value.Length < 43)
        {
            // At most 3 bytes per UTF-16 unit, so the byte length fits a one-byte varuint (< 128).
            EnsureCapacity(1 + value.Length * 3);
            int written = Encoding.UTF8.GetBytes(value, _buffer.AsSpan(_length + 1));
            _buffer[_length] = (byte)written;
            _length += 1 + written;
            return;
        }
        int byteCount = Encoding.UTF8.GetByteCount(value);
        WriteVarUint((ulong)byteCount);
        EnsureCapacity(byteCount);
        _length += Encoding.UTF8.GetBytes(value, _buffer.AsSpan(_length));
    }

    public void WriteVarString(string value) => WriteVarString(value.AsSpan());

    /// <summary>Bytes prefixed by their count.</summary>
    public void WriteVarUint8Array(ReadOnlySpan<byte> value)
    {
        WriteVarUint((ulong)value.Length);
        WriteUint8Array(value);
    }

    /// <summary>Raw bytes without a length prefix.</summary>
    public void WriteUint8Array(ReadOnlySpan<byte> value)
    {
        EnsureCapacity(value.Length);
        value.CopyTo(_buffer.AsSpan(_length));
        _length += value.Length;
    }

    public void WriteFloat32(float value)
    {
        EnsureCapacity(4);
        if (float.IsNaN(value))
        {
            value = BitConverter.Int32BitsToSingle(0x7FC00000);
        }
        BinaryPrimitives.WriteSingleBigEndian(_buffer.AsSpan(_length), value);
        _length += 4;
    }

    public void WriteFloat64(double value)
    {
        EnsureCapacity(8);
        if (double.IsNaN(value))
        {
            // .NET's NaN has the sign bit set; JavaScript engines write the canonical quiet NaN.
            value = BitConverter.Int64BitsToDouble(0x7FF8000000000000);
        }
        BinaryPrimitives.WriteDoubleBigEndian(_buffer.AsSpan(_length), value);
        _length += 8;
    }

    public void WriteBigInt64(long value)
    {
        EnsureCapacity(8);
        BinaryPrimitives.WriteInt64BigEndian(_buffer.AsSpan(_length), value);
        _length += 8;
    }

    // ---- any ----

    /// <summary>
    /// lib0's self-describing value encoding (type tags 116..127). See <see cref="AnyValue"/> for the accepted C# types.
    /// </summary>
    public void WriteAny(object? value) => WriteAny(value, 0);

    private void WriteAny(object? value, int depth)
    {
        switch (value)
        {
            case null:
                WriteUint8(AnyTag.Null);
                return;
            case string s:
                WriteUint8(AnyTag.String);
                WriteVarString(s);
                return;
            case bool b:
                WriteUint8(b ? AnyTag.True : AnyTag.False);
                return;
            case long l:
                WriteNumber(l);
                return;
            case int i:
                WriteNumber(i);
                return;
            case double d:
                WriteNumber(d);
                return;
            case byte[] bytes:
                WriteUint8(AnyTag.Uint8Array);
                WriteVarUint8Array(bytes);
                return;
            case Undefined:
                WriteUint8(AnyTag.Undefined);
                return;
            case BigInteger big:
                WriteUint8(AnyTag.BigInt);
                // DataView.setBigInt64 keeps the low 64 bits (BigInt.asIntN(64, v)).
                WriteBigInt64(unchecked((long)(ulong)(big & ulong.MaxValue)));
                return;
            case ReadOnlyMemory<byte> memory:
                WriteUint8(AnyTag.Uint8Array);
                WriteVarUint8Array(memory.Span);
                return;
            case Dictionary<string, object?> concreteDictionary:
                CheckDepth(depth);
                WriteDictionary(concreteDictionary, depth);
                return;
            case List<object?> concreteList:
                CheckDepth(depth);
                WriteUint8(AnyTag.Array);
                WriteVarUint((ulong)concreteList.Count);
                foreach (var item in System.Runtime.InteropServices.CollectionsMarshal.AsSpan(concreteList))
                {
                    WriteAny(item, depth + 1);
                }
                return;
            case IDictionary<string, object?> dictionary:
                CheckDepth(depth);
                WriteObject(dictionary, depth);
                return;
            case IReadOnlyDictionary<string, object?> readOnlyDictionary:
                CheckDepth(depth);
                WriteObject(readOnlyDictionary, depth);
                return;
            case IList list:
                CheckDepth(depth);
                WriteUint8(AnyTag.Array);
                WriteVarUint((ulong)list.Count);
                for (int i = 0; i < list.Count; i++)
                {
                    WriteAny(list[i], depth + 1);
                }
                return;
            case IEnumerable enumerable:
                CheckDepth(depth);
                WriteEnumerable(enumerable, depth);
                return;
            default:
                if (AnyValue.TryGetNumber(value, out double number))
                {
                    WriteNumber(number);
                    return;
                }
                throw new ArgumentException($"Values of type {value.GetType()} cannot be encoded as lib0 'any'.", nameof(value));
        }
    }

    private static void CheckDepth(int depth)
    {
        if (depth >= MaxAnyDepth)
        {
            throw new ArgumentException($"Value nests deeper than {MaxAnyDepth} levels (or is cyclic).");
        }
    }

    private void WriteEnumerable(IEnumerable enumerable, int depth)
    {
        var items = new List<object?>();
        foreach (var item in enumerable)
        {
            items.Add(item);
        }
        WriteUint8(AnyTag.Array);
        WriteVarUint((ulong)items.Count);
        foreach (var item in items)
        {
            WriteAny(item, depth + 1);
        }
    }

    /// <summary>The common case without interface enumerators (Dictionary's struct enumerator).</summary>
    private void WriteDictionary(Dictionary<string, object?> dictionary, int depth)
    {
        if (JsKeyOrder.NeedsReordering(dictionary))
        {
            WriteObject(dictionary, depth);
            return;
        }
        WriteUint8(AnyTag.Object);
        WriteVarUint((ulong)dictionary.Count);
        foreach (var (key, item) in dictionary)
        {
            WriteVarString(key);
            WriteAny(item, depth + 1);
        }
    }

    private void WriteObject<TDictionary>(TDictionary dictionary, int depth)
        where TDictionary : IEnumerable<KeyValuePair<string, object?>>
    {
        WriteUint8(AnyTag.Object);
        if (!JsKeyOrder.NeedsReordering(dictionary, out int count))
        {
            WriteVarUint((ulong)count);
            foreach (var (key, item) in dictionary)
            {
                WriteVarString(key);
                WriteAny(item, depth + 1);
            }
            return;
        }
        var ordered = JsKeyOrder.Order(dictionary);
        WriteVarUint((ulong)ordered.Length);
        foreach (var (key, item) in ordered)
        {
            WriteVarString(key);
            WriteAny(item, depth + 1);
        }
    }

    /// <summary>
    /// JavaScript numbers as lib0 writes them: integers within 31 bits as varint, else float32 when exact, else float64.
    /// </summary>
    public void WriteNumber(long value)
    {
        if (value is >= -0x7FFFFFFF and <= 0x7FFFFFFF)
        {
            WriteUint8(AnyTag.Integer);
            WriteVarInt(value);
            return;
        }
        WriteNumber((double)value);
    }

    public void WriteNumber(double value)
    {
        if (double.IsInteger(value) && Math.Abs(value) <= 0x7FFFFFFF)
        {
            WriteUint8(AnyTag.Integer);
            // Negative zero keeps its sign bit, as lib0's writeVarInt does.
            WriteVarInt((ulong)Math.Abs(value), double.IsNegative(value));
        }
        else if ((double)(float)value == value)
        {
            WriteUint8(AnyTag.Float32);
            WriteFloat32((float)value);
        }
        else
        {
            WriteUint8(AnyTag.Float64);
            WriteFloat64(value);
        }
    }
}

/// <summary>lib0 any-encoding type tags.</summary>
internal static class AnyTag
{
    public const byte Uint8Array = 116;
    public const byte Array = 117;
    public const byte Object = 118;
    public const byte String = 119;
    public const byte True = 120;
    public const byte False = 121;
    public const byte BigInt = 122;
    public const byte Float64 = 123;
    public const byte Float32 = 124;
    public const byte Integer = 125;
    public const byte Null = 126;
    public const byte Undefined = 127;
}
