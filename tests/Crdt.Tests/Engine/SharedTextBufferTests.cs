namespace Spotter.Collab.Crdt.Tests.Engine;

/// <summary>
/// A decoded update's texts share one char buffer. Splitting, merging and surrogate repair on such content must
/// copy before writing: a replica that loaded its text this way has to stay identical to one that typed it.
/// </summary>
public sealed class SharedTextBufferTests
{
    private static void Sync(Doc from, Doc to)
    {
        from.Updated += (_, e) =>
        {
            if (e.Origin is not "sync") to.ApplyUpdate(e.Update, "sync");
        };
    }

    [Fact]
    public void Edits_on_loaded_text_match_the_replica_that_typed_it()
    {
        var typed = new Doc(new DocOptions { ClientId = 1 });
        var text = typed.GetText("t");
        text.Insert(0, "XYZ\U0001F600W");
        text.Insert(0, "abc");
        var other = new Doc(new DocOptions { ClientId = 2 });
        other.ApplyUpdate(typed.EncodeStateAsUpdate());
        other.GetText("t").Insert(4, "123");
        typed.ApplyUpdate(other.EncodeStateAsUpdate());

        var loaded = new Doc(new DocOptions { ClientId = 3 });
        loaded.ApplyUpdate(typed.EncodeStateAsUpdate());
        Sync(typed, loaded);
        Sync(loaded, typed);
        var loadedText = loaded.GetText("t");
        Assert.Equal(text.ToString(), loadedText.ToString());

        text.Insert(3, "d");                      // merges into loaded "abc" on the loaded replica
        loadedText.Insert(11, "!");               // inside the surrogate pair: both halves become U+FFFD
        loadedText.Insert(1, "?");                // splits loaded text
        text.Insert(6, "e");                      // more merging next to split content
        loadedText.Delete(2, 4);
        text.Insert(text.Length, "tail");

        Assert.Equal(text.ToString(), loadedText.ToString());
        Assert.Equal(typed.EncodeStateAsUpdate(), loaded.EncodeStateAsUpdate());
        Assert.Contains('\uFFFD', loadedText.ToString());

        // The loaded state decoded afresh still reads the same.
        var again = new Doc();
        again.ApplyUpdate(loaded.EncodeStateAsUpdate());
        Assert.Equal(loadedText.ToString(), again.GetText("t").ToString());
    }
}
