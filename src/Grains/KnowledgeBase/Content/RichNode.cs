using Spotter.Collab.Crdt;

namespace Spotter.Collab.Grains.KnowledgeBase.Content;

/// <summary>
/// One ProseMirror node as Tiptap stores it in a Yjs XmlFragment (y-prosemirror encoding): an element named after
/// the node type with its non-null attributes, or a text run whose formatting attributes are its marks (mark name →
/// the mark's attrs object). The converters work on this tree so they need no live document.
/// </summary>
public sealed class RichNode
{
    public const string TextType = "text";

    private RichNode(string type, Dictionary<string, object?> attrs, List<RichNode> children, string? text, Dictionary<string, object?> marks)
    {
        Type = type;
        Attrs = attrs;
        Children = children;
        Text = text;
        Marks = marks;
    }

    /// <summary>Node type name (<c>paragraph</c>, <c>heading</c>, ...) or <see cref="TextType"/>.</summary>
    public string Type { get; }

    public Dictionary<string, object?> Attrs { get; }

    public List<RichNode> Children { get; }

    /// <summary>The characters of a text run; null for elements.</summary>
    public string? Text { get; }

    /// <summary>Marks of a text run: name → attrs (e.g. <c>bold → {}</c>, <c>link → {href}</c>).</summary>
    public Dictionary<string, object?> Marks { get; }

    public bool IsText => Text is not null;

    public static RichNode Element(string type, IEnumerable<RichNode>? children = null, Dictionary<string, object?>? attrs = null) =>
        new(type, attrs ?? new Dictionary<string, object?>(StringComparer.Ordinal), children?.ToList() ?? [], null, new Dictionary<string, object?>(StringComparer.Ordinal));

    public static RichNode TextRun(string text, Dictionary<string, object?>? marks = null) =>
        new(TextType, new Dictionary<string, object?>(StringComparer.Ordinal), [], text, marks ?? new Dictionary<string, object?>(StringComparer.Ordinal));

    public bool HasMark(string name) => Marks.ContainsKey(name);

    public object? Attr(string name) => Attrs.GetValueOrDefault(name);

    /// <summary>The attrs object of a mark (e.g. a link's href), or null.</summary>
    public string? MarkAttr(string mark, string name) =>
        Marks.GetValueOrDefault(mark) is IDictionary<string, object?> attrs && attrs.TryGetValue(name, out var value) && value is string text ? text : null;

    /// <summary>
    /// How deep a node tree read from a document may nest (a top-level block is depth 1). Real pages stay far below
    /// it; stored content from before updates were bounded may not, and every converter (HTML, Markdown, search text,
    /// writing back on restore) walks the tree. Below this depth an element's element descendants are flattened into
    /// one paragraph of their text runs. The paragraph and its text stay within the engine's nesting bound
    /// (<see cref="UpdateLimits.DefaultMaxNestingDepth"/>), so a tree read here can always be written back.
    /// </summary>
    public const int MaxDepth = UpdateLimits.DefaultMaxNestingDepth - 2;

    /// <summary>Reads the block nodes of a fragment (Tiptap's <c>default</c> root), at most <see cref="MaxDepth"/> deep.</summary>
    public static List<RichNode> FromFragment(YXmlFragment fragment)
    {
        ArgumentNullException.ThrowIfNull(fragment);
        var nodes = new List<RichNode>();
        // An explicit stack instead of recursion: the document may hold a tree of any depth.
        var work = new Stack<(AbstractType Type, List<RichNode> Into, int Depth)>();
        PushChildren(fragment, nodes, 1, work);
        while (work.Count > 0)
        {
            var (type, into, depth) = work.Pop();
            switch (type)
            {
                case YXmlElement element:
                    var children = new List<RichNode>();
                    var attrs = new Dictionary<string, object?>(StringComparer.Ordinal);
                    foreach (var (key, value) in element.GetAttributes())
                    {
                        if (value is not null) attrs[key] = value;
                    }
                    into.Add(new RichNode(element.NodeName, attrs, children, null, new Dictionary<string, object?>(StringComparer.Ordinal)));
                    if (depth < MaxDepth || element.ToArray().All(c => c is not YXmlElement))
                    {
                        PushChildren(element, children, depth + 1, work);
                    }
                    else
                    {
                        var runs = FlattenedRuns(element);
                        if (runs.Count > 0) children.Add(Element("paragraph", runs));
                    }
                    break;
                case YXmlText text:
                    AddRuns(text, into);
                    break;
            }
        }
        return nodes;
    }

    private static void PushChildren(YXmlFragment parent, List<RichNode> into, int depth, Stack<(AbstractType, List<RichNode>, int)> work)
    {
        var children = parent.ToArray();
        for (var i = children.Count - 1; i >= 0; i--) work.Push((children[i], into, depth));
    }

