using System.Globalization;
using Markdig;
using Markdig.Extensions.Tables;
using Markdig.Extensions.TaskLists;
using Markdig.Syntax;
using Markdig.Syntax.Inlines;
using Spotter.Collab.Crdt;

namespace Spotter.Collab.Grains.KnowledgeBase.Content;

/// <summary>
/// Markdown (CommonMark + GFM tables, task lists, strikethrough; parsed by Markdig) → Tiptap nodes that satisfy
/// Tiptap's schema (list items start with a paragraph, images are blocks, cells hold blocks), because y-prosemirror
/// deletes any node the editor's schema rejects. Raw HTML is kept as plain text, never as markup, and links or images
/// with unsafe schemes (javascript:, data:, ...) lose their target.
/// </summary>
public static class MarkdownImporter
{
    private static readonly MarkdownPipeline Pipeline = new MarkdownPipelineBuilder()
        .UsePipeTables()
        .UseTaskLists()
        .UseEmphasisExtras(Markdig.Extensions.EmphasisExtras.EmphasisExtraOptions.Strikethrough)
        .Build();

    /// <summary>
    /// The Markdown's blocks. Throws <see cref="ContentTooDeepException"/> when the text nests deeper than a page may
    /// (Markdig's own nesting limit, or the document's nesting bound for what it builds).
    /// </summary>
    public static List<RichNode> Parse(string markdown)
    {
        ArgumentNullException.ThrowIfNull(markdown);
        MarkdownDocument document;
        try
        {
            document = Markdown.Parse(markdown, Pipeline);
        }
        catch (ArgumentException ex) when (ex.Message.Contains("deeply nested", StringComparison.OrdinalIgnoreCase))
        {
            throw new ContentTooDeepException("the Markdown nests too deeply: " + ex.Message, ex);
        }
        var blocks = new List<RichNode>();
        foreach (var block in document) AddBlock(block, blocks);
        if (RichNode.DepthOf(blocks) > UpdateLimits.DefaultMaxNestingDepth) throw new ContentTooDeepException();
        return blocks;
    }

    private static void AddBlock(Block block, List<RichNode> into)
    {
        switch (block)
        {
            case HeadingBlock heading:
                into.Add(RichNode.Element("heading", Inlines(heading.Inline), Attrs(("level", (long)Math.Clamp(heading.Level, 1, 6)))));
                break;
            case ParagraphBlock paragraph:
                AddParagraph(Inlines(paragraph.Inline), into);
                break;
            case Table table:
                AddTable(table, into);
                break;
            case ListBlock list:
                AddList(list, into);
                break;
            case QuoteBlock quote:
                var quoted = Blocks(quote);
                if (quoted.Count == 0) quoted.Add(RichNode.Element("paragraph"));
                into.Add(RichNode.Element("blockquote", quoted));
                break;
            case ThematicBreakBlock:
                into.Add(RichNode.Element("horizontalRule"));
                break;
            case FencedCodeBlock fenced:
                into.Add(CodeBlock(fenced, string.IsNullOrWhiteSpace(fenced.Info) ? null : fenced.Info.Trim()));
                break;
            case HtmlBlock html:
                // Raw HTML stays visible as text; it never becomes markup.
                AddParagraph([RichNode.TextRun(html.Lines.ToString())], into);
                break;
            case CodeBlock code:
                into.Add(CodeBlock(code, null));
                break;
            case LinkReferenceDefinitionGroup or LinkReferenceDefinition or BlankLineBlock:
                break;
            case ContainerBlock container:
                foreach (var child in container) AddBlock(child, into);
                break;
            case LeafBlock leaf when leaf.Inline is not null:
                AddParagraph(Inlines(leaf.Inline), into);
                break;
        }
    }

    private static List<RichNode> Blocks(ContainerBlock container)
    {
        var blocks = new List<RichNode>();
        foreach (var child in container) AddBlock(child, blocks);
        return blocks;
    }

    private static RichNode CodeBlock(LeafBlock code, string? language)
    {
        var text = string.Join("\n", code.Lines.Lines.Take(code.Lines.Count).Select(l => l.Slice.ToString()));
        var children = text.Length == 0 ? [] : new[] { RichNode.TextRun(text) };
        return RichNode.Element("codeBlock", children, language is null ? null : Attrs(("language", language)));
    }

