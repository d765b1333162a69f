namespace Spotter.Collab.Crdt.Tests.Engine;

public class PendingStressTests
{
    [TraceDataFact]
    public void Updates_applied_in_random_order_converge_through_pending_state()
    {
        var trace = TestData.LoadSequential("friendsforever_flat");
        var source = new Doc(new DocOptions { ClientId = 77 });
        var updates = new List<byte[]>();
        var updatesV2 = new List<byte[]>();
        source.Updated += (_, e) => updates.Add(e.Update);
        source.UpdatedV2 += (_, e) => updatesV2.Add(e.Update);
        var text = source.GetText("text");
        foreach (var patches in trace.Txns.Take(1200))
        {
            source.Transact(_ =>
            {
                foreach (var (pos, del, ins) in patches)
                {
                    if (del > 0) text.Delete(pos, del);
                    if (ins.Length > 0) text.Insert(pos, ins);
                }
            });
        }
        var expected = source.EncodeStateAsUpdate();
        var rng = new Random(99);
        var order = Enumerable.Range(0, updates.Count).OrderBy(_ => rng.Next()).ToArray();

        var target = new Doc(new DocOptions { ClientId = 78 });
        for (int k = 0; k < order.Length; k++)
        {
            target.ApplyUpdate(updates[order[k]]);
            if (k == order.Length / 2)
            {
                // Mid-way, the state (with pending parts) round-trips through a fresh document.
                var mid = new Doc();
                mid.ApplyUpdate(target.EncodeStateAsUpdate());
                Assert.Equal(target.EncodeStateAsUpdate(), mid.EncodeStateAsUpdate());
            }
        }
        Assert.False(target.HasPending);
        Assert.Equal(expected, target.EncodeStateAsUpdate());

        var targetV2 = new Doc();
        foreach (var i in order.Reverse()) targetV2.ApplyUpdateV2(updatesV2[i]);
        Assert.False(targetV2.HasPending);
        Assert.Equal(expected, targetV2.EncodeStateAsUpdate());

        // Merging all updates in the shuffled order gives one update equal in effect.
        var merged = Updates.Merge(order.Select(i => updates[i]));
        var fromMerged = new Doc();
        fromMerged.ApplyUpdate(merged);
        Assert.Equal(expected, fromMerged.EncodeStateAsUpdate());
    }
}
