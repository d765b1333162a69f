using System.Diagnostics;
using CsCheck;
using Spotter.Collab.Crdt.Tests.Differential;
using Xunit.Abstractions;

namespace Spotter.Collab.Crdt.Tests.Fuzz;

/// <summary>
/// Bounded-time fuzzing of the update decoders: random bytes and mutated real yjs updates (truncations,
/// bit flips, lying lengths, spliced garbage) must either apply or throw <see cref="CrdtFormatException"/> —
/// nothing else — within bounded time and allocation, and a rejected update must leave the doc exactly as it was.
/// ~20 s by default (two properties × 10 s), ten times longer with SPOTTER_SOAK=1. A failure prints CsCheck's
/// seed; rerun it with CsCheck_Seed=&lt;seed&gt;.
/// </summary>
public sealed class DecoderFuzzTests(ITestOutputHelper output)
{
    private static int Seconds => DifferentialSettings.Soak ? 100 : 10;

    // A decoder must not be steerable into huge allocations or long loops by a lying length.
    private const long MaxAllocatedBytes = 64L << 20;
    private static readonly TimeSpan MaxTimePerInput = TimeSpan.FromSeconds(2);

    private static readonly Gen<byte[]> RandomBytes = Gen.Byte.Array[0, 300];

    /// <summary>A corpus update with 1–4 mutations applied.</summary>
    private static readonly Gen<(int Base, bool V2, byte[] Bytes)> MutatedUpdates =
        from index in Gen.Int[0, FuzzCorpus.Updates.Length - 1]
        from mutations in Gen.Int[1, 4].SelectMany(n => Mutation.Array[n])
        select (index, FuzzCorpus.Updates[index].V2, Mutate(FuzzCorpus.Updates[index].Bytes, mutations));

    private static Gen<Func<byte[], byte[]>> Mutation =>
        Gen.Frequency(
            (3, Gen.Int[0, 10_000].Select<int, Func<byte[], byte[]>>(cut => b => b[..(cut % (b.Length + 1))])),
            (4, Gen.Int[0, 100_000].SelectMany(pos => Gen.Int[0, 7].Select<int, Func<byte[], byte[]>>(bit => b =>
            {
                if (b.Length == 0)
                {
                    return b;
                }

                var copy = (byte[])b.Clone();
                copy[pos % copy.Length] ^= (byte)(1 << bit);
                return copy;
            }))),
            // A varint claiming a huge length or count: 0xFF… continuation bytes then a terminator.
            (3, Gen.Int[0, 100_000].SelectMany(pos => Gen.Int[1, 9].Select<int, Func<byte[], byte[]>>(len => b =>
            {
                var at = b.Length == 0 ? 0 : pos % b.Length;
                var lie = Enumerable.Repeat((byte)0xFF, len).Append((byte)0x0F).ToArray();
                return [.. b[..at], .. lie, .. b[Math.Min(b.Length, at + 1)..]];
            }))),
            (2, Gen.Int[0, 100_000].SelectMany(pos => Gen.Byte.Array[1, 8].Select<byte[], Func<byte[], byte[]>>(junk => b =>
            {
                var at = b.Length == 0 ? 0 : pos % b.Length;
                return [.. b[..at], .. junk, .. b[at..]];
            }))),
            (1, Gen.Int[0, 100_000].SelectMany(pos => Gen.Int[1, 40].Select<int, Func<byte[], byte[]>>(len => b =>
            {
                // Drop a run of bytes from the middle: shifts every later field.
                var at = b.Length == 0 ? 0 : pos % b.Length;
                return [.. b[..at], .. b[Math.Min(b.Length, at + len)..]];
            }))));

    private static byte[] Mutate(byte[] bytes, Func<byte[], byte[]>[] mutations)
    {
        foreach (var mutation in mutations)
        {
            bytes = mutation(bytes);
        }

        return bytes;
    }