    /// <summary>Adds a paragraph, splitting it around images (block nodes in Tiptap's schema).</summary>
    private static void AddParagraph(List<RichNode> inlines, List<RichNode> into)
    {
        var current = new List<RichNode>();
        var addedAny = false;
        foreach (var inline in inlines)
        {
            if (inline.Type == "image")
            {
                if (current.Any(n => !n.IsText || n.Text!.Trim().Length > 0)) into.Add(RichNode.Element("paragraph", TrimBreaks(current)));
                current = [];
                into.Add(inline);
                addedAny = true;
                continue;
            }
            current.Add(inline);
        }
        if (!addedAny || current.Any(n => !n.IsText || n.Text!.Trim().Length > 0)) into.Add(RichNode.Element("paragraph", TrimBreaks(current)));
    }

    private static List<RichNode> TrimBreaks(List<RichNode> inlines)
    {
        var start = 0;
        var end = inlines.Count;
        while (start < end && inlines[start].Type == "hardBreak") start++;
        while (end > start && inlines[end - 1].Type == "hardBreak") end--;
        return inlines.GetRange(start, end - start);
    }

    private static void AddList(ListBlock list, List<RichNode> into)
    {
        var items = list.OfType<ListItemBlock>().ToList();
        var isTaskList = !list.IsOrdered && items.Count > 0 && items.All(TaskOf);
        var nodes = new List<RichNode>();
        foreach (var item in items)
        {
            var checkedState = TaskChecked(item);
            var content = Blocks(item);
            // Tiptap's listItem/taskItem content is "paragraph block*".
            if (content.Count == 0 || content[0].Type != "paragraph") content.Insert(0, RichNode.Element("paragraph"));
            else if (isTaskList) TrimTaskMarkerSpace(content[0]);
            nodes.Add(isTaskList
                ? RichNode.Element("taskItem", content, Attrs(("checked", checkedState == true)))
                : RichNode.Element("listItem", content));
        }
        if (nodes.Count == 0) return;
        if (isTaskList)
        {
            into.Add(RichNode.Element("taskList", nodes));
        }
        else if (list.IsOrdered)
        {
            var start = long.TryParse(list.OrderedStart, NumberStyles.Integer, CultureInfo.InvariantCulture, out var s) ? s : 1;
            into.Add(RichNode.Element("orderedList", nodes, start == 1 ? null : Attrs(("start", start))));
        }
        else
        {
            into.Add(RichNode.Element("bulletList", nodes));
        }
    }

    /// <summary>"[x] text": the space after the checkbox belongs to the marker, not the text.</summary>
    private static void TrimTaskMarkerSpace(RichNode paragraph)
    {
        if (paragraph.Children.Count == 0 || !paragraph.Children[0].IsText) return;
        var first = paragraph.Children[0];
        var trimmed = first.Text!.TrimStart();
        if (trimmed.Length == 0) paragraph.Children.RemoveAt(0);
        else paragraph.Children[0] = RichNode.TextRun(trimmed, first.Marks);
    }

    private static bool TaskOf(ListItemBlock item) => TaskChecked(item) is not null;

    private static bool? TaskChecked(ListItemBlock item) =>
        item.FirstOrDefault() is ParagraphBlock { Inline.FirstChild: TaskList task } ? task.Checked : null;

    private static void AddTable(Table table, List<RichNode> into)
    {
        var rows = new List<RichNode>();
        foreach (var row in table.OfType<TableRow>())
        {
            var cells = new List<RichNode>();
            foreach (var cell in row.OfType<TableCell>())
            {
                var content = Blocks(cell);
                if (content.Count == 0) content.Add(RichNode.Element("paragraph"));
                cells.Add(RichNode.Element(row.IsHeader ? "tableHeader" : "tableCell", content));
            }
            if (cells.Count > 0) rows.Add(RichNode.Element("tableRow", cells));
        }
        if (rows.Count > 0) into.Add(RichNode.Element("table", rows));
    }

    private static List<RichNode> Inlines(ContainerInline? container)
    {
        var runs = new List<RichNode>();
        if (container is not null) AddInlines(container, new Dictionary<string, object?>(StringComparer.Ordinal), runs);
        return MergeRuns(runs);
    }

    private static void AddInlines(ContainerInline container, Dictionary<string, object?> marks, List<RichNode> into)
    {
        foreach (var inline in container) AddInline(inline, marks, into);
    }

