using Spotter.Collab.Crdt.Lib0;

namespace Spotter.Collab.Crdt.Tests.Codec;

/// <summary>
/// Expected bytes come from lib0 0.2.120 / yjs 13.6.33 in node: <c>new encoding.UintOptRleEncoder()</c>,
/// <c>IntDiffOptRleEncoder</c>, <c>RleEncoder(writeUint8)</c>, <c>StringEncoder</c>, <c>Y.UpdateEncoderV1/V2</c>
/// fed the same values, <c>toUint8Array()</c> printed as hex.
/// </summary>
public class RleColumnTests
{
    private static readonly ulong[] Runs = [0, 0, 0, 1, 1, 7, 0, 300, 300, 300, 300, 4294967295];

    public static TheoryData<string, ulong[], string, string, string> Sequences => new()
    {
        // name, values, UintOptRle, IntDiffOptRle, Rle(uint8 of value & 255)
        { "single", [5], "05", "0a", "05" },
        { "runs", Runs, "400141000700ec0402bfffffff1f", "010102000c4e98090101a6f6ffff3f", "00020101070000002c03ff" },
        { "zero", [0], "00", "00", "00" },
        { "empty", [], "", "", "" },
    };

    [Theory]
    [MemberData(nameof(Sequences))]
    public void Columns_match_lib0_and_decode_back(string name, ulong[] values, string uintOptRle, string intDiffOptRle, string rle)
    {
        using var uintEncoder = new UintOptRleEncoder();
        using var diffEncoder = new IntDiffOptRleEncoder();
        using var byteEncoder = new RleByteEncoder();
        foreach (var v in values)
        {
            uintEncoder.Write(v);
            diffEncoder.Write((long)v);
            byteEncoder.Write((byte)v);
        }
        Assert.Equal(uintOptRle, Convert.ToHexStringLower(uintEncoder.Finish()));
        Assert.Equal(intDiffOptRle, Convert.ToHexStringLower(diffEncoder.Finish()));
        Assert.Equal(rle, Convert.ToHexStringLower(byteEncoder.Finish()));

        var uintDecoder = new UintOptRleDecoder(Convert.FromHexString(uintOptRle));
        var diffDecoder = new IntDiffOptRleDecoder(Convert.FromHexString(intDiffOptRle));
        var byteDecoder = new RleByteDecoder(Convert.FromHexString(rle));
        foreach (var v in values)
        {
            Assert.Equal(v, uintDecoder.Read());
            Assert.Equal((long)v, diffDecoder.Read());
            Assert.Equal((byte)v, byteDecoder.Read());
        }
        Assert.NotNull(name);
    }

    [Fact]
    public void IntDiffOptRle_encodes_arithmetic_runs_compactly()
    {
        long[] values = [1, 2, 3, 4, 10, 8, 6, 4, 4, 4, 100];
        using var encoder = new IntDiffOptRleEncoder();
        foreach (var v in values)
        {
            encoder.Write(v);
        }
        Assert.Equal("03020c430101008003", Convert.ToHexStringLower(encoder.Finish()));
        var decoder = new IntDiffOptRleDecoder(Convert.FromHexString("03020c430101008003"));
        foreach (var v in values)
        {
            Assert.Equal(v, decoder.Read());
        }
        Assert.Throws<CrdtFormatException>(() => decoder.Read());
    }

    [Fact]
    public void Rle_last_value_repeats_forever()
    {
        var decoder = new RleByteDecoder(Convert.FromHexString("00020101070000002c03ff"));
        for (int i = 0; i < 11; i++)
        {
            decoder.Read();
        }
        for (int i = 0; i < 1000; i++)
        {
            Assert.Equal(255, decoder.Read());
        }
    }

    [Fact]
    public void String_column_concatenates_before_encoding_so_split_surrogates_survive()
    {
        string[] values = ["", "hello", "a\uD83D", "\uDE00b", new string('x', 25), "é", "\uD800"];
        const string hex = "2968656c6c6f61f09f98806278787878787878787878787878787878787878787878787878c3a9efbfbd00054200194100";
        using var encoder = new StringColumnEncoder();
        foreach (var v in values)
        {
            encoder.Write(v);
        }
        Assert.Equal(hex, Convert.ToHexStringLower(encoder.Finish()));
        var decoder = new StringColumnDecoder(Convert.FromHexString(hex));
        foreach (var v in values)
        {
            // The lone surrogate at the end became U+FFFD in UTF-8, the split pair came back intact.
            Assert.Equal(v == "\uD800" ? "\uFFFD" : v, decoder.Read());
        }
    }

    [Fact]
    public void String_column_rejects_lengths_beyond_the_text()
    {
        // "ab" followed by a run claiming 2^40 strings of length 1, then another of length 5.
        using var writer = new Lib0Writer();
        writer.WriteVarString("ab");
        writer.WriteVarInt(1, negative: true);
        writer.WriteVarUint(1UL << 40);
        var decoder = new StringColumnDecoder(writer.ToArray());
        Assert.Equal("a", decoder.Read());
        Assert.Equal("b", decoder.Read());
        Assert.Throws<CrdtFormatException>(() => decoder.Read());
    }

