using System.Numerics;
using Spotter.Collab.Crdt.Lib0;

namespace Spotter.Collab.Crdt.Tests.Lib0;

/// <summary>
/// Byte vectors produced by the real lib0 0.2.120 in node (scratch dir outside the repo:
/// <c>npm i lib0 yjs@13.6.33</c>, then a script calling <c>encoding.writeVarUint/writeVarInt/writeVarString/writeAny</c>
/// and printing <c>Buffer.from(bytes).toString('hex')</c>).
/// </summary>
public class Lib0EncodingTests
{
    private static string Encode(Action<Lib0Writer> write)
    {
        using var writer = new Lib0Writer(1);
        write(writer);
        return Convert.ToHexStringLower(writer.WrittenSpan);
    }

    private static Lib0Reader Reader(string hex) => new(Convert.FromHexString(hex));

    [Theory]
    [InlineData(0ul, "00")]
    [InlineData(1ul, "01")]
    [InlineData(127ul, "7f")]
    [InlineData(128ul, "8001")]
    [InlineData(255ul, "ff01")]
    [InlineData(256ul, "8002")]
    [InlineData(16383ul, "ff7f")]
    [InlineData(16384ul, "808001")]
    [InlineData(2147483647ul, "ffffffff07")]
    [InlineData(4294967295ul, "ffffffff0f")]
    [InlineData(4294967296ul, "8080808010")]
    [InlineData(9007199254740991ul, "ffffffffffffff0f")]
    public void VarUint_matches_lib0(ulong value, string hex)
    {
        Assert.Equal(hex, Encode(w => w.WriteVarUint(value)));
        var reader = Reader(hex);
        Assert.Equal(value, reader.ReadVarUint());
        Assert.False(reader.HasContent);
    }

    [Theory]
    [InlineData(0L, "00")]
    [InlineData(1L, "01")]
    [InlineData(-1L, "41")]
    [InlineData(63L, "3f")]
    [InlineData(64L, "8001")]
    [InlineData(-63L, "7f")]
    [InlineData(-64L, "c001")]
    [InlineData(127L, "bf01")]
    [InlineData(128L, "8002")]
    [InlineData(-128L, "c002")]
    [InlineData(8191L, "bf7f")]
    [InlineData(8192L, "808001")]
    [InlineData(2147483647L, "bfffffff0f")]
    [InlineData(-2147483647L, "ffffffff0f")]
    [InlineData(9007199254740991L, "bfffffffffffff1f")]
    [InlineData(-9007199254740991L, "ffffffffffffff1f")]
    public void VarInt_matches_lib0(long value, string hex)
    {
        Assert.Equal(hex, Encode(w => w.WriteVarInt(value)));
        var reader = Reader(hex);
        Assert.Equal(value, reader.ReadVarInt());
        Assert.False(reader.HasContent);
    }

    [Fact]
    public void VarInt_negative_zero_is_the_sign_bit_alone()
    {
        Assert.Equal("40", Encode(w => w.WriteVarInt(0, negative: true)));
        var reader = Reader("40");
        Assert.Equal(0ul, reader.ReadVarInt(out bool negative));
        Assert.True(negative);
    }

    [Theory]
    [InlineData("ffffffffffffff7f")] // 56 bits, above 2^53 - 1
    [InlineData("808080808080808001")] // nine bytes
    [InlineData("80808080808080808080808001")]
    [InlineData("80")] // truncated
    [InlineData("")]
    public void VarUint_rejects_oversized_and_truncated(string hex)
    {
        Assert.Throws<CrdtFormatException>(() => Reader(hex).ReadVarUint());
    }

    [Theory]
    [InlineData("ffffffffffffff7f")]
    [InlineData("c080808080808080808001")]
    [InlineData("c0")]
    [InlineData("")]
    public void VarInt_rejects_oversized_and_truncated(string hex)
    {
        Assert.Throws<CrdtFormatException>(() => Reader(hex).ReadVarInt());
    }

    [Fact]
    public void VarUint32_rejects_values_above_32_bits()
    {
        Assert.Equal(uint.MaxValue, Reader("ffffffff0f").ReadVarUint32());
        Assert.Throws<CrdtFormatException>(() => Reader("8080808010").ReadVarUint32());
    }

    public static TheoryData<string, string> Strings => new()
    {
        { "", "00" },
        { "hello", "0568656c6c6f" },
        { "äöü", "06c3a4c3b6c3bc" },
        { "😀x𝄞", "09f09f988078f09d849e" },
        { "a\uD800b", "0561efbfbd62" },
        { "\uDC00", "03efbfbd" },
        { "\uDC00\uD800", "06efbfbdefbfbd" },
        { new string('x', 200) + "€", "cb01" + string.Concat(Enumerable.Repeat("78", 200)) + "e282ac" },
    };

