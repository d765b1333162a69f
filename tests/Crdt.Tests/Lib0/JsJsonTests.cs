using System.Numerics;
using System.Text.Json.Nodes;
using Spotter.Collab.Crdt.Lib0;

namespace Spotter.Collab.Crdt.Tests.Lib0;

/// <summary>Expected texts are what node 20 prints for <c>String(n)</c> and <c>JSON.stringify(v)</c>.</summary>
public class JsJsonTests
{
    [Theory]
    [InlineData(0.0, "0")]
    [InlineData(1.0, "1")]
    [InlineData(-1.0, "-1")]
    [InlineData(1e21, "1e+21")]
    [InlineData(1e-7, "1e-7")]
    [InlineData(1e-6, "0.000001")]
    [InlineData(0.1 + 0.2, "0.30000000000000004")]
    [InlineData(5e-324, "5e-324")]
    [InlineData(1.7976931348623157e308, "1.7976931348623157e+308")]
    [InlineData(123456789012345680000.0, "123456789012345680000")]
    [InlineData(1e20, "100000000000000000000")]
    [InlineData(1.5e-10, "1.5e-10")]
    [InlineData(9007199254740992.0, "9007199254740992")]
    [InlineData(9007199254740994.0, "9007199254740994")]
    [InlineData(0.000001234, "0.000001234")]
    [InlineData(1234.5678, "1234.5678")]
    [InlineData(-1e-7, "-1e-7")]
    [InlineData(100.0, "100")]
    [InlineData(1e100, "1e+100")]
    [InlineData(4.35, "4.35")]
    [InlineData(0.1, "0.1")]
    [InlineData(1.0 / 3, "0.3333333333333333")]
    [InlineData(12345678901234567890.0, "12345678901234567000")]
    [InlineData(double.NaN, "NaN")]
    [InlineData(double.PositiveInfinity, "Infinity")]
    [InlineData(double.NegativeInfinity, "-Infinity")]
    public void FormatNumber_matches_javascript_Number_toString(double value, string expected)
    {
        Assert.Equal(expected, JsJson.FormatNumber(value));
        string json = double.IsFinite(value) ? expected : "null";
        Assert.Equal(json, JsJson.Stringify(value));
    }

    [Fact]
    public void Stringify_of_longs_beyond_safe_range_prints_the_nearest_double()
    {
        Assert.Equal("9007199254740992", JsJson.Stringify(9007199254740993L));
        Assert.Equal("9007199254740991", JsJson.Stringify(9007199254740991L));
        Assert.Equal("-42", JsJson.Stringify(-42L));
        Assert.Equal("0", JsJson.Stringify(-0.0));
        Assert.Equal("0", JsJson.FormatNumber(-0.0));
    }

    [Theory]
    [InlineData("plain", "\"plain\"")]
    [InlineData("quote\"back\\slash", "\"quote\\\"back\\\\slash\"")]
    [InlineData("\b\f\n\r\t", "\"\\b\\f\\n\\r\\t\"")]
    [InlineData("\u0000\u0001\u001f\u007f", "\"\\u0000\\u0001\\u001f\u007f\"")]
    [InlineData("\u2028\u2029/", "\"\u2028\u2029/\"")]
    [InlineData("\uD83D\uDE00", "\"\uD83D\uDE00\"")]
    [InlineData("é", "\"é\"")]
    public void Stringify_escapes_strings_like_javascript(string value, string expected)
    {
        Assert.Equal(expected, JsJson.Stringify(value));
        Assert.Equal(value, JsJson.Parse(expected));
    }

    [Fact]
    public void Stringify_escapes_lone_surrogates_like_well_formed_json_stringify()
    {
        // Kept out of [InlineData]: test-case serialization would mangle lone surrogates.
        (string Value, string Json)[] cases = [("\uD800", "\"\\ud800\""), ("a\uDC00b", "\"a\\udc00b\""), ("\uDBFF", "\"\\udbff\""), ("\uDE00\uD83D", "\"\\ude00\\ud83d\"")];
        foreach (var (value, json) in cases)
        {
            Assert.Equal(json, JsJson.Stringify(value));
            Assert.Equal(value, JsJson.Parse(json));
        }
    }

    [Fact]
    public void Stringify_orders_keys_and_skips_undefined_like_javascript()
    {
        var value = new Dictionary<string, object?>
        {
            ["b"] = 1L,
            ["a"] = new List<object?> { 1L, "x", null, true },
            ["10"] = new Dictionary<string, object?>(),
            ["2"] = new List<object?>(),
            ["u"] = Undefined.Value,
            ["n"] = null,
        };
        const string expected = "{\"2\":[],\"10\":{},\"b\":1,\"a\":[1,\"x\",null,true],\"n\":null}";
        Assert.Equal(expected, JsJson.Stringify(value));
        Assert.Equal("[null,1]", JsJson.Stringify(new List<object?> { Undefined.Value, 1L }));
        Assert.Equal("{\"0\":1,\"1\":200}", JsJson.Stringify(new byte[] { 1, 200 }));
        Assert.Null(JsJson.Stringify(Undefined.Value));
        Assert.Throws<ArgumentException>(() => JsJson.Stringify(new BigInteger(1)));
    }

