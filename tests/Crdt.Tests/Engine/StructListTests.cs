namespace Spotter.Collab.Crdt.Tests.Engine;

/// <summary>
/// The chunked struct list against a plain list: its clock index (kept beside the structs) and its search
/// near the previous answer must find the same struct as a scan, whatever splits and merges did to the chunks.
/// </summary>
public sealed class StructListTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Finding_a_clock_agrees_with_a_scan_after_random_splits_and_merges(int seed)
    {
        var random = new Random(seed);
        var model = new List<AbstractStruct>();
        var list = new StructList();
        uint clock = 0;
        uint lastProbe = 0;
        for (int i = 0; i < 3000; i++)
        {
            var s = new GC(new Id(1, clock), (uint)random.Next(1, 6));
            clock += s.Length;
            model.Add(s);
            list.Add(s);
        }

        for (int step = 0; step < 20000; step++)
        {
            switch (random.Next(4))
            {
                case 0 when model.Count > 0:
                    {
                        // Split a struct in two, as splitting an item does.
                        int at = random.Next(model.Count);
                        var s = model[at];
                        if (s.Length < 2) break;
                        uint leftLength = (uint)random.Next(1, (int)s.Length);
                        var right = new GC(new Id(1, s.Id.Clock + leftLength), s.Length - leftLength);
                        s.Length = leftLength;
                        model.Insert(at + 1, right);
                        list.Insert(at + 1, right);
                        break;
                    }
                case 1 when model.Count > 1:
                    {
                        // Merge a run into its left neighbour, as cleanup does.
                        int at = random.Next(1, model.Count);
                        int n = Math.Min(random.Next(1, 4), model.Count - at);
                        for (int k = 0; k < n; k++) model[at - 1].Length += model[at + k].Length;
                        model.RemoveRange(at, n);
                        list.RemoveRange(at, n);
                        break;
                    }
                default:
                    {
                        // Half the probes near the previous one, as integration and delete sets look things up.
                        uint probe = random.Next(2) == 0
                            ? (uint)random.Next((int)clock + 3)
                            : (uint)Math.Max(0, (int)lastProbe + random.Next(-40, 41));
                        lastProbe = probe;
                        int expected = model.FindIndex(s => s.Id.Clock <= probe && probe < s.Id.Clock + s.Length);
                        Assert.Equal(expected, list.FindIndex(probe));
                        break;
                    }
            }
        }

        Assert.Equal(model.Count, list.Count);
        Assert.Equal(model, list.ToList());
        Assert.Same(model[^1], list.Last);

        list.RemoveRange(0, list.Count);
        Assert.Equal(-1, list.FindIndex(0));
        var again = new GC(new Id(1, 0), 4);
        list.Add(again);
        Assert.Equal(0, list.FindIndex(3));
        Assert.Equal(-1, list.FindIndex(4));
    }
}