    [Theory]
    [MemberData(nameof(Strings))]
    public void VarString_matches_lib0_TextEncoder(string value, string hex)
    {
        Assert.Equal(hex, Encode(w => w.WriteVarString(value)));
        // Lone surrogates come back as U+FFFD, like TextEncoder + TextDecoder in JavaScript.
        string expected = value.Replace('\uD800', '\uFFFD').Replace('\uDC00', '\uFFFD');
        Assert.Equal(expected, Reader(hex).ReadVarString());
    }

    [Fact]
    public void VarString_replaces_lone_surrogates_like_TextEncoder()
    {
        // Built in code: test-case serialization could itself replace lone surrogates.
        string loneHigh = "a" + (char)0xD800 + "b";
        string loneLow = ((char)0xDC00).ToString();
        string reversed = (char)0xDC00 + ((char)0xD800).ToString();
        Assert.Equal("0561efbfbd62", Encode(w => w.WriteVarString(loneHigh)));
        Assert.Equal("03efbfbd", Encode(w => w.WriteVarString(loneLow)));
        Assert.Equal("06efbfbdefbfbd", Encode(w => w.WriteVarString(reversed)));
        string longWithLone = new string('y', 50) + (char)0xD800;
        Assert.Equal("35" + string.Concat(Enumerable.Repeat("79", 50)) + "efbfbd", Encode(w => w.WriteVarString(longWithLone)));
    }

    [Theory]
    [InlineData("01ff")] // invalid start byte
    [InlineData("02c328")] // bad continuation
    [InlineData("03eda080")] // encoded surrogate
    [InlineData("05616263")] // length beyond data
    [InlineData("ffffffffffff0f")] // length claiming petabytes
    public void VarString_rejects_invalid_utf8_and_lying_lengths(string hex)
    {
        Assert.Throws<CrdtFormatException>(() => Reader(hex).ReadVarString());
    }

    [Fact]
    public void Fixed_width_numbers_are_big_endian()
    {
        Assert.Equal("3fc00000", Encode(w => w.WriteFloat32(1.5f)));
        Assert.Equal("3fb999999999999a", Encode(w => w.WriteFloat64(0.1)));
        Assert.Equal("fffffffffffffffe", Encode(w => w.WriteBigInt64(-2)));
        Assert.Equal(1.5f, Reader("3fc00000").ReadFloat32());
        Assert.Equal(0.1, Reader("3fb999999999999a").ReadFloat64());
        Assert.Equal(-2, Reader("fffffffffffffffe").ReadBigInt64());
    }

    public static TheoryData<string, object?, string> Anys => new()
    {
        { "null", null, "7e" },
        { "undefined", Undefined.Value, "7f" },
        { "true", true, "78" },
        { "false", false, "79" },
        { "int 0", 0L, "7d00" },
        { "int -0", -0.0, "7d40" },
        { "int 42", 42L, "7d2a" },
        { "int -42", -42L, "7d6a" },
        { "int 2^31-1", 2147483647L, "7dbfffffff0f" },
        { "int -(2^31-1)", -2147483647L, "7dffffffff0f" },
        { "num 2^31", 2147483648.0, "7c4f000000" },
        { "num -2^31", -2147483648.0, "7ccf000000" },
        { "num 2^40", 1099511627776.0, "7c53800000" },
        { "num 2^53+2", 9007199254740994.0, "7b4340000000000001" },
        { "num 1.5", 1.5, "7c3fc00000" },
        { "num 0.1", 0.1, "7b3fb999999999999a" },
        { "num NaN", double.NaN, "7b7ff8000000000000" },
        { "num Infinity", double.PositiveInfinity, "7c7f800000" },
        { "num -Infinity", double.NegativeInfinity, "7cff800000" },
        { "num 1e300", 1e300, "7b7e37e43c8800759c" },
        { "num 5e-324", 5e-324, "7b0000000000000001" },
        { "num float32 max", 3.4028234663852886e38, "7c7f7fffff" },
        { "bigint 2^63-1", (BigInteger)long.MaxValue, "7a7fffffffffffffff" },
        { "bigint -5", new BigInteger(-5), "7afffffffffffffffb" },
        { "string", "héllo😀", "770a68c3a96c6c6ff09f9880" },
        { "bytes", new byte[] { 1, 2, 255 }, "74030102ff" },
        { "array", new List<object?> { 1L, "a", null, new List<object?> { true } }, "75047d017701617e750178" },
        {
            "nested",
            new Dictionary<string, object?>
            {
                ["x"] = new Dictionary<string, object?> { ["y"] = new List<object?> { 1.5, new Dictionary<string, object?> { ["z"] = Undefined.Value } } },
                [""] = 0L,
            },
            "760201787601017975027c3fc000007601017a7f007d00"
        },
    };

    [Theory]
    [MemberData(nameof(Anys))]
    public void Any_matches_lib0_writeAny_and_round_trips(string name, object? value, string hex)
    {
        Assert.Equal(hex, Encode(w => w.WriteAny(value)));
        var reader = Reader(hex);
        var decoded = reader.ReadAny();
        Assert.False(reader.HasContent, name);
        Assert.Equal(hex, Encode(w => w.WriteAny(decoded)));
        AssertAnyEqual(value, decoded);
    }

