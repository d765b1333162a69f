namespace Spotter.Collab.Crdt.Tests.Engine;

/// <summary>
/// The nesting bound (<see cref="UpdateLimits.DefaultMaxNestingDepth"/>) rejects an update before anything is applied,
/// whether its types nest on their own, under existing content, or through structs held as pending; and content of
/// any depth (loaded without the bound) renders, converts, deletes and collects without recursion.
/// </summary>
public class NestingBoundTests
{
    private const int Bound = UpdateLimits.DefaultMaxNestingDepth;

    private static Doc Receiver()
    {
        var doc = new Doc(new DocOptions { ClientId = 1 });
        doc.GetText("note").Insert(0, "existing");
        return doc;
    }

    private static void AssertRejectedUnchanged(Doc doc, byte[] update)
    {
        var before = doc.EncodeStateAsUpdate();
        var ex = Assert.Throws<CrdtFormatException>(() => doc.ApplyUpdate(update));
        Assert.Contains("nests deeper", ex.Message, StringComparison.Ordinal);
        Assert.Equal(before, doc.EncodeStateAsUpdate());
    }

    [Fact]
    public void An_update_nesting_exactly_to_the_bound_applies_and_one_level_more_is_rejected()
    {
        // The text of Blockquotes(n) sits at depth n + 2.
        var atBound = DeepContent.Blockquotes(Bound - 2).EncodeStateAsUpdate();
        var beyond = DeepContent.Blockquotes(Bound - 1).EncodeStateAsUpdate();

        var doc = Receiver();
        AssertRejectedUnchanged(doc, beyond);
        Assert.Equal("", doc.GetXmlFragment("default").ToString());

        doc.ApplyUpdate(atBound);
        Assert.Equal(DeepContent.BlockquotesXml(Bound - 2), doc.GetXmlFragment("default").ToString());
    }

    [Fact]
    public void The_60000_deep_update_is_rejected_also_through_ApplyUpdateIfAllowed_and_V2()
    {
        var deep = DeepContent.Blockquotes(60_000);
        var doc = Receiver();
        AssertRejectedUnchanged(doc, deep.EncodeStateAsUpdate());
        var before = doc.EncodeStateAsUpdate();
        Assert.Throws<CrdtFormatException>(() => doc.ApplyUpdateIfAllowed(deep.EncodeStateAsUpdate(), allowChanges: true));
        Assert.Throws<CrdtFormatException>(() => doc.ApplyUpdateV2(deep.EncodeStateAsUpdateV2()));
        Assert.Throws<CrdtFormatException>(() => doc.ApplyUpdate(DeepContent.BlockquotesWithOuterDeleted(60_000)));
        Assert.Equal(before, doc.EncodeStateAsUpdate());
    }

    [Fact]
    public void Depth_counts_from_the_existing_content_the_update_nests_into()
    {
        var source = DeepContent.Blockquotes(200, gc: false);
        var doc = Receiver();
        doc.ApplyUpdate(source.EncodeStateAsUpdate());

        // 54 more levels under the innermost blockquote: its paragraph's text ends at 200 + 54 + 2 = 256.
        byte[] Extend(int levels)
        {
            var vector = source.EncodeStateVector();
            var copy = new Doc(new DocOptions { ClientId = 9, MaxNestingDepth = int.MaxValue });
            copy.ApplyUpdate(source.EncodeStateAsUpdate());
            var target = Innermost(copy.GetXmlFragment("default"));
            copy.Transact(_ =>
            {
                for (var i = 0; i < levels; i++)
                {
                    var quote = new YXmlElement("blockquote");
                    target.Insert(0, [quote]);
                    target = quote;
                }
                var paragraph = new YXmlElement("paragraph");
                target.Insert(0, [paragraph]);
                paragraph.Insert(0, [new YXmlText("x")]);
            });
            return copy.EncodeStateAsUpdate(vector);
        }

        AssertRejectedUnchanged(doc, Extend(55));
        doc.ApplyUpdate(Extend(54));
    }

