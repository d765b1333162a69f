using Spotter.Collab.Crdt.Lib0;

namespace Spotter.Collab.Crdt.Tests.Engine;

/// <summary>Gc-off documents, snapshots, relative positions and sub-documents against yjs (Oracle/scenarios2.mjs).</summary>
public class HistoryTests
{
    private static string Hex(byte[] b) => Convert.ToHexStringLower(b);

    private static List<object?> DeltaList(IEnumerable<DeltaOp> ops) => ops.Select(o =>
    {
        var d = new Dictionary<string, object?>();
        if (o.Insert is not null) d["insert"] = o.Insert;
        if (o.Attributes is not null) d["attributes"] = o.Attributes;
        return (object?)d;
    }).ToList();

    [Fact]
    public void Snapshots_of_a_gc_off_document_match_yjs()
    {
        var d = new Doc(new DocOptions { ClientId = 11, Gc = false });
        var t = d.GetText("t");
        t.Insert(0, "hello world");
        var s1 = Snapshot.Of(d);
        t.Delete(0, 6); t.Insert(0, "HEY "); t.Format(0, 3, new Dictionary<string, object?> { ["bold"] = true });
        var s2 = Snapshot.Of(d);

        Assert.Equal(YjsOracle2.SnapS1, Hex(s1.Encode()));
        Assert.Equal(YjsOracle2.SnapS1v2, Hex(s1.EncodeV2()));
        Assert.Equal(YjsOracle2.SnapS2, Hex(s2.Encode()));
        Assert.Equal(YjsOracle2.SnapDelta1, JsJson.Stringify(DeltaList(t.ToDelta(s1))));
        Assert.Equal(YjsOracle2.SnapDelta21, JsJson.Stringify(DeltaList(t.ToDelta(s2, s1))));
        Assert.Equal(YjsOracle2.SnapRestored, Snapshot.CreateDocFromSnapshot(d, s1).GetText("t").ToString());
        Assert.True(Snapshot.EqualSnapshots(s1, Snapshot.Decode(s1.Encode())));
        Assert.True(Snapshot.EqualSnapshots(s2, Snapshot.DecodeV2(s2.EncodeV2())));
        Assert.False(Snapshot.EqualSnapshots(s1, s2));
        Assert.Equal(YjsOracle2.SnapDoc, Hex(d.EncodeStateAsUpdate()));
        Assert.Throws<InvalidOperationException>(() => Snapshot.CreateDocFromSnapshot(new Doc(), s1));
    }

    [Fact]
    public void Relative_positions_match_yjs()
    {
        var d = new Doc(new DocOptions { ClientId = 12 });
        var t = d.GetText("t"); t.Insert(0, "abcdef");
        var m = d.GetMap("m"); var arr = new YArray(); m.Set("arr", arr); arr.Insert(0, [1L, 2L, 3L]);
        RelativePosition[] ps =
        [
            RelativePosition.FromTypeIndex(t, 3),
            RelativePosition.FromTypeIndex(t, 3, -1),
            RelativePosition.FromTypeIndex(t, 6),
            RelativePosition.FromTypeIndex(arr, 1),
            RelativePosition.FromTypeIndex(arr, 3),
            RelativePosition.FromTypeIndex(t, 0, -1),
        ];
        t.Insert(0, "XX"); t.Insert(5, "Y"); arr.Delete(0, 1);
        Assert.Equal(YjsOracle2.RelEnc, ps.Select(p => Hex(p.Encode())).ToArray());
        Assert.Equal(YjsOracle2.RelIdx, string.Join(",", ps.Select(p => p.ToAbsolute(d)!.Index)));
        foreach (var p in ps) Assert.Equal(p.Encode(), RelativePosition.Decode(p.Encode()).Encode());
        Assert.Same(arr, ps[3].ToAbsolute(d)!.Type);
    }

    [Fact]
    public void Sub_documents_are_carried_without_loss()
    {
        var d = new Doc(new DocOptions { ClientId = 13 });
        var sub = new Doc(new DocOptions { Guid = "sub-1", Meta = new Dictionary<string, object?> { ["a"] = 1L }, AutoLoad = true });
        d.GetMap("m").Set("sub", sub);
        d.GetArray("a").Insert(0, [new Doc(new DocOptions { Guid = "sub-2", Gc = false })]);
        Assert.Equal(YjsOracle2.SubdocV1, Hex(d.EncodeStateAsUpdate()));
        Assert.Equal(YjsOracle2.SubdocV2, Hex(d.EncodeStateAsUpdateV2()));
        Assert.Contains(sub, d.Subdocs);

        var copy = new Doc();
        copy.ApplyUpdate(Convert.FromHexString(YjsOracle2.SubdocV1));
        var loaded = Assert.IsType<Doc>(copy.GetMap("m").Get("sub"));
        Assert.Equal("sub-1", loaded.Guid);
        Assert.True(loaded.AutoLoad);
        Assert.False(Assert.IsType<Doc>(copy.GetArray("a").Get(0)).Gc);
        Assert.Equal(YjsOracle2.SubdocV1, Hex(copy.EncodeStateAsUpdate()));
    }
}
