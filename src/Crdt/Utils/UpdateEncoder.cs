using Spotter.Collab.Crdt.Lib0;

namespace Spotter.Collab.Crdt;

/// <summary>Writes delete sets (mirrors yjs DSEncoderV1/V2).</summary>
internal interface IDSEncoder : IDisposable
{
    /// <summary>The buffer everything not column-encoded goes to (in V1: everything).</summary>
    Lib0Writer Rest { get; }

    void ResetDsCurVal();

    void WriteDsClock(uint clock);

    void WriteDsLen(uint len);

    /// <summary>The finished encoding.</summary>
    byte[] ToArray();
}

/// <summary>Writes updates (mirrors yjs UpdateEncoderV1/V2).</summary>
internal interface IUpdateEncoder : IDSEncoder
{
    void WriteLeftId(Id id);

    void WriteRightId(Id id);

    void WriteClient(ulong client);

    void WriteInfo(byte info);

    void WriteString(ReadOnlySpan<char> s);

    void WriteParentInfo(bool isYKey);

    void WriteTypeRef(uint typeRef);

    void WriteLen(uint len);

    void WriteAny(object? value);

    void WriteBuf(ReadOnlySpan<byte> buf);

    /// <summary>Embeds/format values: JSON text in V1, lib0 any in V2.</summary>
    void WriteJson(object? value);

    void WriteKey(string key);
}

/// <summary>Version 1 delete-set encoding: plain varuints.</summary>
internal class DSEncoderV1 : IDSEncoder
{
    public Lib0Writer Rest { get; } = new();

    public void ResetDsCurVal()
    {
        // V1 writes absolute values; nothing to reset.
    }

    public void WriteDsClock(uint clock) => Rest.WriteVarUint(clock);

    public void WriteDsLen(uint len) => Rest.WriteVarUint(len);

    public byte[] ToArray() => Rest.ToArray();

    public void Dispose() => Rest.Dispose();
}

/// <summary>Version 1 update encoding: every field goes, in order, into one buffer.</summary>
internal sealed class UpdateEncoderV1 : DSEncoderV1, IUpdateEncoder
{
    public void WriteLeftId(Id id)
    {
        Rest.WriteVarUint(id.Client);
        Rest.WriteVarUint(id.Clock);
    }

    public void WriteRightId(Id id)
    {
        Rest.WriteVarUint(id.Client);
        Rest.WriteVarUint(id.Clock);
    }

    public void WriteClient(ulong client) => Rest.WriteVarUint(client);

    public void WriteInfo(byte info) => Rest.WriteUint8(info);

    public void WriteString(ReadOnlySpan<char> s) => Rest.WriteVarString(s);

    public void WriteParentInfo(bool isYKey) => Rest.WriteVarUint(isYKey ? 1u : 0u);

    public void WriteTypeRef(uint typeRef) => Rest.WriteVarUint(typeRef);

    public void WriteLen(uint len) => Rest.WriteVarUint(len);

    public void WriteAny(object? value) => Rest.WriteAny(value);

    public void WriteBuf(ReadOnlySpan<byte> buf) => Rest.WriteVarUint8Array(buf);

    public void WriteJson(object? value) =>
        Rest.WriteVarString(JsJson.Stringify(value)
            ?? throw new ArgumentException("undefined has no JSON representation.", nameof(value)));

    public void WriteKey(string key) => Rest.WriteVarString(key);
}

/// <summary>Version 2 delete-set encoding: clocks as differences to the previous range end, lengths minus one.</summary>
internal class DSEncoderV2 : IDSEncoder
{
    private uint _dsCurrVal;

    public Lib0Writer Rest { get; } = new();

    public void ResetDsCurVal() => _dsCurrVal = 0;

    public void WriteDsClock(uint clock)
    {
        // Delete sets are written sorted and merged, so clocks never go backwards within a client.
        ArgumentOutOfRangeException.ThrowIfLessThan(clock, _dsCurrVal);
        Rest.WriteVarUint(clock - _dsCurrVal);
        _dsCurrVal = clock;
    }

