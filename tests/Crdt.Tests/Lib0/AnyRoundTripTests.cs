using System.Numerics;
using Spotter.Collab.Crdt.Lib0;

namespace Spotter.Collab.Crdt.Tests.Lib0;

/// <summary>Random nested values (seeded) survive lib0 any-encoding and JSON text round trips.</summary>
public class AnyRoundTripTests
{
    private static readonly string[] Keys = ["", "a", "b", "0", "1", "10", "2", "01", "-1", "4294967294", "4294967295", "é", "😀", "__proto__"];

    private static string RandomString(Random random)
    {
        int length = random.Next(0, 12);
        var chars = new char[length];
        for (int i = 0; i < length; i++)
        {
            chars[i] = random.Next(6) switch
            {
                0 => (char)random.Next(0, 0x20),
                1 => (char)random.Next(0xD800, 0xE000), // surrogates, paired or not
                2 => (char)random.Next(0x80, 0x800),
                3 => (char)random.Next(0xE000, 0x10000),
                _ => (char)random.Next(0x20, 0x7F),
            };
        }
        return new string(chars);
    }

    private static object? RandomValue(Random random, int depth, bool jsonOnly)
    {
        int kind = random.Next(depth > 4 ? 9 : 11);
        switch (kind)
        {
            case 0: return null;
            case 1: return random.Next(2) == 0;
            case 2: return (long)random.Next(int.MinValue, int.MaxValue);
            case 3: return random.NextDouble() * Math.Pow(10, random.Next(-30, 30)) * (random.Next(2) == 0 ? -1 : 1);
            case 4: return BitConverter.Int64BitsToDouble(random.NextInt64()) is var d && !double.IsNaN(d) ? d : 0.5;
            case 5: return RandomString(random);
            case 6: return (double)(float)random.NextDouble();
            case 7: return jsonOnly ? (object)1e21 : new BigInteger(random.NextInt64(long.MinValue, long.MaxValue));
            case 8:
            {
                if (jsonOnly)
                {
                    return Undefined.Value;
                }
                var bytes = new byte[random.Next(0, 8)];
                random.NextBytes(bytes);
                return bytes;
            }
            case 9:
            {
                var list = new List<object?>();
                int count = random.Next(0, 5);
                for (int i = 0; i < count; i++)
                {
                    list.Add(RandomValue(random, depth + 1, jsonOnly));
                }
                return list;
            }
            default:
            {
                var dict = new Dictionary<string, object?>();
                int count = random.Next(0, 5);
                for (int i = 0; i < count; i++)
                {
                    string key = random.Next(3) == 0 ? RandomString(random) : Keys[random.Next(Keys.Length)];
                    dict[key] = RandomValue(random, depth + 1, jsonOnly);
                }
                return dict;
            }
        }
    }

    [Fact]
    public void Any_encoding_is_stable_under_decode_and_reencode()
    {
        var random = new Random(1);
        for (int i = 0; i < 3000; i++)
        {
            var value = RandomValue(random, 0, jsonOnly: false);
            using var first = new Lib0Writer();
            first.WriteAny(value);
            var reader = new Lib0Reader(first.ToArray());
            var decoded = reader.ReadAny();
            Assert.False(reader.HasContent);
            using var second = new Lib0Writer();
            second.WriteAny(decoded);
            Assert.Equal(first.ToArray(), second.ToArray());
        }
    }

    [Fact]
    public void Json_text_is_stable_under_parse_and_restringify()
    {
        var random = new Random(2);
        for (int i = 0; i < 3000; i++)
        {
            var value = RandomValue(random, 0, jsonOnly: true);
            string? text = JsJson.Stringify(value);
            if (text is null)
            {
                continue; // top-level undefined
            }
            Assert.Equal(text, JsJson.Stringify(JsJson.Parse(text)));
            Assert.Equal(text, JsJson.Stringify(JsJson.ParseNode(text)));
        }
    }
}
