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

    public bool ReadParentInfo() => Rest.ReadVarUint() == 1;

    public uint ReadTypeRef() => Rest.ReadVarUint32();

    public uint ReadLen() => Rest.ReadVarUint32();

    public object? ReadAny() => Rest.ReadAny();

    public byte[] ReadBuf() => Rest.ReadVarUint8Array();

    public object? ReadJson() => JsJson.Parse(Rest.ReadVarString());

    public string ReadKey() => Rest.ReadVarString();
}