    [Fact]
    public void A_deep_chain_sent_in_pieces_out_of_order_is_rejected_when_the_piece_that_anchors_it_arrives()
    {
        // Three updates of one client, each adding 100 levels inside the previous piece.
        var author = new Doc(new DocOptions { ClientId = 77, MaxNestingDepth = int.MaxValue });
        var pieces = new List<byte[]>();
        author.Updated += (_, e) => pieces.Add(e.Update);
        YXmlFragment parent = author.GetXmlFragment("default");
        for (var piece = 0; piece < 3; piece++)
        {
            author.Transact(_ =>
            {
                for (var i = 0; i < 100; i++)
                {
                    var quote = new YXmlElement("blockquote");
                    parent.Insert(0, [quote]);
                    parent = quote;
                }
            });
        }
        Assert.Equal(3, pieces.Count);

        var doc = Receiver();
        // The later pieces wait for the first one: each alone nests only 100 or 200 deep (counted from what is missing).
        doc.ApplyUpdate(pieces[2]);
        doc.ApplyUpdate(pieces[1]);
        Assert.True(doc.HasPending);
        // The first piece would let all 300 levels integrate at once.
        AssertRejectedUnchanged(doc, pieces[0]);
        Assert.Equal("", doc.GetXmlFragment("default").ToString());
        Assert.True(doc.HasPending);
    }

    [Fact]
    public void A_pending_chain_already_deeper_than_the_bound_on_its_own_is_rejected_at_once()
    {
        var author = new Doc(new DocOptions { ClientId = 78, MaxNestingDepth = int.MaxValue });
        var pieces = new List<byte[]>();
        author.Updated += (_, e) => pieces.Add(e.Update);
        YXmlFragment parent = author.GetXmlFragment("default");
        foreach (var levels in new[] { 1, Bound + 5 })
        {
            author.Transact(_ =>
            {
                for (var i = 0; i < levels; i++)
                {
                    var quote = new YXmlElement("blockquote");
                    parent.Insert(0, [quote]);
                    parent = quote;
                }
            });
        }
        var doc = Receiver();
        AssertRejectedUnchanged(doc, pieces[1]);
        Assert.False(doc.HasPending);
    }

    [Fact]
    public void Maps_and_arrays_count_like_xml()
    {
        var doc = Receiver();
        AssertRejectedUnchanged(doc, DeepContent.Maps(Bound + 1).EncodeStateAsUpdate());
        doc.ApplyUpdate(DeepContent.Maps(Bound).EncodeStateAsUpdate());

        var arrays = new Doc(new DocOptions { ClientId = 8, MaxNestingDepth = int.MaxValue });
        arrays.Transact(_ =>
        {
            var parent = arrays.GetArray("list");
            for (var i = 0; i < Bound + 1; i++)
            {
                var child = new YArray();
                parent.Push([child]);
                parent = child;
            }
        });
        AssertRejectedUnchanged(doc, arrays.EncodeStateAsUpdate());
    }

    [Fact]
    public void Content_the_document_already_holds_is_not_counted_again()
    {
        // Content stored before the bound (loaded without it) may be deeper; an update repeating it next to a new
        // shallow edit adds no nesting and applies.
        var deep = DeepContent.Blockquotes(Bound + 10);
        var doc = new Doc(new DocOptions { MaxNestingDepth = int.MaxValue });
        doc.ApplyUpdate(deep.EncodeStateAsUpdate());
        doc.MaxNestingDepth = Bound;
        deep.GetText("note").Insert(0, "new");
        doc.ApplyUpdate(deep.EncodeStateAsUpdate());
        Assert.Equal("new", doc.GetText("note").ToString());
    }

