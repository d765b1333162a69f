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

    void WriteString(string s);

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

    public void WriteString(string s) => Rest.WriteVarString(s);

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