    [Fact]
    public void RandomBytesOnlyEverThrowCrdtFormatException()
    {
        RandomBytes.Sample(bytes =>
        {
            // Both update formats, on an empty doc and on one that holds content.
            ExpectRejectedOrApplied(bytes, v2: false, baseIndex: null);
            ExpectRejectedOrApplied(bytes, v2: true, baseIndex: null);
            ExpectRejectedOrApplied(bytes, v2: false, baseIndex: 0);
            ExpectRejectedOrApplied(bytes, v2: true, baseIndex: 1);
            ExpectUpdateFunctionsSafe(bytes);
        }, time: Seconds, writeLine: output.WriteLine, print: Convert.ToBase64String);
    }

    [Fact]
    public void MutatedYjsUpdatesOnlyEverThrowCrdtFormatException()
    {
        MutatedUpdates.Sample(input =>
        {
            // Applied onto a doc that already holds a different corpus update, so rejection has state to preserve.
            var holder = (input.Base + 1) % FuzzCorpus.Updates.Length;
            ExpectRejectedOrApplied(input.Bytes, input.V2, holder);
            ExpectRejectedOrApplied(input.Bytes, input.V2, baseIndex: null);
            ExpectUpdateFunctionsSafe(input.Bytes);
        }, time: Seconds, writeLine: output.WriteLine, print: i => $"base {FuzzCorpus.Updates[i.Base].Name}, {(i.V2 ? "V2" : "V1")} {Convert.ToBase64String(i.Bytes)}");
    }

    [Fact]
    public void CorpusAppliesCleanly()
    {
        // The mutations only mean something if the unmutated updates are accepted.
        foreach (var (name, v2, bytes) in FuzzCorpus.Updates)
        {
            var doc = new Doc(new DocOptions { ClientId = 99 });
            if (v2)
            {
                doc.ApplyUpdateV2(bytes);
            }
            else
            {
                doc.ApplyUpdate(bytes);
            }

            Assert.True(doc.EncodeStateAsUpdate().Length > 2, name);
        }
    }

    private static void ExpectRejectedOrApplied(byte[] bytes, bool v2, int? baseIndex)
    {
        var doc = new Doc(new DocOptions { ClientId = 99, Gc = baseIndex is not 0 });
        if (baseIndex is { } i)
        {
            var (_, baseV2, baseBytes) = FuzzCorpus.Updates[i];
            if (baseV2)
            {
                doc.ApplyUpdateV2(baseBytes);
            }
            else
            {
                doc.ApplyUpdate(baseBytes);
            }
        }

        var before = doc.EncodeStateAsUpdate();
        Bounded(() =>
        {
            try
            {
                if (v2)
                {
                    doc.ApplyUpdateV2(bytes);
                }
                else
                {
                    doc.ApplyUpdate(bytes);
                }
            }
            catch (CrdtFormatException)
            {
                Assert.True(before.AsSpan().SequenceEqual(doc.EncodeStateAsUpdate()), "a rejected update changed the doc");
            }
        });

        // Whatever happened, the doc must still encode and re-load.
        var after = doc.EncodeStateAsUpdate();
        new Doc().ApplyUpdate(after);
    }

    private static void ExpectUpdateFunctionsSafe(byte[] bytes)
    {
        Bounded(() => Rejects(() => Updates.StateVectorOf(bytes)));
        Bounded(() => Rejects(() => Updates.StateVectorOfV2(bytes)));
        Bounded(() => Rejects(() => Updates.V1ToV2(bytes)));
        Bounded(() => Rejects(() => Updates.V2ToV1(bytes)));
        Bounded(() => Rejects(() => Updates.Merge([bytes, bytes])));
        Bounded(() => Rejects(() => Updates.Diff(bytes, [0])));
    }

    private static void Rejects(Action action)
    {
        try
        {
            action();
        }
        catch (CrdtFormatException)
        {
            // The one allowed failure.
        }
    }

    private static void Bounded(Action action)
    {
        var allocatedBefore = System.GC.GetAllocatedBytesForCurrentThread();
        var clock = Stopwatch.StartNew();
        action();
        clock.Stop();
        var allocated = System.GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;
        Assert.True(allocated < MaxAllocatedBytes, $"decoding allocated {allocated:N0} bytes");
        Assert.True(clock.Elapsed < MaxTimePerInput, $"decoding took {clock.Elapsed.TotalMilliseconds:N0} ms");
    }
}
