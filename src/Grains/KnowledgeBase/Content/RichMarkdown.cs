using System.Globalization;
using System.Text;

namespace Spotter.Collab.Grains.KnowledgeBase.Content;

/// <summary>
/// Renders Tiptap content as CommonMark + GFM (pipe tables, task lists, strikethrough), the dialect
/// <see cref="MarkdownImporter"/> reads back, so export → import keeps the structure.
/// </summary>
public static class RichMarkdown
{
    // Emphasis delimiters open outermost-first in this order; code is written per run (it excludes other marks).
    private static readonly string[] MarkOrder = ["link", "bold", "italic", "strike"];

    /// <summary>
    /// The blocks as Markdown. Containers are written by prefixing their rendered content line by line, which recurses
    /// once per level: trees read from a document are capped (<see cref="RichNode.MaxDepth"/>), and a deeper tree is
    /// refused with <see cref="ContentTooDeepException"/> rather than walked.
    /// </summary>
    public static string Render(IEnumerable<RichNode> blocks)
    {
        ArgumentNullException.ThrowIfNull(blocks);
        var list = blocks.ToList();
        if (RichNode.DepthOf(list) > Crdt.UpdateLimits.DefaultMaxNestingDepth) throw new ContentTooDeepException();
        var text = RenderBlocks(list);
        return text.Length == 0 ? "" : text + "\n";
    }

    private static string RenderBlocks(IReadOnlyList<RichNode> blocks, bool inListItem = false)
    {
        var md = new StringBuilder();
        var alternate = false;
        string? previousType = null;
        foreach (var block in blocks)
        {
            // Two lists in a row with the same marker would read back as one list: switch markers.
            var isList = block.Type is "bulletList" or "taskList" or "orderedList";
            var previousIsList = previousType is "bulletList" or "taskList" or "orderedList";
            alternate = isList && previousIsList && (previousType == "orderedList") == (block.Type == "orderedList") && !alternate;
            var rendered = RenderBlock(block, alternate);
            if (rendered is null) continue;
            if (md.Length > 0)
            {
                // Inside a list item a nested list follows its paragraph directly (a tight list).
                md.Append(inListItem && isList && previousType == "paragraph" ? "\n" : "\n\n");
            }
            md.Append(rendered);
            previousType = block.Type;
        }
        return md.ToString();
    }

    private static string? RenderBlock(RichNode node, bool alternateMarker)
    {
        var bullet = alternateMarker ? "* " : "- ";
        var orderedDelimiter = alternateMarker ? ") " : ". ";
        switch (node.Type)
        {
            case "paragraph":
                return Inline(node.Children, atLineStart: true);
            case "heading":
                var level = Math.Clamp(RichHtml.AsInt(node.Attr("level")) ?? 1, 1, 6);
                return new string('#', level) + " " + Inline(node.Children, atLineStart: false);
            case "blockquote":
                return Prefix(RenderBlocks(node.Children), "> ", "> ");
            case "bulletList":
                return string.Join("\n", node.Children.Select(item => ListItem(item, bullet)));
            case "orderedList":
                var number = RichHtml.AsInt(node.Attr("start")) ?? 1;
                return string.Join("\n", node.Children.Select(item => ListItem(item, (number++).ToString(CultureInfo.InvariantCulture) + orderedDelimiter)));
            case "taskList":
                return string.Join("\n", node.Children.Select(item => ListItem(item, bullet, item.Attr("checked") is true ? "[x] " : "[ ] ")));
            case "codeBlock":
                var code = node.InnerText();
                var fence = new string('`', Math.Max(3, LongestRun(code, '`') + 1));
                var language = node.Attr("language") as string ?? "";
                return fence + language + "\n" + code + (code.Length > 0 ? "\n" : "") + fence;
            case "horizontalRule":
                return "---";
            case "image":
                return Image(node);
            case "table":
                return Table(node);
            default:
                // Unknown block: keep its text.
                var inner = RenderBlocks(node.Children);
                return inner.Length == 0 ? null : inner;
        }
    }

    private static string ListItem(RichNode item, string marker, string task = "")
    {
        var body = RenderBlocks(item.Children, inListItem: true);
        // Continuation lines line up with the item's content.
        return Prefix(task + body, marker, new string(' ', marker.Length));
    }

    private static string Prefix(string text, string first, string rest)
    {
        var lines = text.Split('\n');
        var result = new StringBuilder();
        for (var i = 0; i < lines.Length; i++)
        {
            if (i > 0) result.Append('\n');
            // Blank lines inside a container keep only the quote marker (no trailing spaces).
            var prefix = i == 0 ? first : rest;
            result.Append(lines[i].Length == 0 ? prefix.TrimEnd() : prefix + lines[i]);
        }
        return result.ToString();
    }

    private static string Image(RichNode node)
    {
        var alt = EscapeText(node.Attr("alt") as string ?? "", atLineStart: false);
        var src = (node.Attr("src") as string ?? "").Replace(" ", "%20", StringComparison.Ordinal).Replace(")", "%29", StringComparison.Ordinal);
        var title = node.Attr("title") is string t && t.Length > 0 ? " \"" + t.Replace("\"", "\\\"", StringComparison.Ordinal) + "\"" : "";
        return $"![{alt}]({src}{title})";
    }