    /// <summary>The text runs of every text below <paramref name="element"/>, in document order.</summary>
    private static List<RichNode> FlattenedRuns(YXmlElement element)
    {
        var runs = new List<RichNode>();
        var work = new Stack<AbstractType>();
        var children = element.ToArray();
        for (var i = children.Count - 1; i >= 0; i--) work.Push(children[i]);
        while (work.Count > 0)
        {
            switch (work.Pop())
            {
                case YXmlElement nested:
                    var grandchildren = nested.ToArray();
                    for (var i = grandchildren.Count - 1; i >= 0; i--) work.Push(grandchildren[i]);
                    break;
                case YXmlText text:
                    AddRuns(text, runs);
                    break;
            }
        }
        return runs;
    }

    private static void AddRuns(YXmlText text, List<RichNode> into)
    {
        foreach (var op in text.ToDelta())
        {
            if (op.Insert is not string run || run.Length == 0) continue;
            var marks = new Dictionary<string, object?>(StringComparer.Ordinal);
            if (op.Attributes is not null)
            {
                // y-prosemirror suffixes overlapping marks with "--<hash>"; the mark name is the part before.
                foreach (var (key, value) in op.Attributes)
                {
                    if (value is null) continue;
                    var cut = key.IndexOf("--", StringComparison.Ordinal);
                    marks[cut > 0 ? key[..cut] : key] = value;
                }
            }
            into.Add(TextRun(run, marks));
        }
    }

    /// <summary>
    /// Builds unintegrated Yjs types for <paramref name="nodes"/> (ready to insert into a fragment): one XmlElement per
    /// element, consecutive text runs merged into one XmlText whose formats are the marks, as y-prosemirror writes them.
    /// </summary>
    public static List<AbstractType> ToYNodes(IEnumerable<RichNode> nodes)
    {
        ArgumentNullException.ThrowIfNull(nodes);
        var list = nodes.ToList();
        // Building (and later integrating) the types recurses once per level: refuse what no document may hold.
        if (DepthOf(list) > UpdateLimits.DefaultMaxNestingDepth) throw new ContentTooDeepException();
        return BuildYNodes(list);
    }

    private static List<AbstractType> BuildYNodes(IEnumerable<RichNode> nodes)
    {
        var result = new List<AbstractType>();
        YXmlText? text = null;
        var offset = 0;
        foreach (var node in nodes)
        {
            if (node.IsText)
            {
                if (node.Text!.Length == 0) continue;
                if (text is null)
                {
                    text = new YXmlText();
                    offset = 0;
                    result.Add(text);
                }
                // Explicit (possibly empty) attributes: the run must not inherit the formatting before it.
                text.Insert(offset, node.Text, new Dictionary<string, object?>(node.Marks, StringComparer.Ordinal));
                offset += node.Text.Length;
                continue;
            }
            text = null;
            var element = new YXmlElement(node.Type);
            foreach (var (key, value) in node.Attrs)
            {
                if (value is not null) element.SetAttribute(key, value);
            }
            var children = BuildYNodes(node.Children);
            if (children.Count > 0) element.Insert(0, children);
            result.Add(element);
        }
        return result;
    }

    /// <summary>An inline mention of a person (attributes <c>id</c>: username, <c>label</c>: display name).</summary>
    public const string MentionType = "mention";

    /// <summary>How a mention reads as text: <c>@label</c> (the username when it has no label).</summary>
    public string MentionText() => "@" + (Attr("label") as string ?? Attr("id") as string ?? "");

    /// <summary>The characters of this node and its descendants (blocks are not separated).</summary>
    public string InnerText()
    {
        if (IsText) return Text!;
        var parts = new System.Text.StringBuilder();
        var work = new Stack<RichNode>();
        work.Push(this);
        while (work.Count > 0)
        {
            var node = work.Pop();
            if (node.IsText)
            {
                parts.Append(node.Text);
                continue;
            }
            if (node.Type == "hardBreak") parts.Append('\n');
            else if (node.Type == MentionType) parts.Append(node.MentionText());
            for (var i = node.Children.Count - 1; i >= 0; i--) work.Push(node.Children[i]);
        }
        return parts.ToString();
    }

    /// <summary>How deep the tree of <paramref name="nodes"/> nests (1 for blocks without children).</summary>
    public static int DepthOf(IEnumerable<RichNode> nodes)
    {
        ArgumentNullException.ThrowIfNull(nodes);
        var deepest = 0;
        var work = new Stack<(RichNode Node, int Depth)>();
        foreach (var node in nodes) work.Push((node, 1));
        while (work.Count > 0)
        {
            var (node, depth) = work.Pop();
            deepest = Math.Max(deepest, depth);
            foreach (var child in node.Children) work.Push((child, depth + 1));
        }
        return deepest;
    }
}
