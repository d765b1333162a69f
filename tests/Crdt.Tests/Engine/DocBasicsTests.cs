namespace Spotter.Collab.Crdt.Tests.Engine;

public class DocBasicsTests
{
    [Fact]
    public void Text_round_trips_through_an_update()
    {
        var a = new Doc(new DocOptions { ClientId = 1 });
        a.GetText("t").Insert(0, "hello");
        a.GetText("t").Insert(5, " world");
        var b = new Doc(new DocOptions { ClientId = 2 });
        b.ApplyUpdate(a.EncodeStateAsUpdate());
        Assert.Equal("hello world", b.GetText("t").ToString());
    }
}

public class ValueValidationTests
{
    [Fact]
    public void Values_the_wire_format_cannot_carry_are_rejected_before_they_enter_the_document()
    {
        var doc = new Doc(new DocOptions { ClientId = 1 });
        var before = doc.EncodeStateAsUpdate();
        Assert.Throws<ArgumentException>(() => doc.GetMap("m").Set("when", DateTime.UnixEpoch));
        Assert.Throws<ArgumentException>(() => doc.GetArray("a").Insert(0, ["ok", new object()]));
        Assert.Throws<ArgumentException>(() => doc.GetText("t").Insert(0, "x", new Dictionary<string, object?> { ["big"] = System.Numerics.BigInteger.One }));
        Assert.Equal(before, doc.EncodeStateAsUpdate());
        Assert.Equal(0, doc.GetArray("a").Length);
        // Other CLR numbers are JavaScript numbers.
        doc.GetMap("m").Set("f", 1.5f);
        Assert.Equal(1.5, new Doc().Also(d => d.ApplyUpdate(doc.EncodeStateAsUpdate())).GetMap("m").Get("f"));
    }
}

internal static class DocTestExtensions
{
    internal static Doc Also(this Doc doc, Action<Doc> action)
    {
        action(doc);
        return doc;
    }
}