    [Fact]
    public void Parse_follows_json_parse()
    {
        var parsed = Assert.IsType<Dictionary<string, object?>>(
            JsJson.Parse(" {\"b\":1,\"a\":[1.5,-0,1e2,\"\\u00e9\\/\"],\"10\":true,\"2\":null,\"b\":false} "));
        Assert.Equal(["2", "10", "b", "a"], parsed.Keys);
        Assert.Equal(false, parsed["b"]);
        var array = Assert.IsType<List<object?>>(parsed["a"]);
        Assert.Equal(1.5, array[0]);
        Assert.True(array[1] is double negativeZero && double.IsNegative(negativeZero));
        Assert.Equal(100L, array[2]);
        Assert.Equal("é/", array[3]);
        Assert.Equal(1e300, JsJson.Parse("1e300"));
        Assert.Equal(double.PositiveInfinity, JsJson.Parse("1e400"));
        Assert.Equal(9007199254740991L, JsJson.Parse("9007199254740991"));
        Assert.Equal(9007199254740992.0, JsJson.Parse("9007199254740992"));
        Assert.Equal("\uD800x", JsJson.Parse("\"\\ud800x\""));
    }

    [Theory]
    [InlineData("")]
    [InlineData(" ")]
    [InlineData("{")]
    [InlineData("[1,]")]
    [InlineData("{\"a\":1,}")]
    [InlineData("01")]
    [InlineData("1.")]
    [InlineData(".5")]
    [InlineData("+1")]
    [InlineData("-")]
    [InlineData("1e")]
    [InlineData("NaN")]
    [InlineData("undefined")]
    [InlineData("'a'")]
    [InlineData("\"a\nb\"")]
    [InlineData("\"\\x\"")]
    [InlineData("\"\\u12\"")]
    [InlineData("\"abc")]
    [InlineData("tru")]
    [InlineData("[1] 2")]
    [InlineData("{a:1}")]
    public void Parse_rejects_what_json_parse_rejects(string text)
    {
        Assert.Throws<CrdtFormatException>(() => JsJson.Parse(text));
    }

    [Fact]
    public void Parse_limits_nesting()
    {
        Assert.Throws<CrdtFormatException>(() => JsJson.Parse(new string('[', 100_000)));
        Assert.NotNull(JsJson.Parse(new string('[', 200) + new string(']', 200)));
    }

    [Fact]
    public void JsonNode_stringify_matches_javascript()
    {
        var node = JsJson.ParseNode("{\"name\":\"x\\ud800\",\"7\":[1,2.5,-0,1e21,true,null],\"user\":{\"id\":12345678901234567890}}");
        Assert.Equal("{\"7\":[1,2.5,0,1e+21,true,null],\"name\":\"x\\ud800\",\"user\":{\"id\":12345678901234567000}}", JsJson.Stringify(node));
        var built = new JsonObject { ["b"] = 0.1, ["a"] = new JsonArray(1, "s", (JsonNode?)null), ["1"] = 3L, ["f"] = 1.5f };
        Assert.Equal("{\"1\":3,\"b\":0.1,\"a\":[1,\"s\",null],\"f\":1.5}", JsJson.Stringify(built));
        Assert.Equal("null", JsJson.Stringify((JsonNode?)null));
        var other = new JsonObject { ["c"] = JsonValue.Create('x'), ["g"] = JsonValue.Create(Guid.Empty), ["e"] = JsonNode.Parse("\"\\u00e9\"") };
        Assert.Equal("{\"c\":\"x\",\"g\":\"00000000-0000-0000-0000-000000000000\",\"e\":\"é\"}", JsJson.Stringify(other));
    }

    [Fact]
    public void Overflowing_numbers_parse_to_infinity_and_stringify_as_null()
    {
        // JSON.parse('[1e400,-1e400]') gives [Infinity, -Infinity]; JSON.stringify writes both as null.
        Assert.Equal("[null,null]", JsJson.Stringify(JsJson.Parse("[1e400,-1e400]")));
        Assert.Equal("[null,null]", JsJson.Stringify(JsJson.ParseNode("[1e400,-1e400]")));
        Assert.Equal("null", JsJson.Stringify(JsJson.ParseNode("1e400")));
    }
}