    [Fact]
    public void The_bound_is_a_document_option()
    {
        var shallow = new Doc(new DocOptions { MaxNestingDepth = 3 });
        Assert.Throws<CrdtFormatException>(() => shallow.ApplyUpdate(DeepContent.Blockquotes(2).EncodeStateAsUpdate()));
        shallow.ApplyUpdate(DeepContent.Blockquotes(1).EncodeStateAsUpdate());
        Assert.Throws<ArgumentOutOfRangeException>(() => shallow.MaxNestingDepth = 0);
    }

    [Fact]
    public void Sixty_thousand_deep_content_loaded_without_the_bound_renders_converts_deletes_and_collects_iteratively()
    {
        const int depth = 60_000;
        var doc = new Doc(new DocOptions { MaxNestingDepth = int.MaxValue });
        doc.ApplyUpdate(DeepContent.Blockquotes(depth).EncodeStateAsUpdate());
        doc.ApplyUpdate(DeepContent.Maps(depth).EncodeStateAsUpdate());

        Assert.Equal(DeepContent.BlockquotesXml(depth), doc.GetXmlFragment("default").ToString());
        object? json = doc.GetMap("meta").ToJson();
        for (var i = 0; i < depth; i++) json = ((Dictionary<string, object?>)json!)["m"];
        Assert.Equal("deep", ((Dictionary<string, object?>)json!)["leaf"]);

        // Deleting the outer element deletes (and, gc on, collects) the whole chain.
        doc.GetXmlFragment("default").Delete(0, 1);
        doc.GetMap("meta").Delete("m");
        Assert.Equal("", doc.GetXmlFragment("default").ToString());
        Assert.Empty(doc.GetMap("meta").ToJson());
        var reloaded = new Doc();
        reloaded.ApplyUpdate(doc.EncodeStateAsUpdate());
        Assert.Equal("", reloaded.GetXmlFragment("default").ToString());
    }

    [Fact]
    public void The_same_update_with_a_delete_entry_for_the_outer_element_applies_without_recursion_when_unbounded()
    {
        var doc = new Doc(new DocOptions { MaxNestingDepth = int.MaxValue });
        doc.ApplyUpdate(DeepContent.BlockquotesWithOuterDeleted(60_000));
        Assert.Equal("", doc.GetXmlFragment("default").ToString());

        // Without gc the deleted chain stays readable as history and deleting it from a snapshot-capable doc works too.
        var keep = new Doc(new DocOptions { Gc = false, MaxNestingDepth = int.MaxValue });
        keep.ApplyUpdate(DeepContent.Blockquotes(60_000, gc: false).EncodeStateAsUpdate());
        var snapshot = Snapshot.Of(keep);
        keep.GetXmlFragment("default").Delete(0, 1);
        var past = Snapshot.CreateDocFromSnapshot(keep, snapshot, new Doc(new DocOptions { MaxNestingDepth = int.MaxValue }));
        Assert.Equal(DeepContent.BlockquotesXml(60_000), past.GetXmlFragment("default").ToString());
    }

    [Fact]
    public void Embedded_types_inside_xml_text_render_in_place()
    {
        // XmlText can embed types (y-prosemirror does not, yjs allows it): they render where they stand.
        var doc = new Doc();
        var fragment = doc.GetXmlFragment("x");
        var text = new YXmlText();
        fragment.Insert(0, [text]);
        text.Insert(0, "ab");
        var embedded = new YXmlElement("em");
        text.InsertEmbed(1, embedded);
        embedded.Insert(0, [new YXmlText("in")]);
        text.Format(0, 1, new Dictionary<string, object?> { ["b"] = new Dictionary<string, object?>() });
        Assert.Equal("<b>a</b><em>in</em>b", fragment.ToString());
    }

    private static YXmlFragment Innermost(YXmlFragment fragment)
    {
        var current = fragment;
        while (current.Length > 0 && current.Get(0) is YXmlElement { NodeName: "blockquote" } next) current = next;
        return current;
    }
}
