using Spotter.Collab.Crdt;

namespace Spotter.Collab.Grains.KnowledgeBase.Content;

/// <summary>
/// Tiptap content of a whole document state (V1 update bytes), and the updates that change it. Edits are made on a
/// scratch copy of the state, so the resulting update is an ordinary change that the document grain checks, logs and
/// broadcasts like a browser's.
/// </summary>
public static class RichContent
{
    /// <summary>The root Tiptap binds to (<c>Collaboration</c>'s default field).</summary>
    public const string FragmentName = "default";

    /// <summary>
    /// The blocks of a stored state, at most <see cref="RichNode.MaxDepth"/> deep. The state is read without the
    /// engine's nesting bound: it was accepted earlier (possibly before the bound existed) and must stay readable.
    /// </summary>
    public static List<RichNode> Read(ReadOnlySpan<byte> state)
    {
        var doc = StoredStateDoc();
        if (!state.IsEmpty) doc.ApplyUpdate(state);
        return RichNode.FromFragment(doc.GetXmlFragment(FragmentName));
    }

    /// <summary>Plain text of a document for the search index: one line per block.</summary>
    public static string PlainText(IEnumerable<RichNode> blocks)
    {
        ArgumentNullException.ThrowIfNull(blocks);
        var lines = new List<string>();
        var work = new Stack<RichNode>(blocks.Reverse());
        while (work.Count > 0)
        {
            var node = work.Pop();
            // Leaf blocks (holding text directly) make a line; containers (lists, quotes, tables) are opened.
            if (node.Children.Count == 0 || node.Children.Any(c => c.IsText || c.Type == "hardBreak"))
            {
                var text = node.InnerText();
                if (text.Length > 0) lines.Add(text);
                continue;
            }
            for (var i = node.Children.Count - 1; i >= 0; i--) work.Push(node.Children[i]);
        }
        return string.Join("\n", lines);
    }

    private static Doc StoredStateDoc() => new(new DocOptions { MaxNestingDepth = int.MaxValue });

    /// <summary>
    /// The update that makes the document's content equal to <paramref name="blocks"/>: deletes the current blocks and
    /// inserts fresh copies (with <paramref name="append"/>, keeps them and adds after). Empty when nothing changes.
    /// Throws <see cref="ContentTooDeepException"/> when the blocks nest deeper than a document may.
    /// </summary>
    public static byte[] ReplaceUpdate(ReadOnlySpan<byte> currentState, IReadOnlyList<RichNode> blocks, bool append = false)
    {
        ArgumentNullException.ThrowIfNull(blocks);
        // Building the types walks the tree recursively (in the engine too): refuse what no document may hold.
        if (RichNode.DepthOf(blocks) > UpdateLimits.DefaultMaxNestingDepth) throw new ContentTooDeepException();
        var doc = StoredStateDoc();
        if (!currentState.IsEmpty) doc.ApplyUpdate(currentState);
        var fragment = doc.GetXmlFragment(FragmentName);
        byte[] update = [];
        void Capture(object? sender, UpdateEventArgs e) => update = e.Update;
        doc.Updated += Capture;
        doc.Transact(_ =>
        {
            if (!append && fragment.Length > 0) fragment.Delete(0, fragment.Length);
            var nodes = RichNode.ToYNodes(blocks);
            if (nodes.Count > 0) fragment.Insert(fragment.Length, nodes);
        });
        doc.Updated -= Capture;
        return update;
    }
}
