using Spotter.Collab.Crdt.Lib0;

namespace Spotter.Collab.Crdt.Tests.Codec;

/// <summary>
/// Walks a yjs update field by field (struct layout of yjs 13.6 Item.write / readClientsStructRefs,
/// then the delete set), reading through one codec and writing through another. Converting V1 to V2 this way
/// must give yjs's own V2 bytes, which exercises every encoder and decoder method against real data.
/// </summary>
internal static class UpdateTranscoder
{
    private const int BitOrigin = 0x80;
    private const int BitRightOrigin = 0x40;
    private const int BitParentSub = 0x20;

    public static byte[] Transcode(ReadOnlySpan<byte> update, bool fromV2, bool toV2)
    {
        var reader = Lib0Reader.FromSpan(update);
        IUpdateDecoder decoder = fromV2 ? new UpdateDecoderV2(reader) : new UpdateDecoderV1(reader);
        using IUpdateEncoder encoder = toV2 ? new UpdateEncoderV2() : new UpdateEncoderV1();
        Transcode(decoder, encoder);
        if (decoder.Rest.HasContent)
        {
            throw new CrdtFormatException("Trailing bytes after the delete set.");
        }
        return encoder.ToArray();
    }

    public static void Transcode(IUpdateDecoder decoder, IUpdateEncoder encoder)
    {
        var rest = decoder.Rest;
        ulong clientCount = rest.ReadVarUint();
        encoder.Rest.WriteVarUint(clientCount);
        for (ulong c = 0; c < clientCount; c++)
        {
            ulong structCount = rest.ReadVarUint();
            encoder.Rest.WriteVarUint(structCount);
            encoder.WriteClient(decoder.ReadClient());
            encoder.Rest.WriteVarUint(rest.ReadVarUint32()); // first clock
            for (ulong s = 0; s < structCount; s++)
            {
                TranscodeStruct(decoder, encoder);
            }
        }
        ulong dsClients = rest.ReadVarUint();
        encoder.Rest.WriteVarUint(dsClients);
        for (ulong c = 0; c < dsClients; c++)
        {
            decoder.ResetDsCurVal();
            encoder.ResetDsCurVal();
            encoder.Rest.WriteVarUint(rest.ReadVarUint());
            ulong ranges = rest.ReadVarUint();
            encoder.Rest.WriteVarUint(ranges);
            for (ulong r = 0; r < ranges; r++)
            {
                encoder.WriteDsClock(decoder.ReadDsClock());
                encoder.WriteDsLen(decoder.ReadDsLen());
            }
        }
    }

    private static void TranscodeStruct(IUpdateDecoder decoder, IUpdateEncoder encoder)
    {
        byte info = decoder.ReadInfo();
        encoder.WriteInfo(info);
        switch (info & 0x1F)
        {
            case 0: // GC
                encoder.WriteLen(decoder.ReadLen());
                return;
            case 10: // Skip: its length lives in the rest buffer in both versions
                encoder.Rest.WriteVarUint(decoder.Rest.ReadVarUint());
                return;
        }
        if ((info & BitOrigin) != 0)
        {
            encoder.WriteLeftId(decoder.ReadLeftId());
        }
        if ((info & BitRightOrigin) != 0)
        {
            encoder.WriteRightId(decoder.ReadRightId());
        }
        if ((info & (BitOrigin | BitRightOrigin)) == 0)
        {
            bool isYKey = decoder.ReadParentInfo();
            encoder.WriteParentInfo(isYKey);
            if (isYKey)
            {
                encoder.WriteString(decoder.ReadString());
            }
            else
            {
                encoder.WriteLeftId(decoder.ReadLeftId());
            }
            if ((info & BitParentSub) != 0)
            {
                encoder.WriteString(decoder.ReadString());
            }
        }
        TranscodeContent(info & 0x1F, decoder, encoder);
    }

    private static void TranscodeContent(int contentRef, IUpdateDecoder decoder, IUpdateEncoder encoder)
    {
        switch (contentRef)
        {
            case 1: // Deleted
                encoder.WriteLen(decoder.ReadLen());
                break;
            case 2: // JSON (legacy): strings holding JSON.stringify output, or 'undefined'
            {
                uint len = decoder.ReadLen();
                encoder.WriteLen(len);
                for (uint i = 0; i < len; i++)
                {
                    string text = decoder.ReadString();
                    // Parse and re-stringify, as yjs does when it reads and writes ContentJSON.
                    encoder.WriteString(text == "undefined" ? text : JsJson.Stringify(JsJson.Parse(text))!);
                }
                break;
            }
            case 3: // Binary
                encoder.WriteBuf(decoder.ReadBuf());
                break;
            case 4: // String
                encoder.WriteString(decoder.ReadString());
                break;
            case 5: // Embed
                encoder.WriteJson(decoder.ReadJson());
                break;
            case 6: // Format
                encoder.WriteKey(decoder.ReadKey());
                encoder.WriteJson(decoder.ReadJson());
                break;
            case 7: // Type
            {
                uint typeRef = decoder.ReadTypeRef();
                encoder.WriteTypeRef(typeRef);
                if (typeRef is 3 or 5) // XmlElement node name, XmlHook name
                {
                    encoder.WriteKey(decoder.ReadKey());
                }
                break;
            }
            case 8: // Any
            {
                uint len = decoder.ReadLen();
                encoder.WriteLen(len);
                for (uint i = 0; i < len; i++)
                {
                    encoder.WriteAny(decoder.ReadAny());
                }
                break;
            }
            case 9: // Doc
                encoder.WriteString(decoder.ReadString());
                encoder.WriteAny(decoder.ReadAny());
                break;
            default:
                throw new CrdtFormatException($"Unknown content type {contentRef}.");
        }
    }
}
