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
