namespace Spotter.Collab.Crdt.Tests.Engine;

public class EventTests
{
    [Fact]
    public void Update_events_carry_the_transaction_update_and_origin()
    {
        var a = new Doc(new DocOptions { ClientId = 1 });
        var b = new Doc(new DocOptions { ClientId = 2 });
        var origins = new List<object?>();
        var v2Updates = new List<byte[]>();
        a.Updated += (_, e) =>
        {
            origins.Add(e.Origin);
            Assert.True(e.Transaction.Local);
            b.ApplyUpdate(e.Update, "remote");
        };
        a.UpdatedV2 += (_, e) => v2Updates.Add(e.Update);
        a.Transact(_ =>
        {
            a.GetText("t").Insert(0, "abc");
            a.GetMap("m").Set("x", 1L);
        }, origin: "me");
        a.GetText("t").Delete(1, 1);
        Assert.Equal(["me", null], origins);
        Assert.Equal("ac", b.GetText("t").ToString());
        Assert.Equal(2, v2Updates.Count);
        var c = new Doc();
        foreach (var u in v2Updates) c.ApplyUpdateV2(u);
        Assert.Equal("ac", c.GetText("t").ToString());

        // A transaction that changes nothing emits nothing.
        a.Transact(_ => { });
        Assert.Equal(2, origins.Count);
    }

    [Fact]
    public void Remote_transactions_are_not_local_and_keep_their_origin()
    {
        var a = new Doc(new DocOptions { ClientId = 1 });
        a.GetArray("l").Push(["x"]);
        var b = new Doc(new DocOptions { ClientId = 2 });
        Transaction? seen = null;
        b.GetArray("l").Observe((_, tr) => seen = tr);
        b.ApplyUpdate(a.EncodeStateAsUpdate(), origin: "net");
        Assert.NotNull(seen);
        Assert.False(seen!.Local);
        Assert.Equal("net", seen.Origin);
    }

    [Fact]
    public void Deep_observers_see_nested_events_with_paths()
    {
        var doc = new Doc(new DocOptions { ClientId = 1 });
        var root = doc.GetMap("root");
        var list = new YArray();
        root.Set("list", list);
        var inner = new YMap();
        list.Push([inner]);
        var paths = new List<string>();
        var changes = new List<string>();
        root.ObserveDeep((events, _) =>
        {
            foreach (var e in events)
            {
                paths.Add(string.Join("/", e.Path));
                foreach (var (k, v) in e.Keys) changes.Add($"{k}:{v.Action}");
                foreach (var op in e.Delta) changes.Add(op.ToString());
            }
        });
        doc.Transact(_ =>
        {
            inner.Set("a", 1L);
            list.Push(["y"]);
            root.Set("flag", true);
        });
        Assert.Equal(["", "list", "list/0"], paths);
        Assert.Contains("a:Add", changes);
        Assert.Contains("flag:Add", changes);
        Assert.Contains("retain 1", changes);
    }

    [Fact]
    public void Text_events_describe_inserts_deletes_and_formats()
    {
        var doc = new Doc(new DocOptions { ClientId = 1 });
        var text = doc.GetText("t");
        text.Insert(0, "hello");
        var deltas = new List<string>();
        text.Observe((e, _) => deltas.Add(string.Join(";", e.Delta.Select(o => o + (o.Attributes is null ? "" : "+" + string.Join(",", o.Attributes.Keys))))));
        text.Delete(1, 2);
        text.Format(0, 2, new Dictionary<string, object?> { ["bold"] = true });
        Assert.Equal(["retain 1;delete 2", "retain 2+bold"], deltas);
    }

    [Fact]
    public void Events_must_be_read_inside_the_handler()
    {
        var doc = new Doc(new DocOptions { ClientId = 1 });
        YEvent? saved = null;
        doc.GetMap("m").Observe((e, _) => saved = e);
        doc.GetMap("m").Set("k", 1L);
        Assert.NotNull(saved);
        Assert.Throws<InvalidOperationException>(() => saved!.Keys);
    }
}

public class HandlerFailureTests
{
    [Fact]
    public void A_throwing_handler_does_not_break_later_transactions()
    {
        var doc = new Doc(new DocOptions { ClientId = 1 });
        bool fail = true;
        int updates = 0;
        doc.Updated += (_, _) =>
        {
            updates++;
            if (fail) throw new InvalidOperationException("boom");
        };
        Assert.Throws<InvalidOperationException>(() => doc.GetText("t").Insert(0, "a"));
        fail = false;
        doc.GetText("t").Insert(1, "b");
        Assert.Equal(2, updates);
        Assert.Equal("ab", doc.GetText("t").ToString());
        var observerFails = true;
        doc.GetText("t").Observe((_, _) => { if (observerFails) throw new InvalidOperationException("observer"); });
        Assert.Throws<InvalidOperationException>(() => doc.GetText("t").Insert(2, "c"));
        observerFails = false;
        doc.GetText("t").Insert(3, "d");
        Assert.Equal("abcd", doc.GetText("t").ToString());
        Assert.Equal(4, updates);
    }
}

public class XmlEventTests
{
    [Fact]
    public void Xml_events_tell_children_from_attributes()
    {
        var doc = new Doc(new DocOptions { ClientId = 1 });
        var frag = doc.GetXmlFragment("x");
        var el = new YXmlElement("div");
        frag.Insert(0, [el]);
        var seen = new List<string>();
        el.Observe((e, _) =>
        {
            var xe = Assert.IsType<YXmlEvent>(e);
            seen.Add($"{xe.ChildListChanged}:{string.Join(",", xe.AttributesChanged.Order())}");
        });
        doc.Transact(_ =>
        {
            el.SetAttribute("b", "1");
            el.SetAttribute("a", "2");
        });
        el.Insert(0, [new YXmlText("t")]);
        Assert.Equal(["False:a,b", "True:"], seen);
        Assert.Equal("<div a=\"2\" b=\"1\">t</div>", el.ToString());
    }
}
