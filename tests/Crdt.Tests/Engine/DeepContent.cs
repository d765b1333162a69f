namespace Spotter.Collab.Crdt.Tests.Engine;

/// <summary>
/// Builds deeply nested content with local edits (which the nesting bound does not apply to) in one transaction, so
/// that building it costs linear time.
/// </summary>
internal static class DeepContent
{
    /// <summary>A doc whose XML root <paramref name="root"/> holds <paramref name="depth"/> nested blockquotes, the innermost holding a paragraph of <paramref name="text"/>
    /// (so the text sits at type depth <paramref name="depth"/> + 2).</summary>
    public static Doc Blockquotes(int depth, string text = "deep text", ulong clientId = 5, bool gc = true, string root = "default")
    {
        var doc = new Doc(new DocOptions { ClientId = clientId, Gc = gc, MaxNestingDepth = int.MaxValue });
        var fragment = doc.GetXmlFragment(root);
        doc.Transact(_ =>
        {
            YXmlFragment parent = fragment;
            for (var i = 0; i < depth; i++)
            {
                var quote = new YXmlElement("blockquote");
                parent.Insert(0, [quote]);
                parent = quote;
            }
            var paragraph = new YXmlElement("paragraph");
            parent.Insert(0, [paragraph]);
            paragraph.Insert(0, [new YXmlText(text)]);
        });
        return doc;
    }

    /// <summary>A doc whose map root <paramref name="root"/> holds maps nested <paramref name="depth"/> deep under the key "m", the innermost holding "leaf" = "deep".</summary>
    public static Doc Maps(int depth, ulong clientId = 6, string root = "meta")
    {
        var doc = new Doc(new DocOptions { ClientId = clientId, MaxNestingDepth = int.MaxValue });
        var map = doc.GetMap(root);
        doc.Transact(_ =>
        {
            var parent = map;
            for (var i = 0; i < depth; i++)
            {
                var child = new YMap();
                parent.Set("m", child);
                parent = child;
            }
            parent.Set("leaf", "deep");
        });
        return doc;
    }

    /// <summary>
    /// The full state of <see cref="Blockquotes"/> plus a delete-set entry for the outermost blockquote: applying it
    /// deletes the whole chain in the same update.
    /// </summary>
    public static byte[] BlockquotesWithOuterDeleted(int depth)
    {
        var doc = Blockquotes(depth, gc: false);
        doc.GetXmlFragment("default").Delete(0, 1);
        return doc.EncodeStateAsUpdate();
    }

    /// <summary>The expected <c>toString</c> of <see cref="Blockquotes"/>'s root.</summary>
    public static string BlockquotesXml(int depth, string text = "deep text") =>
        string.Concat(Enumerable.Repeat("<blockquote>", depth)) + "<paragraph>" + text + "</paragraph>" + string.Concat(Enumerable.Repeat("</blockquote>", depth));
}