    public void WriteDsLen(uint len)
    {
        ArgumentOutOfRangeException.ThrowIfZero(len);
        Rest.WriteVarUint(len - 1);
        _dsCurrVal += len;
    }

    public virtual byte[] ToArray() => Rest.ToArray();

    public virtual void Dispose() => Rest.Dispose();
}

/// <summary>
/// Version 2 update encoding: struct fields go to run-length-encoded columns, content to <see cref="DSEncoderV2.Rest"/>.
/// <see cref="ToArray"/> lays out a feature flag (0), the nine columns in yjs's order, then the rest.
/// </summary>
internal sealed class UpdateEncoderV2 : DSEncoderV2, IUpdateEncoder
{
    // yjs 13.6 keeps a key map for deduplicating keys but never fills it (the line that would is commented out,
    // since older decoders could not read deduplicated keys), so every key gets a fresh key clock and is written
    // to the string column. Readers still resolve repeated clocks (see UpdateDecoderV2.ReadKey).
    private uint _keyClock;
    private readonly IntDiffOptRleEncoder _keyClockEncoder = new();
    private readonly UintOptRleEncoder _clientEncoder = new();
    private readonly IntDiffOptRleEncoder _leftClockEncoder = new();
    private readonly IntDiffOptRleEncoder _rightClockEncoder = new();
    private readonly RleByteEncoder _infoEncoder = new();
    private readonly StringColumnEncoder _stringEncoder = new();
    private readonly RleByteEncoder _parentInfoEncoder = new();
    private readonly UintOptRleEncoder _typeRefEncoder = new();
    private readonly UintOptRleEncoder _lenEncoder = new();

    public override byte[] ToArray()
    {
        using var output = new Lib0Writer(Rest.Length + 256);
        output.WriteVarUint(0); // feature flag, reserved by yjs
        output.WriteVarUint8Array(_keyClockEncoder.Finish());
        output.WriteVarUint8Array(_clientEncoder.Finish());
        output.WriteVarUint8Array(_leftClockEncoder.Finish());
        output.WriteVarUint8Array(_rightClockEncoder.Finish());
        output.WriteVarUint8Array(_infoEncoder.Finish());
        output.WriteVarUint8Array(_stringEncoder.Finish());
        output.WriteVarUint8Array(_parentInfoEncoder.Finish());
        output.WriteVarUint8Array(_typeRefEncoder.Finish());
        output.WriteVarUint8Array(_lenEncoder.Finish());
        output.WriteUint8Array(Rest.WrittenSpan); // the rest is appended without a length
        return output.ToArray();
    }

    public void WriteLeftId(Id id)
    {
        _clientEncoder.Write(id.Client);
        _leftClockEncoder.Write(id.Clock);
    }

    public void WriteRightId(Id id)
    {
        _clientEncoder.Write(id.Client);
        _rightClockEncoder.Write(id.Clock);
    }

    public void WriteClient(ulong client) => _clientEncoder.Write(client);

    public void WriteInfo(byte info) => _infoEncoder.Write(info);

    public void WriteString(ReadOnlySpan<char> s) => _stringEncoder.Write(s);

    public void WriteParentInfo(bool isYKey) => _parentInfoEncoder.Write(isYKey ? (byte)1 : (byte)0);

    public void WriteTypeRef(uint typeRef) => _typeRefEncoder.Write(typeRef);

    public void WriteLen(uint len) => _lenEncoder.Write(len);

    public void WriteAny(object? value) => Rest.WriteAny(value);

    public void WriteBuf(ReadOnlySpan<byte> buf) => Rest.WriteVarUint8Array(buf);

    public void WriteJson(object? value) => Rest.WriteAny(value);

    public void WriteKey(string key)
    {
        _keyClockEncoder.Write(_keyClock++);
        _stringEncoder.Write(key);
    }

    public override void Dispose()
    {
        base.Dispose();
        _keyClockEncoder.Dispose();
        _clientEncoder.Dispose();
        _leftClockEncoder.Dispose();
        _rightClockEncoder.Dispose();
        _infoEncoder.Dispose();
        _stringEncoder.Dispose();
        _parentInfoEncoder.Dispose();
        _typeRefEncoder.Dispose();
        _lenEncoder.Dispose();
    }
}
