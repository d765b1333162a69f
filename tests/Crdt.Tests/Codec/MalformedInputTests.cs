using System.Diagnostics;
using Spotter.Collab.Crdt.Lib0;

namespace Spotter.Collab.Crdt.Tests.Codec;

/// <summary>Garbage, truncated and lying input must fail with <see cref="CrdtFormatException"/> only, and fast.</summary>
public class MalformedInputTests
{
    private static void OnlyFormatErrors(Action action)
    {
        try
        {
            action();
        }
        catch (CrdtFormatException)
        {
        }
    }

    private static void DecodeEverything(byte[] bytes)
    {
        OnlyFormatErrors(() => new Lib0Reader(bytes).ReadAny());
        OnlyFormatErrors(() => new Lib0Reader(bytes).ReadVarString());
        OnlyFormatErrors(() =>
        {
            var reader = new Lib0Reader(bytes);
            while (reader.HasContent)
            {
                reader.ReadVarInt();
                reader.ReadVarUint8Array();
            }
        });
        OnlyFormatErrors(() => UpdateTranscoder.Transcode(bytes, fromV2: false, toV2: false));
        OnlyFormatErrors(() => UpdateTranscoder.Transcode(bytes, fromV2: true, toV2: true));
    }

    [Fact]
    public void Random_bytes_only_ever_raise_CrdtFormatException()
    {
        var random = new Random(20261124);
        var stopwatch = Stopwatch.StartNew();
        for (int i = 0; i < 20_000; i++)
        {
            var bytes = new byte[random.Next(0, 96)];
            random.NextBytes(bytes);
            // Bias towards small numbers and valid tags so decoding gets deeper than the first byte.
            for (int j = 0; j < bytes.Length; j++)
            {
                if (random.Next(3) == 0)
                {
                    bytes[j] = (byte)random.Next(0, 12);
                }
                else if (random.Next(4) == 0)
                {
                    bytes[j] = (byte)random.Next(116, 128);
                }
            }
            DecodeEverything(bytes);
        }
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(30), $"took {stopwatch.Elapsed}");
    }

    [Fact]
    public void Mutated_and_truncated_yjs_updates_only_ever_raise_CrdtFormatException()
    {
        var random = new Random(42);
        foreach (var (v1Hex, v2Hex) in YjsUpdateFixtures.Updates.Values)
        {
            foreach (var original in new[] { Convert.FromHexString(v1Hex), Convert.FromHexString(v2Hex) })
            {
                for (int cut = 0; cut < original.Length; cut++)
                {
                    DecodeEverything(original[..cut]);
                }
                for (int i = 0; i < 1500; i++)
                {
                    var mutated = (byte[])original.Clone();
                    int flips = random.Next(1, 4);
                    for (int f = 0; f < flips; f++)
                    {
                        mutated[random.Next(mutated.Length)] = (byte)random.Next(256);
                    }
                    DecodeEverything(mutated);
                }
            }
        }
    }

    [Fact]
    public void V2_update_claiming_endless_repeated_structs_is_rejected_quickly()
    {
        // 2^50 structs for one client; the info column holds a single GC info byte (repeats forever) and the
        // length column a single value: without a read budget a consumer would loop for ever.
        using var writer = new Lib0Writer();
        writer.WriteVarUint(0); // feature flag
        writer.WriteVarUint8Array([]); // key clocks
        writer.WriteVarUint8Array([0x01]); // client 1
        writer.WriteVarUint8Array([]);
        writer.WriteVarUint8Array([]);
        writer.WriteVarUint8Array([0x00]); // info: GC, forever
        writer.WriteVarUint8Array([0x00]); // strings: empty
        writer.WriteVarUint8Array([]);
        writer.WriteVarUint8Array([]);
        writer.WriteVarUint8Array([0x41, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x0f]); // len 1, repeated ~2^52 times
        writer.WriteVarUint(1); // one client
        writer.WriteVarUint(1UL << 50); // claimed struct count
        writer.WriteVarUint(0); // first clock
        var stopwatch = Stopwatch.StartNew();
        var error = Assert.Throws<CrdtFormatException>(() => UpdateTranscoder.Transcode(writer.ToArray(), fromV2: true, toV2: true));
        Assert.Contains("more values than its size allows", error.Message, StringComparison.Ordinal);
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(30), $"took {stopwatch.Elapsed}");
    }

    [Fact]
    public void Lengths_claiming_gigabytes_fail_before_allocating()
    {
        using var writer = new Lib0Writer();
        writer.WriteVarUint(AnyValue.MaxSafeInteger);
        var bytes = writer.ToArray();
        long before = System.GC.GetAllocatedBytesForCurrentThread();
        Assert.Throws<CrdtFormatException>(() => new Lib0Reader(bytes).ReadVarUint8Array());
        Assert.Throws<CrdtFormatException>(() => new Lib0Reader(bytes).ReadVarString());
        Assert.Throws<CrdtFormatException>(() => new Lib0Reader([AnyTag.Array, .. bytes]).ReadAny());
        Assert.Throws<CrdtFormatException>(() => new Lib0Reader([AnyTag.Object, .. bytes]).ReadAny());
        Assert.True(System.GC.GetAllocatedBytesForCurrentThread() - before < 1 << 20);
    }

    [Fact]
    public void Random_json_text_only_ever_raises_CrdtFormatException()
    {
        const string alphabet = "{}[]\",:0123456789-+.eEtrufalsn \\u/bx\n\uD800é";
        var random = new Random(7);
        var chars = new char[64];
        for (int i = 0; i < 20_000; i++)
        {
            int length = random.Next(0, chars.Length);
            for (int j = 0; j < length; j++)
            {
                chars[j] = alphabet[random.Next(alphabet.Length)];
            }
            string text = new(chars, 0, length);
            OnlyFormatErrors(() =>
            {
                var value = JsJson.Parse(text);
                // Whatever parses must stringify and parse back to the same text.
                string json = JsJson.Stringify(value)!;
                Assert.Equal(json, JsJson.Stringify(JsJson.Parse(json)));
            });
        }
    }
}