    [Fact]
    public void Any_bigint_keeps_the_low_64_bits_like_DataView()
    {
        // lib0: writeAny(2n ** 64n + 3n)
        Assert.Equal("7a0000000000000003", Encode(w => w.WriteAny(BigInteger.Pow(2, 64) + 3)));
    }

    [Fact]
    public void Any_other_clr_numbers_follow_the_javascript_number_rules()
    {
        Assert.Equal("7d2a", Encode(w => w.WriteAny(42)));
        Assert.Equal("7d2a", Encode(w => w.WriteAny((byte)42)));
        Assert.Equal("7c3fc00000", Encode(w => w.WriteAny(1.5f)));
        Assert.Equal("7c4f000000", Encode(w => w.WriteAny(2147483648L)));
        Assert.Equal("7c53800000", Encode(w => w.WriteAny(1UL << 40)));
    }

    [Fact]
    public void Any_object_keys_are_written_in_javascript_property_order()
    {
        // lib0: writeAny({b: 1, a: 2, 10: 'ten', 2: 'two', '-1': 'neg', '01': 'lead', 4294967294: 'maxidx', 4294967295: 'notidx'})
        const string hex = "76080132770374776f023130770374656e0a3432393439363732393477066d617869647801627d0101617d02022d3177036e656702303177046c6561640a3432393439363732393577066e6f74696478";
        var value = new Dictionary<string, object?>
        {
            ["b"] = 1L, ["a"] = 2L, ["10"] = "ten", ["2"] = "two", ["-1"] = "neg", ["01"] = "lead",
            ["4294967294"] = "maxidx", ["4294967295"] = "notidx",
        };
        Assert.Equal(hex, Encode(w => w.WriteAny(value)));
        var decoded = Assert.IsType<Dictionary<string, object?>>(Reader(hex).ReadAny());
        Assert.Equal(["2", "10", "4294967294", "b", "a", "-1", "01", "4294967295"], decoded.Keys);
    }

    [Fact]
    public void Any_rejects_unknown_tags_lying_counts_and_deep_nesting()
    {
        Assert.Throws<CrdtFormatException>(() => Reader("73").ReadAny());
        Assert.Throws<CrdtFormatException>(() => Reader("75ffffffff0f7e").ReadAny());
        Assert.Throws<CrdtFormatException>(() => Reader("76ffffffffffff0f").ReadAny());
        Assert.Throws<CrdtFormatException>(() => Reader("74ffffffffffff0f00").ReadAny());
        var deep = Convert.FromHexString(string.Concat(Enumerable.Repeat("7501", 10_000)) + "7e");
        Assert.Throws<CrdtFormatException>(() => new Lib0Reader(deep).ReadAny());
    }

    [Fact]
    public void Writer_rejects_cyclic_values_instead_of_overflowing_the_stack()
    {
        var list = new List<object?>();
        list.Add(list);
        using var writer = new Lib0Writer();
        Assert.Throws<ArgumentException>(() => writer.WriteAny(list));
    }

    [Fact]
    public void Writer_grows_and_works_as_a_buffer_writer()
    {
        using var writer = new Lib0Writer(1);
        for (int i = 0; i < 100_000; i++)
        {
            writer.WriteVarUint((ulong)i);
        }
        var span = writer.GetSpan(3);
        span[0] = 1; span[1] = 2; span[2] = 3;
        writer.Advance(3);
        var reader = new Lib0Reader(writer.ToArray());
        for (int i = 0; i < 100_000; i++)
        {
            Assert.Equal((ulong)i, reader.ReadVarUint());
        }
        Assert.Equal([1, 2, 3], reader.ReadUint8Array(3).ToArray());
        Assert.False(reader.HasContent);
    }

    internal static void AssertAnyEqual(object? expected, object? actual)
    {
        switch (expected)
        {
            case double d when double.IsNaN(d):
                Assert.True(actual is double a && double.IsNaN(a));
                break;
            case double d:
                var actualDouble = Assert.IsType<double>(actual);
                Assert.Equal(BitConverter.DoubleToInt64Bits(d), BitConverter.DoubleToInt64Bits(actualDouble));
                break;
            case Dictionary<string, object?> dict:
                var actualDict = Assert.IsType<Dictionary<string, object?>>(actual);
                Assert.Equal(dict.Keys, actualDict.Keys);
                foreach (var (k, v) in dict)
                {
                    AssertAnyEqual(v, actualDict[k]);
                }
                break;
            case List<object?> list:
                var actualList = Assert.IsType<List<object?>>(actual);
                Assert.Equal(list.Count, actualList.Count);
                for (int i = 0; i < list.Count; i++)
                {
                    AssertAnyEqual(list[i], actualList[i]);
                }
                break;
            default:
                Assert.Equal(expected, actual);
                break;
        }
    }
}
