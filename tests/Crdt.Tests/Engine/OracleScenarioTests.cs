using Spotter.Collab.Crdt.Lib0;

namespace Spotter.Collab.Crdt.Tests.Engine;

/// <summary>The scenarios of Oracle/scenarios.mjs replayed here must give yjs's bytes, values and events.</summary>
public class OracleScenarioTests
{
    private static string Hex(byte[] b) => Convert.ToHexStringLower(b);
    private static byte[] Bytes(string hex) => Convert.FromHexString(hex);

    private static Dictionary<string, object?> DeltaJson(DeltaOp op)
    {
        var d = new Dictionary<string, object?>();
        if (op.Insert is not null) d["insert"] = op.Insert;
        if (op.Retain is not null) d["retain"] = (long)op.Retain;
        if (op.Delete is not null) d["delete"] = (long)op.Delete;
        if (op.Attributes is not null) d["attributes"] = op.Attributes;
        return d;
    }

    private static List<object?> DeltaList(IEnumerable<DeltaOp> ops) => ops.Select(o => (object?)DeltaJson(o)).ToList();

    [Fact]
    public void Map_and_array_operations_match_yjs()
    {
        var d = new Doc(new DocOptions { ClientId = 1 });
        var m = d.GetMap("map");
        m.Set("a", 1L); m.Set("b", "x");
        m.Set("c", new Dictionary<string, object?> { ["k"] = "v", ["n"] = 2L, ["arr"] = new List<object?> { 1L, "two", null } });
        m.Set("d", new List<object?> { 1L, 2L }); m.Set("e", null); m.Set("f", true); m.Set("g", 1.5);
        var arr = new YArray(); m.Set("list", arr);
        arr.Push(["p", 1L, false]); arr.Insert(1, ["q", "r"]); arr.Delete(0, 2); arr.Push([new byte[] { 1, 2, 3 }]);
        var inner = new YMap(); arr.Insert(0, [inner]); inner.Set("deep", "yes");
        m.Set("a", 2L); m.Delete("b");
        var events = new List<object?>();
        var a = d.GetArray("arr");
        a.Observe((e, _) => events.Add(new Dictionary<string, object?> { ["delta"] = DeltaList(e.Delta) }));
        m.Observe((e, _) =>
        {
            var keys = new Dictionary<string, object?>();
            foreach (var (k, v) in e.Keys)
            {
                keys[k] = new Dictionary<string, object?> { ["action"] = v.Action.ToString().ToLowerInvariant(), ["oldValue"] = v.OldValue is Undefined ? "undefined" : v.OldValue };
            }
            events.Add(new Dictionary<string, object?> { ["keys"] = keys });
        });
        d.Transact(_ => { a.Insert(0, [1L, 2L, 3L, 4L]); m.Set("a", 3L); m.Set("z", "new"); m.Delete("e"); });
        d.Transact(_ => { a.Delete(1, 2); a.Insert(1, ["x"]); m.Set("a", 4L); });

        Assert.Equal(YjsOracle.MapV1, Hex(d.EncodeStateAsUpdate()));
        Assert.Equal(YjsOracle.MapV2, Hex(d.EncodeStateAsUpdateV2()));
        Assert.Equal(YjsOracle.MapJson, JsJson.Stringify(m.ToJson()));
        Assert.Equal(YjsOracle.MapArr, JsJson.Stringify(a.ToJson()));
        Assert.Equal(YjsOracle.MapEvents, JsJson.Stringify(events));

        var copy = new Doc();
        copy.ApplyUpdateV2(Bytes(YjsOracle.MapV2));
        Assert.Equal(YjsOracle.MapJson, JsJson.Stringify(copy.GetMap("map").ToJson()));
    }

    [Fact]
    public void Rich_text_operations_match_yjs()
    {
        var d = new Doc(new DocOptions { ClientId = 5 });
        var t = d.GetText("t");
        var deltas = new List<object?>();
        t.Observe((e, _) => deltas.Add(DeltaList(e.Delta)));
        t.Insert(0, "Hello world and more text");
        t.Format(6, 5, new Dictionary<string, object?> { ["bold"] = true });
        t.Insert(8, "XY");
        t.Insert(0, "italic ", new Dictionary<string, object?> { ["italic"] = true });
        t.InsertEmbed(3, new Dictionary<string, object?> { ["image"] = "a.png" });
        t.Format(0, 10, new Dictionary<string, object?> { ["bold"] = null, ["color"] = "#f00" });
        t.Delete(5, 7);
        t.ApplyDelta([
            new DeltaOp { Retain = 2 },
            new DeltaOp { Insert = "\u0394", Attributes = new() { ["underline"] = true } },
            new DeltaOp { Retain = 3, Attributes = new() { ["bold"] = true } },
            new DeltaOp { Delete = 1 },
        ]);
        t.Insert(t.Length, "\U0001F600!");
        t.Delete(t.Length - 2, 1);

        Assert.Equal(YjsOracle.TextStr, t.ToString());
        Assert.Equal(YjsOracle.TextDelta, JsJson.Stringify(DeltaList(t.ToDelta())));
        Assert.Equal(YjsOracle.TextEvents, JsJson.Stringify(deltas));
        Assert.Equal(YjsOracle.TextV1, Hex(d.EncodeStateAsUpdate()));
        Assert.Equal(YjsOracle.TextV2, Hex(d.EncodeStateAsUpdateV2()));

        var copy = new Doc();
        copy.ApplyUpdate(Bytes(YjsOracle.TextV1));
        Assert.Equal(YjsOracle.TextDelta, JsJson.Stringify(DeltaList(copy.GetText("t").ToDelta())));
    }

