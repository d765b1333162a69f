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

    /// <summary>Reads the block nodes of a fragment (Tiptap's <c>default</c> root).</summary>
    public static List<RichNode> FromFragment(YXmlFragment fragment)
    {
        ArgumentNullException.ThrowIfNull(fragment);
        var nodes = new List<RichNode>();
        foreach (var child in fragment.ToArray()) AddFrom(child, nodes);
        return nodes;
    }

    private static void AddFrom(AbstractType type, List<RichNode> into)
    {
        switch (type)
        {
            case YXmlElement element:
                var children = new List<RichNode>();
                foreach (var child in element.ToArray()) AddFrom(child, children);
                var attrs = new Dictionary<string, object?>(StringComparer.Ordinal);
                foreach (var (key, value) in element.GetAttributes())
                {
                    if (value is not null) attrs[key] = value;
                }
                into.Add(new RichNode(element.NodeName, attrs, children, null, new Dictionary<string, object?>(StringComparer.Ordinal)));
                break;
            case YXmlText text:
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
                break;
        }
    }

    /// <summary>
    /// Builds unintegrated Yjs types for <paramref name="nodes"/> (ready to insert into a fragment): one XmlElement per
    /// element, consecutive text runs merged into one XmlText whose formats are the marks, as y-prosemirror writes them.
    /// </summary>
    public static List<AbstractType> ToYNodes(IEnumerable<RichNode> nodes)
    {
        ArgumentNullException.ThrowIfNull(nodes);
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
            var children = ToYNodes(node.Children);
            if (children.Count > 0) element.Insert(0, children);
            result.Add(element);
        }
        return result;
    }

    /// <summary>The characters of this node and its descendants (blocks are not separated).</summary>
    public string InnerText()
    {
        if (IsText) return Text!;
        var parts = new System.Text.StringBuilder();
        AppendText(this, parts);
        return parts.ToString();
    }

    private static void AppendText(RichNode node, System.Text.StringBuilder into)
    {
        if (node.IsText)
        {
            into.Append(node.Text);
            return;
        }
        if (node.Type == "hardBreak") into.Append('\n');
        foreach (var child in node.Children) AppendText(child, into);
    }
}
