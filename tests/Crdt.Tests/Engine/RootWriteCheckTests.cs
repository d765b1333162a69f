namespace Spotter.Collab.Crdt.Tests.Engine;

/// <summary><see cref="Doc.WritesRoot"/>: whether a client's update would write a root the server keeps to itself.</summary>
public sealed class RootWriteCheckTests
{
    /// <summary>A server document with a server root ("summary": a text, a map with a nested map) and a client root
    /// ("cards"), and a client synced to it.</summary>
    private static (Doc Server, Doc Client) Synced()
    {
        var server = new Doc(new DocOptions { ClientId = 1 });
        server.GetText("summary").Insert(0, "total 3");
        var nested = new YMap();
        server.GetMap("summaryMap").Set("stats", nested);
        nested.Set("count", 3);
        server.GetArray("cards").Insert(0, ["first"]);
        var client = new Doc(new DocOptions { ClientId = 2 });
        client.ApplyUpdate(server.EncodeStateAsUpdate());
        return (server, client);
    }

    private static byte[] Edit(Doc server, Doc client, Action<Doc> edit)
    {
        edit(client);
        return client.EncodeStateAsUpdate(server.EncodeStateVector());
    }

    [Fact]
    public void Writes_into_the_root_at_any_depth_are_found()
    {
        var (server, client) = Synced();
        Assert.True(server.WritesRoot(Edit(server, client, d => d.GetText("summary").Insert(0, "x")), "summary"));

        (server, client) = Synced();
        var nestedEdit = Edit(server, client, d => ((YMap)d.GetMap("summaryMap").Get("stats")!).Set("count", 4));
        Assert.True(server.WritesRoot(nestedEdit, "summaryMap"));
        Assert.False(server.WritesRoot(nestedEdit, "cards"));

        (server, client) = Synced();
        Assert.True(server.WritesRoot(Edit(server, client, d => d.GetText("summary").Delete(0, 2)), "summary"));

        // A type made in the same update, with content of its own.
        (server, client) = Synced();
        var made = Edit(server, client, d =>
        {
            var inner = new YMap();
            d.GetMap("summaryMap").Set("fresh", inner);
            inner.Set("a", 1);
        });
        Assert.True(server.WritesRoot(made, "summaryMap"));
    }

    [Fact]
    public void Writes_elsewhere_are_not_and_applying_them_still_works()
    {
        var (server, client) = Synced();
        var edit = Edit(server, client, d =>
        {
            var cards = d.GetArray("cards");
            for (var i = 0; i < 2000; i++) cards.Insert(cards.Length, [$"card {i}"]);
            cards.Delete(0);
        });
        Assert.False(server.WritesRoot(edit, "summary"));
        Assert.False(server.WritesRoot(edit, "summaryMap"));
        Assert.True(server.WritesRoot(edit, "cards"));
        Assert.Equal(UpdateOutcome.Applied, server.ApplyUpdateIfAllowed(edit, allowChanges: true));
        // Already applied: writes nothing any more.
        Assert.False(server.WritesRoot(edit, "cards"));
    }

    [Fact]
    public void Content_anchored_to_something_unknown_counts_as_writing()
    {
        var (server, client) = Synced();
        client.GetArray("cards").Insert(1, ["second"]);
        var first = client.EncodeStateAsUpdate(server.EncodeStateVector());
        var beforeThird = client.EncodeStateVector();
        client.GetArray("cards").Insert(2, ["third"]);
        var third = client.EncodeStateAsUpdate(beforeThird);
        // Without the second card, the server cannot tell where the third goes.
        Assert.True(server.WritesRoot(third, "summary"));
        server.ApplyUpdate(first);
        Assert.False(server.WritesRoot(third, "summary"));
    }

    [Fact]
    public void Malformed_input_throws_the_engine_exception()
    {
        var (server, client) = Synced();
        var edit = Edit(server, client, d => d.GetText("summary").Insert(0, "x"));
        Assert.Throws<CrdtFormatException>(() => server.WritesRoot(edit.AsSpan(0, edit.Length - 3), "summary"));
    }
}
