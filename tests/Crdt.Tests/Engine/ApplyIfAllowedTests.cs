namespace Spotter.Collab.Crdt.Tests.Engine;

public sealed class ApplyIfAllowedTests
{
    private static (Doc Server, byte[] Edit) ServerAndEdit()
    {
        var client = new Doc(new DocOptions { ClientId = 7 });
        client.GetText("t").Insert(0, "hello");
        var server = new Doc(new DocOptions { ClientId = 9 });
        server.ApplyUpdate(client.EncodeStateAsUpdate());
        client.GetText("t").Insert(5, " world");
        return (server, client.EncodeStateAsUpdate(server.EncodeStateVector()));
    }

    [Fact]
    public void A_change_from_someone_who_may_not_edit_is_refused_and_not_applied()
    {
        var (server, edit) = ServerAndEdit();
        var before = server.EncodeStateAsUpdate();

        Assert.Equal(UpdateOutcome.Refused, server.ApplyUpdateIfAllowed(edit, allowChanges: false));
        Assert.Equal(before, server.EncodeStateAsUpdate());
        Assert.Equal("hello", server.GetText("t").ToString());
    }

    [Fact]
    public void A_change_from_an_editor_is_applied_and_a_repeat_is_unchanged()
    {
        var (server, edit) = ServerAndEdit();

        Assert.Equal(UpdateOutcome.Applied, server.ApplyUpdateIfAllowed(edit, allowChanges: true));
        Assert.Equal("hello world", server.GetText("t").ToString());
        Assert.Equal(UpdateOutcome.Unchanged, server.ApplyUpdateIfAllowed(edit, allowChanges: false));
    }

    [Fact]
    public void An_empty_sync_answer_is_unchanged_even_for_a_viewer()
    {
        var (server, _) = ServerAndEdit();
        var empty = server.EncodeStateAsUpdate(server.EncodeStateVector());

        Assert.Equal(UpdateOutcome.Unchanged, server.ApplyUpdateIfAllowed(empty, allowChanges: false));
    }

    [Fact]
    public void Malformed_input_throws_the_engine_exception()
    {
        var (server, edit) = ServerAndEdit();
        Assert.Throws<CrdtFormatException>(() => server.ApplyUpdateIfAllowed(edit.AsSpan(0, edit.Length - 3), allowChanges: true));
        Assert.Equal("hello", server.GetText("t").ToString());
    }
}