    private static string Table(RichNode table)
    {
        var rows = table.Children.Where(r => r.Type == "tableRow").ToList();
        if (rows.Count == 0) return "";
        var width = rows.Max(r => r.Children.Count);
        if (width == 0) return "";
        var lines = new List<string>();
        for (var r = 0; r < rows.Count; r++)
        {
            var cells = rows[r].Children.Select(c => TableCell(c)).ToList();
            while (cells.Count < width) cells.Add("");
            lines.Add("| " + string.Join(" | ", cells) + " |");
            if (r == 0) lines.Add("|" + string.Concat(Enumerable.Repeat(" --- |", width)));
        }
        return string.Join("\n", lines);
    }

    private static string TableCell(RichNode cell) =>
        // A pipe table cell is one line: paragraphs of the cell are joined by a space.
        string.Join(" ", cell.Children.Select(b => b.Type == "paragraph" ? Inline(b.Children, atLineStart: false) : b.InnerText()))
            .Replace("\n", " ", StringComparison.Ordinal);

    /// <summary>
    /// Inline content with marks as delimiters. Marks spanning several runs open once; whitespace at a run's edges
    /// moves outside the delimiters (CommonMark does not accept "** x**").
    /// </summary>
    private static string Inline(IReadOnlyList<RichNode> inlines, bool atLineStart)
    {
        var md = new StringBuilder();
        var open = new List<(string Mark, string? Href)>();
        var pendingSpace = "";
        void Close(int downTo)
        {
            for (var i = open.Count - 1; i >= downTo; i--)
            {
                md.Append(open[i].Mark switch
                {
                    "link" => "](" + LinkTarget(open[i].Href) + ")",
                    "bold" => "**",
                    "italic" => "*",
                    _ => "~~",
                });
                open.RemoveAt(i);
            }
        }
        foreach (var node in inlines)
        {
            if (node.Type == "hardBreak")
            {
                Close(0);
                md.Append(pendingSpace).Append("\\\n");
                pendingSpace = "";
                continue;
            }
            if (!node.IsText)
            {
                Close(0);
                md.Append(pendingSpace);
                pendingSpace = "";
                if (node.Type == "image") md.Append(Image(node));
                else md.Append(EscapeText(node.InnerText(), false));
                continue;
            }
            var text = node.Text!;
            var core = text.Trim();
            var lead = text[..(text.Length - text.TrimStart().Length)];
            var trail = core.Length == 0 ? "" : text[(text.TrimEnd().Length)..];
            if (core.Length == 0)
            {
                pendingSpace += text;
                continue;
            }
            var href = node.HasMark("link") ? node.MarkAttr("link", "href") : null;
            // Keep the open prefix that this run still has (a link stays open only for the same href).
            var keep = 0;
            while (keep < open.Count && node.HasMark(open[keep].Mark) && (open[keep].Mark != "link" || open[keep].Href == href)) keep++;
            Close(keep);
            md.Append(pendingSpace).Append(lead);
            pendingSpace = "";
            foreach (var mark in MarkOrder)
            {
                if (!node.HasMark(mark) || open.Any(o => o.Mark == mark)) continue;
                md.Append(mark switch { "link" => "[", "bold" => "**", "italic" => "*", _ => "~~" });
                open.Add((mark, mark == "link" ? href : null));
            }
            var lineStart = atLineStart && md.Length == 0;
            if (node.HasMark("code"))
            {
                var ticks = new string('`', LongestRun(core, '`') + 1);
                var pad = core.StartsWith('`') || core.EndsWith('`') ? " " : "";
                md.Append(ticks).Append(pad).Append(core).Append(pad).Append(ticks);
            }
            else
            {
                md.Append(EscapeText(core, lineStart));
            }
            pendingSpace = trail;
        }
        Close(0);
        // Trailing spaces would be dropped by a reader anyway.
        return md.ToString();
    }

    private static string LinkTarget(string? href)
    {
        var target = href ?? "";
        return target.Length == 0 || target.Any(c => c is ' ' or '(' or ')' or '<' or '>')
            ? "<" + target.Replace("<", "%3C", StringComparison.Ordinal).Replace(">", "%3E", StringComparison.Ordinal) + ">"
            : target;
    }

    /// <summary>Backslash-escapes Markdown syntax characters so text reads back as the same text.</summary>
    private static string EscapeText(string text, bool atLineStart)
    {
        var md = new StringBuilder(text.Length + 8);
        foreach (var c in text)
        {
            if (c is '\\' or '*' or '_' or '`' or '[' or ']' or '<' or '>' or '~' or '|' or '&' or '!') md.Append('\\');
            md.Append(c);
        }
        var result = md.ToString();
        if (!atLineStart || result.Length == 0) return result;
        // Characters that would start a block at the beginning of a paragraph.
        if (result[0] is '#' or '-' or '+' or '=' ) return "\\" + result;
        var digits = 0;
        while (digits < result.Length && char.IsAsciiDigit(result[digits])) digits++;
        if (digits > 0 && digits < result.Length && result[digits] is '.' or ')') return result[..digits] + "\\" + result[digits..];
        return result;
    }

    private static int LongestRun(string text, char c)
    {
        int longest = 0, current = 0;
        foreach (var ch in text)
        {
            current = ch == c ? current + 1 : 0;
            longest = Math.Max(longest, current);
        }
        return longest;
    }
}