    private static void WriteSequence(IUpdateEncoder e)
    {
        e.WriteInfo(8);
        e.WriteLeftId(new Id(12, 3));
        e.WriteRightId(new Id(12, 1));
        e.WriteClient(99);
        e.WriteString("text");
        e.WriteParentInfo(true);
        e.WriteTypeRef(2);
        e.WriteLen(3);
        e.WriteAny(new Dictionary<string, object?> { ["a"] = new List<object?> { 1L, "x" } });
        e.WriteBuf([9, 8]);
        e.WriteJson(new Dictionary<string, object?> { ["bold"] = true });
        e.WriteKey("bold");
        e.WriteKey("bold");
        e.WriteKey("italic");
        e.WriteInfo(8);
        e.WriteParentInfo(false);
        e.WriteLen(3);
        e.ResetDsCurVal();
        e.WriteDsClock(5);
        e.WriteDsLen(3);
        e.WriteDsClock(10);
        e.WriteDsLen(1);
        e.ResetDsCurVal();
        e.WriteDsClock(2);
        e.WriteDsLen(7);
    }

    private static void ReadSequence(IUpdateDecoder d)
    {
        Assert.Equal(8, d.ReadInfo());
        Assert.Equal(new Id(12, 3), d.ReadLeftId());
        Assert.Equal(new Id(12, 1), d.ReadRightId());
        Assert.Equal(99ul, d.ReadClient());
        Assert.Equal("text", d.ReadString());
        Assert.True(d.ReadParentInfo());
        Assert.Equal(2u, d.ReadTypeRef());
        Assert.Equal(3u, d.ReadLen());
        var any = Assert.IsType<Dictionary<string, object?>>(d.ReadAny());
        Assert.Equal(new List<object?> { 1L, "x" }, any["a"]);
        Assert.Equal([9, 8], d.ReadBuf());
        var json = Assert.IsType<Dictionary<string, object?>>(d.ReadJson());
        Assert.Equal(true, json["bold"]);
        Assert.Equal("bold", d.ReadKey());
        Assert.Equal("bold", d.ReadKey());
        Assert.Equal("italic", d.ReadKey());
        Assert.Equal(8, d.ReadInfo());
        Assert.False(d.ReadParentInfo());
        Assert.Equal(3u, d.ReadLen());
        d.ResetDsCurVal();
        Assert.Equal(5u, d.ReadDsClock());
        Assert.Equal(3u, d.ReadDsLen());
        Assert.Equal(10u, d.ReadDsClock());
        Assert.Equal(1u, d.ReadDsLen());
        d.ResetDsCurVal();
        Assert.Equal(2u, d.ReadDsClock());
        Assert.Equal(7u, d.ReadDsLen());
    }

    [Fact]
    public void UpdateEncoderV1_matches_yjs_and_decodes_back()
    {
        const string hex = "080c030c016304746578740102037601016175027d017701780209080d7b22626f6c64223a747275657d04626f6c6404626f6c64066974616c696308000305030a010207";
        using var encoder = new UpdateEncoderV1();
        WriteSequence(encoder);
        Assert.Equal(hex, Convert.ToHexStringLower(encoder.ToArray()));
        ReadSequence(new UpdateDecoderV1(new Lib0Reader(Convert.FromHexString(hex))));
    }

    [Fact]
    public void UpdateEncoderV2_matches_yjs_including_undeduplicated_keys()
    {
        // yjs 13.6 writes a fresh key clock (0, 1, 2) and the key string for every writeKey, even repeated keys.
        const string hex = "0003000300044c00a301010601020108161274657874626f6c64626f6c646974616c69634401060301000001020243007601016175027d01770178020908760104626f6c6478050202000206";
        using var encoder = new UpdateEncoderV2();
        WriteSequence(encoder);
        Assert.Equal(hex, Convert.ToHexStringLower(encoder.ToArray()));
        ReadSequence(new UpdateDecoderV2(new Lib0Reader(Convert.FromHexString(hex))));
    }

    [Fact]
    public void UpdateDecoderV2_resolves_repeated_key_clocks_from_the_key_table()
    {
        // Key clocks 0, 1, 0 (a deduplicating writer): the third key comes from the table, not the string column.
        using var keyClocks = new IntDiffOptRleEncoder();
        keyClocks.Write(0);
        keyClocks.Write(1);
        keyClocks.Write(0);
        using var strings = new StringColumnEncoder();
        strings.Write("bold");
        strings.Write("italic");
        using var writer = new Lib0Writer();
        writer.WriteVarUint(0);
        writer.WriteVarUint8Array(keyClocks.Finish());
        writer.WriteVarUint8Array([]);
        writer.WriteVarUint8Array([]);
        writer.WriteVarUint8Array([]);
        writer.WriteVarUint8Array([]);
        writer.WriteVarUint8Array(strings.Finish());
        for (int i = 0; i < 3; i++)
        {
            writer.WriteVarUint8Array([]);
        }
        var decoder = new UpdateDecoderV2(new Lib0Reader(writer.ToArray()));
        Assert.Equal("bold", decoder.ReadKey());
        Assert.Equal("italic", decoder.ReadKey());
        Assert.Equal("bold", decoder.ReadKey());
        Assert.Throws<CrdtFormatException>(() => decoder.ReadString());
    }

    [Fact]
    public void DsDecoderV2_rejects_clocks_beyond_32_bits()
    {
        using var writer = new Lib0Writer();
        writer.WriteVarUint(uint.MaxValue);
        writer.WriteVarUint(0);
        writer.WriteVarUint(5);
        var decoder = new DSDecoderV2(new Lib0Reader(writer.ToArray()));
        Assert.Equal(uint.MaxValue, decoder.ReadDsClock());
        Assert.Equal(1u, decoder.ReadDsLen());
        Assert.Throws<CrdtFormatException>(() => decoder.ReadDsClock());
    }
}
