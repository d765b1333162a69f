using Spotter.Collab.Crdt.Lib0;

namespace Spotter.Collab.Crdt;

/// <summary>Reads delete sets (mirrors yjs DSDecoderV1/V2). All reads throw <see cref="CrdtFormatException"/> on bad input.</summary>
internal interface IDSDecoder
{
    /// <summary>The reader for everything not column-encoded (in V1: everything).</summary>
    Lib0Reader Rest { get; }

    void ResetDsCurVal();

    uint ReadDsClock();

    uint ReadDsLen();
}

/// <summary>Reads updates (mirrors yjs UpdateDecoderV1/V2).</summary>
internal interface IUpdateDecoder : IDSDecoder
{
    Id ReadLeftId();

    Id ReadRightId();

    ulong ReadClient();

    byte ReadInfo();

    string ReadString();

    /// <summary>The text of a string content (<see cref="ReadString"/>, possibly without a string of its own).</summary>
    ContentString ReadStringContent();

    bool ReadParentInfo();

    uint ReadTypeRef();

    uint ReadLen();

    object? ReadAny();

    byte[] ReadBuf();

    /// <summary>Embeds/format values: JSON text in V1, lib0 any in V2.</summary>
    object? ReadJson();

    string ReadKey();
}

/// <summary>Version 1 delete-set decoding: plain varuints.</summary>
internal class DSDecoderV1 : IDSDecoder
{
    public DSDecoderV1(Lib0Reader reader)
    {
        Rest = reader;
    }

    public Lib0Reader Rest { get; }

    public void ResetDsCurVal()
    {
        // V1 reads absolute values; nothing to reset.
    }

    public uint ReadDsClock() => Rest.ReadVarUint32();

    public uint ReadDsLen() => Rest.ReadVarUint32();
}

/// <summary>Version 1 update decoding: every field comes, in order, from one buffer.</summary>
internal sealed class UpdateDecoderV1 : DSDecoderV1, IUpdateDecoder
{
    public UpdateDecoderV1(Lib0Reader reader) : base(reader)
    {
    }

    public Id ReadLeftId() => new(Rest.ReadVarUint(), Rest.ReadVarUint32());

    public Id ReadRightId() => new(Rest.ReadVarUint(), Rest.ReadVarUint32());

    public ulong ReadClient() => Rest.ReadVarUint();

    public byte ReadInfo() => Rest.ReadUint8();

    public string ReadString() => Rest.ReadVarString();

    // Text contents are decoded into shared char buffers of this size (under the large-object threshold), not one
    // string each: a full state holds thousands of them.
    private const int TextBufferChars = 16 * 1024;
    private char[]? _text;
    private int _textUsed;

    public ContentString ReadStringContent()
    {
        var bytes = Rest.ReadVarUint8ArraySpan();
        // A UTF-8 byte never decodes to more than one UTF-16 unit, so the byte count bounds the chars.
        if (_text is null || _text.Length - _textUsed < bytes.Length)
        {
            // Sized by what the rest of the input could still hold: a one-keystroke update gets a tiny buffer.
            _text = new char[Math.Max(bytes.Length, Math.Min(TextBufferChars, bytes.Length + Rest.Remaining))];
            _textUsed = 0;
        }
        int written = Lib0Reader.DecodeUtf8(bytes, _text.AsSpan(_textUsed));
        var content = ContentString.FromSharedBuffer(_text, _textUsed, written);
        _textUsed += written;
        return content;
    }

    public bool ReadParentInfo() => Rest.ReadVarUint() == 1;

    public uint ReadTypeRef() => Rest.ReadVarUint32();

    public uint ReadLen() => Rest.ReadVarUint32();

    public object? ReadAny() => Rest.ReadAny();

    public byte[] ReadBuf() => Rest.ReadVarUint8Array();

    public object? ReadJson() => JsJson.Parse(Rest.ReadVarString());

    public string ReadKey() => Rest.ReadVarString();
}

/// <summary>Version 2 delete-set decoding: clocks relative to the previous range end, lengths plus one.</summary>
internal class DSDecoderV2 : IDSDecoder
{
    private ulong _dsCurrVal;

    public DSDecoderV2(Lib0Reader reader)
    {
        Rest = reader;
    }

    public Lib0Reader Rest { get; }

    public void ResetDsCurVal() => _dsCurrVal = 0;

    public uint ReadDsClock()
    {
        _dsCurrVal += Rest.ReadVarUint();
        if (_dsCurrVal > uint.MaxValue)
        {
            ThrowHelper.Format("Delete-set clock exceeds 32 bits.");
        }
        return (uint)_dsCurrVal;
    }

    public uint ReadDsLen()
    {
        ulong len = Rest.ReadVarUint() + 1;
        _dsCurrVal += len;
        if (_dsCurrVal > (ulong)uint.MaxValue + 1)
        {
            ThrowHelper.Format("Delete-set range exceeds 32-bit clocks.");
        }
        return (uint)len;
    }
}