    private static void AddInline(Inline inline, Dictionary<string, object?> marks, List<RichNode> into)
    {
        switch (inline)
        {
            case TaskList:
                break;
            case LiteralInline literal:
                AddText(literal.Content.ToString(), marks, into);
                break;
            case CodeInline code:
                // Tiptap's code mark excludes every other mark.
                AddText(code.Content, Marks(("code", Empty())), into);
                break;
            case LineBreakInline lineBreak:
                if (lineBreak.IsHard) into.Add(RichNode.Element("hardBreak"));
                else AddText(" ", marks, into);
                break;
            case HtmlEntityInline entity:
                AddText(entity.Transcoded.ToString(), marks, into);
                break;
            case HtmlInline html:
                AddText(html.Tag, marks, into);
                break;
            case AutolinkInline autolink:
                var href = RichHtml.SafeUrl(autolink.IsEmail ? "mailto:" + autolink.Url : autolink.Url);
                AddText(autolink.Url, href is null ? marks : With(marks, "link", Attrs(("href", href))), into);
                break;
            case LinkInline { IsImage: true } image:
                var alt = new List<RichNode>();
                if (image.FirstChild is not null) AddInlines(image, marks, alt);
                // Unsafe schemes (javascript:, data:) never enter the document.
                if (RichHtml.SafeUrl(image.Url) is not { } src) break;
                var attrs = Attrs(("src", src));
                var altText = string.Concat(alt.Select(a => a.InnerText()));
                if (altText.Length > 0) attrs["alt"] = altText;
                if (!string.IsNullOrEmpty(image.Title)) attrs["title"] = image.Title;
                into.Add(RichNode.Element("image", null, attrs));
                break;
            case LinkInline link:
                if (RichHtml.SafeUrl(link.Url) is not { } target)
                {
                    // Keep the words, drop the unsafe target.
                    AddInlines(link, marks, into);
                    break;
                }
                var linkAttrs = Attrs(("href", target));
                if (!string.IsNullOrEmpty(link.Title)) linkAttrs["title"] = link.Title;
                AddInlines(link, With(marks, "link", linkAttrs), into);
                break;
            case EmphasisInline emphasis:
                var mark = emphasis.DelimiterChar == '~' ? "strike" : emphasis.DelimiterCount >= 2 ? "bold" : "italic";
                var inner = With(marks, mark, Empty());
                // "***x***" is one emphasis of three delimiters: strong and emphasis at once.
                if (emphasis.DelimiterChar != '~' && emphasis.DelimiterCount >= 3) inner = With(inner, "italic", Empty());
                AddInlines(emphasis, inner, into);
                break;
            case ContainerInline nested:
                AddInlines(nested, marks, into);
                break;
        }
    }

    private static void AddText(string text, Dictionary<string, object?> marks, List<RichNode> into)
    {
        if (text.Length == 0) return;
        into.Add(RichNode.TextRun(text, new Dictionary<string, object?>(marks, StringComparer.Ordinal)));
    }

    /// <summary>Joins neighbouring runs with equal marks (Markdig splits literals at every delimiter candidate).</summary>
    private static List<RichNode> MergeRuns(List<RichNode> runs)
    {
        var merged = new List<RichNode>();
        foreach (var run in runs)
        {
            if (run.IsText && merged.Count > 0 && merged[^1].IsText && SameMarks(merged[^1].Marks, run.Marks))
            {
                merged[^1] = RichNode.TextRun(merged[^1].Text + run.Text, merged[^1].Marks);
                continue;
            }
            merged.Add(run);
        }
        return merged;
    }

    private static bool SameMarks(Dictionary<string, object?> a, Dictionary<string, object?> b) =>
        a.Count == b.Count && a.All(kv => b.TryGetValue(kv.Key, out var other) && AnyValues.Equal(kv.Value, other));

    private static Dictionary<string, object?> With(Dictionary<string, object?> marks, string name, Dictionary<string, object?> attrs) =>
        new(marks, StringComparer.Ordinal) { [name] = attrs };

    private static Dictionary<string, object?> Empty() => new(StringComparer.Ordinal);

    private static Dictionary<string, object?> Attrs(params (string Key, object? Value)[] pairs)
    {
        var attrs = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var (key, value) in pairs) attrs[key] = value;
        return attrs;
    }

    private static Dictionary<string, object?> Marks(params (string Key, object? Value)[] pairs) => Attrs(pairs);
}