    [Fact]
    public void Xml_types_match_yjs()
    {
        var d = new Doc(new DocOptions { ClientId = 9 });
        var f = d.GetXmlFragment("xml");
        var p = new YXmlElement("P");
        var t = new YXmlText();
        f.Insert(0, [p]); p.SetAttribute("zeta", "z"); p.SetAttribute("alpha", "1");
        p.Insert(0, [t]); t.Insert(0, "bold text");
        t.Format(0, 4, new Dictionary<string, object?> { ["b"] = new Dictionary<string, object?>() });
        t.Format(5, 4, new Dictionary<string, object?> { ["a"] = new Dictionary<string, object?> { ["href"] = "x", ["class"] = "y" } });
        var hook = new YXmlHook("hk"); f.Insert(1, [hook]); hook.Set("k", "v");
        var e2 = new YXmlElement("div"); f.Insert(1, [e2]); e2.Insert(0, [new YXmlText("plain")]);

        Assert.Equal(YjsOracle.XmlStr, p.ToString() + "|" + e2.ToString() + "|" + t.ToString());
        Assert.Equal(YjsOracle.XmlV1, Hex(d.EncodeStateAsUpdate()));
        Assert.Equal(YjsOracle.XmlV2, Hex(d.EncodeStateAsUpdateV2()));

        var copy = new Doc();
        copy.ApplyUpdateV2(Bytes(YjsOracle.XmlV2));
        var cf = copy.GetXmlFragment("xml");
        Assert.Equal(YjsOracle.XmlStr, cf.Get(0).ToString() + "|" + cf.Get(1).ToString() + "|" + ((YXmlElement)cf.Get(0)).Get(0).ToString());
        Assert.Equal("hk", ((YXmlHook)cf.Get(2)).HookName);
    }

    [Fact]
    public void Concurrent_edits_converge_like_yjs()
    {
        var a = new Doc(new DocOptions { ClientId = 1 });
        var b = new Doc(new DocOptions { ClientId = 2 });
        var all = new List<byte[]>();
        var ub = new List<byte[]>();
        a.Updated += (_, e) => all.Add(e.Update);
        b.Updated += (_, e) => ub.Add(e.Update);
        a.GetText("t").Insert(0, "base text");
        b.ApplyUpdate(a.EncodeStateAsUpdate());
        a.GetText("t").Insert(4, "AAA"); b.GetText("t").Insert(4, "BBB");
        a.GetArray("l").Insert(0, ["a1"]); b.GetArray("l").Insert(0, ["b1"]);
        a.GetMap("m").Set("k", "fromA"); b.GetMap("m").Set("k", "fromB");
        b.GetText("t").Delete(0, 2);
        var sva = a.EncodeStateVector();
        a.ApplyUpdate(b.EncodeStateAsUpdate(sva));
        b.ApplyUpdate(a.EncodeStateAsUpdate(b.EncodeStateVector()));
        // yjs collected a's own updates then b's (remote applies emit updates too).
        var updates = all.Concat(ub).ToList();
        Assert.Equal(YjsOracle.ConcUpdates, updates.Select(Hex).ToArray());
        Assert.Equal(YjsOracle.ConcA, Hex(a.EncodeStateAsUpdate()));
        Assert.Equal(YjsOracle.ConcB, Hex(b.EncodeStateAsUpdate()));
        Assert.Equal(YjsOracle.ConcText, a.GetText("t").ToString());
        Assert.Equal(YjsOracle.ConcList, JsJson.Stringify(a.GetArray("l").ToJson()));
        Assert.Equal(YjsOracle.ConcM, a.GetMap("m").Get("k"));
    }

    [Fact]
    public void Update_functions_match_yjs()
    {
        var all = YjsOracle.ConcUpdates.Select(Bytes).ToList();
        var merged = Updates.Merge(all);
        Assert.Equal(YjsOracle.ConcMerged, Hex(merged));
        Assert.Equal(YjsOracle.ConcMergedV2, Hex(Updates.MergeV2(all.Select(u => Updates.V1ToV2(u)))));
        // The state vector of a before the exchange: the result of a's first four (local) updates.
        var aOnly = new Doc();
        foreach (var u in all.Take(4)) aOnly.ApplyUpdate(u);
        Assert.Equal(YjsOracle.ConcDiff, Hex(Updates.Diff(merged, aOnly.EncodeStateVector())));
        Assert.Equal(YjsOracle.ConcSv, Hex(Updates.StateVectorOf(merged)));
        Assert.Equal(YjsOracle.ConcV2, Hex(Updates.V1ToV2(merged)));
        Assert.Equal(Hex(merged), Hex(Updates.V2ToV1(Updates.V1ToV2(merged))));
        Assert.Equal(YjsOracle.ConcMergeSome, Hex(Updates.Merge([all[0], all[2], all[4]])));
    }

    [Fact]
    public void Out_of_order_updates_wait_as_pending_like_yjs()
    {
        var all = YjsOracle.ConcUpdates.Select(Bytes).ToList();
        var c = new Doc(new DocOptions { ClientId = 3 });
        c.ApplyUpdate(all[2]);
        c.ApplyUpdate(all[4]);
        Assert.True(c.HasPending);
        Assert.Equal(YjsOracle.ConcPending, Hex(c.EncodeStateAsUpdate()));
        Assert.Equal(YjsOracle.ConcPendingV2, Hex(c.EncodeStateAsUpdateV2()));
        foreach (var u in all) c.ApplyUpdate(u);
        Assert.False(c.HasPending);
        Assert.Equal(YjsOracle.ConcAfter, Hex(c.EncodeStateAsUpdate()));
    }
}