/// <summary>
/// Version 2 update decoding: reads the feature flag and the nine column buffers up front;
/// <see cref="DSDecoderV2.Rest"/> continues after them. Columns are slices of the input, not copies.
/// </summary>
internal sealed class UpdateDecoderV2 : DSDecoderV2, IUpdateDecoder
{
    private readonly List<string> _keys = [];
    private readonly IntDiffOptRleDecoder _keyClockDecoder;
    private readonly UintOptRleDecoder _clientDecoder;
    private readonly IntDiffOptRleDecoder _leftClockDecoder;
    private readonly IntDiffOptRleDecoder _rightClockDecoder;
    private readonly RleByteDecoder _infoDecoder;
    private readonly StringColumnDecoder _stringDecoder;
    private readonly RleByteDecoder _parentInfoDecoder;
    private readonly UintOptRleDecoder _typeRefDecoder;
    private readonly UintOptRleDecoder _lenDecoder;

    // Run-length columns can claim endless repetitions in a few bytes, so a lying update could make a consumer
    // loop (say, over a claimed struct count) for ever while reading nothing. The cap cannot be proportional to
    // the input alone: a real yjs update of text typed backwards and then deleted (gc on) holds a million
    // ContentDeleted structs in 50 bytes. So it is a flat 16 Mi column reads (about 4 million such structs)
    // plus 128 per input byte. This only guarantees termination; limiting document size is the host's policy.
    private const long ReadsPerByte = 128;
    private const long BaseReadBudget = 1 << 24;
    private long _readBudget;

    public UpdateDecoderV2(Lib0Reader reader) : base(reader)
    {
        _readBudget = BaseReadBudget + ReadsPerByte * reader.Length;
        reader.ReadVarUint(); // feature flag, currently unused
        _keyClockDecoder = new IntDiffOptRleDecoder(reader.ReadVarUint8ArrayMemory());
        _clientDecoder = new UintOptRleDecoder(reader.ReadVarUint8ArrayMemory());
        _leftClockDecoder = new IntDiffOptRleDecoder(reader.ReadVarUint8ArrayMemory());
        _rightClockDecoder = new IntDiffOptRleDecoder(reader.ReadVarUint8ArrayMemory());
        _infoDecoder = new RleByteDecoder(reader.ReadVarUint8ArrayMemory());
        _stringDecoder = new StringColumnDecoder(reader.ReadVarUint8ArrayMemory());
        _parentInfoDecoder = new RleByteDecoder(reader.ReadVarUint8ArrayMemory());
        _typeRefDecoder = new UintOptRleDecoder(reader.ReadVarUint8ArrayMemory());
        _lenDecoder = new UintOptRleDecoder(reader.ReadVarUint8ArrayMemory());
    }

    private void Spend()
    {
        if (--_readBudget < 0)
        {
            ThrowHelper.Format("Update claims more values than its size allows.");
        }
    }

    private static uint ToClock(long value)
    {
        if ((ulong)value > uint.MaxValue)
        {
            ThrowHelper.Format("Clock outside the 32-bit range.");
        }
        return (uint)value;
    }

    private static uint ToUInt32(ulong value)
    {
        if (value > uint.MaxValue)
        {
            ThrowHelper.Format("Value exceeds 32 bits.");
        }
        return (uint)value;
    }

    public Id ReadLeftId()
    {
        Spend();
        return new(_clientDecoder.Read(), ToClock(_leftClockDecoder.Read()));
    }

    public Id ReadRightId()
    {
        Spend();
        return new(_clientDecoder.Read(), ToClock(_rightClockDecoder.Read()));
    }

    public ulong ReadClient()
    {
        Spend();
        return _clientDecoder.Read();
    }

    public byte ReadInfo()
    {
        Spend();
        return _infoDecoder.Read();
    }

    public string ReadString()
    {
        Spend();
        return _stringDecoder.Read();
    }

    public ContentString ReadStringContent() => new(ReadString());

    public bool ReadParentInfo()
    {
        Spend();
        return _parentInfoDecoder.Read() == 1;
    }

    public uint ReadTypeRef()
    {
        Spend();
        return ToUInt32(_typeRefDecoder.Read());
    }

    public uint ReadLen()
    {
        Spend();
        return ToUInt32(_lenDecoder.Read());
    }

    public object? ReadAny() => Rest.ReadAny();

    public byte[] ReadBuf() => Rest.ReadVarUint8Array();

    public object? ReadJson() => Rest.ReadAny();

    public string ReadKey()
    {
        Spend();
        long keyClock = _keyClockDecoder.Read();
        if (keyClock < 0)
        {
            ThrowHelper.Format("Negative key clock.");
        }
        if (keyClock < _keys.Count)
        {
            return _keys[(int)keyClock];
        }
        string key = _stringDecoder.Read();
        _keys.Add(key);
        return key;
    }
}
