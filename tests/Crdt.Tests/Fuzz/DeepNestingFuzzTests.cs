using CsCheck;
using Spotter.Collab.Crdt.Tests.Differential;
using Xunit.Abstractions;

namespace Spotter.Collab.Crdt.Tests.Fuzz;

/// <summary>
/// Deep-nesting generator: chains of maps, arrays and XML elements up to a few times the nesting bound, written by
/// one author in several transactions, delivered to a bounded document in a random order (so parts wait as pending),
/// sometimes followed by the deletion of one level. Whatever arrives, each update either applies or is rejected with
/// <see cref="CrdtFormatException"/> leaving the document unchanged, and the document never holds a type deeper than
/// the bound; the same content loaded without the bound renders, converts and deletes without recursion.
/// ~5 s by default, ten times longer with SPOTTER_SOAK=1; a failure prints CsCheck's seed.
/// </summary>
public sealed class DeepNestingFuzzTests(ITestOutputHelper output)
{
    private const int Bound = UpdateLimits.DefaultMaxNestingDepth;
    private static int Seconds => DifferentialSettings.Soak ? 50 : 5;

    /// <summary>Kinds of the nested types, one per level (0 map, 1 array, 2 XML element).</summary>
    private static readonly Gen<(int[] Kinds, int Pieces, int[] Order, int? DeleteLevel)> Chains =
        from depth in Gen.Frequency((3, Gen.Int[1, Bound + 10]), (2, Gen.Int[Bound - 10, Bound + 10]), (1, Gen.Int[Bound + 10, 3 * Bound]))
        from kinds in Gen.Int[0, 2].Array[depth]
        from pieces in Gen.Int[1, Math.Min(4, depth)]
        from order in Gen.Shuffle(Enumerable.Range(0, pieces).ToArray())
        from deleteLevel in Gen.Frequency((1, Gen.Const((int?)null)), (1, Gen.Int[0, depth - 1].Select(i => (int?)i)))
        select (kinds, pieces, order, deleteLevel);

    [Fact]
    public void DeepChainsInAnyOrderAreAppliedOrRejectedWholeAndNeverExceedTheBound()
    {
        Chains.Sample(chain =>
        {
            var (updates, pieceCount, levels) = Author(chain.Kinds, chain.Pieces, chain.DeleteLevel);
            var doc = new Doc(new DocOptions { ClientId = 1 });
            doc.GetMap("r").Set("existing", "value");
            // The pieces in the generated order, then the deletion.
            var delivery = chain.Order.Where(i => i < pieceCount).Concat(Enumerable.Range(pieceCount, updates.Count - pieceCount));
            foreach (var index in delivery)
            {
                var before = doc.EncodeStateAsUpdate();
                try
                {
                    doc.ApplyUpdate(updates[index]);
                }
                catch (CrdtFormatException)
                {
                    Assert.Equal(before, doc.EncodeStateAsUpdate());
                }
                Assert.True(MaxDepth(doc.GetMap("r")) <= Bound, "the document holds a type deeper than the bound");
            }
            if (levels <= Bound && chain.DeleteLevel is null)
            {
                // Nothing was too deep: everything arrived.
                Assert.False(doc.HasPending);
                Assert.Equal(levels, MaxDepth(doc.GetMap("r")));
            }

            // Without the bound the whole chain loads, renders, converts and deletes (no recursion at any depth).
            var unbounded = new Doc(new DocOptions { MaxNestingDepth = int.MaxValue });
            foreach (var update in updates) unbounded.ApplyUpdate(update);
            Assert.Equal(chain.DeleteLevel is null ? levels : chain.DeleteLevel.Value, MaxDepth(unbounded.GetMap("r")));
            _ = unbounded.GetMap("r").ToJson();
            unbounded.GetMap("r").Delete("k");
            Assert.Equal(0, MaxDepth(unbounded.GetMap("r")));
        }, time: Seconds, writeLine: output.WriteLine,
            print: c => $"kinds {string.Join("", c.Kinds)}, pieces {c.Pieces}, order {string.Join(",", c.Order)}, delete level {c.DeleteLevel}");
    }

    /// <summary>The author's updates (one per piece, then the deletion if any), how many are pieces, and how many levels the chain has.</summary>
    private static (List<byte[]> Updates, int Pieces, int Levels) Author(int[] kinds, int pieces, int? deleteLevel)
    {
        var author = new Doc(new DocOptions { ClientId = 2, MaxNestingDepth = int.MaxValue });
        var updates = new List<byte[]>();
        author.Updated += (_, e) => updates.Add(e.Update);
        var chain = new List<AbstractType> { author.GetMap("r") };
        var perPiece = (kinds.Length + pieces - 1) / pieces;
        for (var start = 0; start < kinds.Length; start += perPiece)
        {
            author.Transact(_ =>
            {
                for (var i = start; i < Math.Min(kinds.Length, start + perPiece); i++)
                {
                    AbstractType child = kinds[i] switch
                    {
                        0 => new YMap(),
                        1 => new YArray(),
                        _ => new YXmlElement("q"),
                    };
                    Insert(chain[^1], child);
                    chain.Add(child);
                }
            });
        }
        var pieceCount = updates.Count;
        if (deleteLevel is { } level)
        {
            // Deleting the type at this level (its content goes with it): a delete-set entry in its own update.
            author.Transact(_ =>
            {
                switch (chain[level])
                {
                    case YMap map: map.Delete("k"); break;
                    case YArray array: array.Delete(0, 1); break;
                    case YXmlFragment xml: xml.Delete(0, 1); break;
                }
            });
        }
        return (updates, pieceCount, kinds.Length);
    }

    private static void Insert(AbstractType parent, AbstractType child)
    {
        switch (parent)
        {
            case YMap map: map.Set("k", child); break;
            case YArray array: array.Push([child]); break;
            case YXmlFragment xml: xml.Insert(0, [child]); break;
        }
    }

    /// <summary>How deep the live types under <paramref name="root"/> nest (0 when it holds none), walked with a stack.</summary>
    private static int MaxDepth(AbstractType root)
    {
        var deepest = 0;
        var work = new Stack<(AbstractType Type, int Depth)>();
        work.Push((root, 0));
        while (work.Count > 0)
        {
            var (type, depth) = work.Pop();
            deepest = Math.Max(deepest, depth);
            IEnumerable<object?> children = type switch
            {
                YMap map => map.Entries().Values,
                YArray array => array.ToArray(),
                YXmlFragment xml => xml.ToArray(),
                _ => [],
            };
            foreach (var child in children)
            {
                if (child is AbstractType nested) work.Push((nested, depth + 1));
            }
        }
        return deepest;
    }
}
