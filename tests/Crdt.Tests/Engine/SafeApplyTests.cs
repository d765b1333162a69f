namespace Spotter.Collab.Crdt.Tests.Engine;

/// <summary>Malformed updates throw <see cref="CrdtFormatException"/> and leave the document exactly as it was.</summary>
public class SafeApplyTests
{
    private static (byte[] V1, byte[] V2) RichUpdate()
    {
        var doc = new Doc(new DocOptions { ClientId = 42 });
        var text = doc.GetText("text");
        text.Insert(0, "Hello world, this is a longer text with some content");
        text.Format(6, 5, new Dictionary<string, object?> { ["bold"] = true });
        text.Delete(3, 4);
        text.InsertEmbed(2, new Dictionary<string, object?> { ["image"] = "x.png" });
        var map = doc.GetMap("map");
        map.Set("a", 1L);
        map.Set("b", "two");
        map.Set("a", 3.5);
        var nested = new YArray();
        map.Set("list", nested);
        nested.Push(["x", 1L, true, null]);
        nested.Delete(1, 1);
        var frag = doc.GetXmlFragment("xml");
        var el = new YXmlElement("p");
        frag.Insert(0, [el]);
        el.SetAttribute("class", "c");
        el.Insert(0, [new YXmlText("inner")]);
        for (int i = 0; i < 50; i++) text.Insert(i % 7, "ab");
        text.Delete(10, 20);
        return (doc.EncodeStateAsUpdate(), doc.EncodeStateAsUpdateV2());
    }

    private static Doc Target()
    {
        var doc = new Doc(new DocOptions { ClientId = 7 });
        doc.GetText("text").Insert(0, "existing");
        doc.GetMap("map").Set("k", "v");
        return doc;
    }

    private static void AssertAtomic(byte[] update, bool v2)
    {
        var doc = Target();
        var before = doc.EncodeStateAsUpdate();
        var beforeV2 = doc.EncodeStateAsUpdateV2();
        try
        {
            if (v2) doc.ApplyUpdateV2(update);
            else doc.ApplyUpdate(update);
        }
        catch (CrdtFormatException)
        {
            Assert.Equal(before, doc.EncodeStateAsUpdate());
            Assert.Equal(beforeV2, doc.EncodeStateAsUpdateV2());
            return;
        }
        // Accepted: the document must still encode and reload.
        var after = doc.EncodeStateAsUpdate();
        var reload = new Doc();
        reload.ApplyUpdate(after);
    }

    [Fact]
    public void Truncated_updates_are_rejected_without_side_effects()
    {
        var (v1, v2) = RichUpdate();
        for (int len = 0; len < v1.Length; len++) AssertAtomic(v1[..len], v2: false);
        for (int len = 0; len < v2.Length; len++) AssertAtomic(v2[..len], v2: true);
    }

    [Fact]
    public void Bit_flipped_updates_are_rejected_or_applied_cleanly()
    {
        var (v1, v2) = RichUpdate();
        var rng = new Random(1234);
        for (int i = 0; i < 1500; i++)
        {
            var bad = (byte[])v1.Clone();
            bad[rng.Next(bad.Length)] ^= (byte)(1 << rng.Next(8));
            AssertAtomic(bad, v2: false);
            var bad2 = (byte[])v2.Clone();
            bad2[rng.Next(bad2.Length)] ^= (byte)(1 << rng.Next(8));
            AssertAtomic(bad2, v2: true);
        }
    }

    [Fact]
    public void A_parent_that_is_not_a_type_is_rejected()
    {
        var a = new Doc(new DocOptions { ClientId = 1 });
        a.GetText("t").Insert(0, "abc");
        // Hand-made V1 update: one item of client 2 whose parent is item 1:0 (a string, not a type).
        var w = new Spotter.Collab.Crdt.Lib0.Lib0Writer();
        w.WriteVarUint(1); // one client
        w.WriteVarUint(1); // one struct
        w.WriteVarUint(2); // client
        w.WriteVarUint(0); // clock
        w.WriteUint8(4); // string content, no origins
        w.WriteVarUint(0); // parent is an id
        w.WriteVarUint(1); w.WriteVarUint(0); // parent id 1:0
        w.WriteVarString("x");
        w.WriteVarUint(0); // empty delete set
        var before = a.EncodeStateAsUpdate();
        var bad = w.ToArray();
        Assert.Throws<CrdtFormatException>(() => a.ApplyUpdate(bad));
        Assert.Equal(before, a.EncodeStateAsUpdate());
    }

    [Fact]
    public void WouldChange_tells_new_content_from_known_content()
    {
        var a = new Doc(new DocOptions { ClientId = 1 });
        a.GetText("t").Insert(0, "abc");
        var full = a.EncodeStateAsUpdate();
        var b = new Doc(new DocOptions { ClientId = 2 });
        Assert.True(b.WouldChange(full));
        b.ApplyUpdate(full);
        Assert.False(b.WouldChange(full));
        var sv = b.EncodeStateVector();
        a.GetText("t").Delete(0, 1);
        var deletion = a.EncodeStateAsUpdate(sv);
        Assert.True(b.WouldChange(deletion));
        b.ApplyUpdate(deletion);
        Assert.False(b.WouldChange(deletion));
        Assert.Equal("bc", b.GetText("t").ToString());
    }

    [Fact]
    public void Many_collected_structs_in_a_tiny_V2_update_are_accepted()
    {
        // Typed backwards, then deleted: every item stays separate, and V2's run-length columns make it tiny.
        var doc = new Doc(new DocOptions { ClientId = 3 });
        var text = doc.GetText("t");
        for (int i = 0; i < 50_000; i++) text.Insert(0, "x");
        text.Delete(0, text.Length);
        var v2 = doc.EncodeStateAsUpdateV2();
        Assert.True(v2.Length < 1000, $"V2 size {v2.Length}");
        var copy = new Doc();
        copy.ApplyUpdateV2(v2);
        Assert.Equal(doc.EncodeStateAsUpdate(), copy.EncodeStateAsUpdate());
        Assert.Equal("", copy.GetText("t").ToString());
    }
}
