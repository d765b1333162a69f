using System.Globalization;
using System.Text;

namespace Spotter.Collab.Grains.KnowledgeBase.Content;

/// <summary>
/// Renders Tiptap content as safe HTML: every character of text and attributes is escaped, only known node types
/// and marks become tags, and URLs keep only safe schemes (http, https, mailto, relative), so stored content cannot
/// inject script into an export or a version view.
/// </summary>
public static class RichHtml
{
    public static string Render(IEnumerable<RichNode> blocks)
    {
        ArgumentNullException.ThrowIfNull(blocks);
        var html = new StringBuilder();
        foreach (var block in blocks) AppendNode(block, html);
        return html.ToString();
    }

    /// <summary>Each top-level block on its own (for block-level comparison).</summary>
    public static List<string> RenderBlocks(IEnumerable<RichNode> blocks)
    {
        ArgumentNullException.ThrowIfNull(blocks);
        return blocks.Select(b =>
        {
            var html = new StringBuilder();
            AppendNode(b, html);
            return html.ToString();
        }).ToList();
    }

    /// <summary>
    /// Writes a node and its descendants. Opening markup is written when a node is reached; its children and closing
    /// markup wait on an explicit stack, so a tree of any depth renders without recursion.
    /// </summary>
    private static void AppendNode(RichNode root, StringBuilder html)
    {
        var work = new Stack<object>();
        work.Push(root);
        while (work.Count > 0)
        {
            switch (work.Pop())
            {
                case string closing:
                    html.Append(closing);
                    break;
                case RichNode node:
                    Open(node, html, work);
                    break;
            }
        }
    }

    /// <summary>Writes the opening markup of <paramref name="node"/> and queues its children and closing markup.</summary>
    private static void Open(RichNode node, StringBuilder html, Stack<object> work)
    {
        if (node.IsText)
        {
            AppendText(node, html);
            return;
        }
        switch (node.Type)
        {
            case "paragraph": Wrap("p", node, html, work); break;
            case "heading":
                var level = Math.Clamp(AsInt(node.Attr("level")) ?? 1, 1, 6);
                Wrap("h" + level.ToString(CultureInfo.InvariantCulture), node, html, work);
                break;
            case "blockquote": Wrap("blockquote", node, html, work); break;
            case "bulletList": Wrap("ul", node, html, work); break;
            case "orderedList":
                var start = AsInt(node.Attr("start")) ?? 1;
                html.Append(start == 1 ? "<ol>" : $"<ol start=\"{start.ToString(CultureInfo.InvariantCulture)}\">");
                Children(node, "</ol>", work);
                break;
            case "listItem": Wrap("li", node, html, work); break;
            case "taskList":
                html.Append("<ul data-type=\"taskList\">");
                Children(node, "</ul>", work);
                break;
            case "taskItem":
                var isChecked = node.Attr("checked") is true;
                html.Append("<li data-type=\"taskItem\" data-checked=\"").Append(isChecked ? "true" : "false").Append("\"><label><input type=\"checkbox\" disabled")
                    .Append(isChecked ? " checked" : "").Append("></label><div>");
                Children(node, "</div></li>", work);
                break;
            case "codeBlock":
                html.Append("<pre><code");
                if (node.Attr("language") is string language && language.Length > 0)
                {
                    html.Append(" class=\"language-");
                    Escape(language, html);
                    html.Append('"');
                }
                html.Append('>');
                Escape(node.InnerText(), html);
                html.Append("</code></pre>");
                break;
            case "horizontalRule": html.Append("<hr>"); break;
            case "hardBreak": html.Append("<br>"); break;
            case RichNode.MentionType:
                html.Append("<span data-type=\"mention\"");
                if (node.Attr("id") is string mentioned) AppendAttribute("data-id", mentioned, html);
                if (node.Attr("label") is string label) AppendAttribute("data-label", label, html);
                html.Append('>');
                Escape(node.MentionText(), html);
                html.Append("</span>");
                break;
            case "table":
                html.Append("<table><tbody>");
                Children(node, "</tbody></table>", work);
                break;
            case "tableRow": Wrap("tr", node, html, work); break;
            case "tableHeader": Cell("th", node, html, work); break;
            case "tableCell": Cell("td", node, html, work); break;
            case "image":
                html.Append("<img");
                if (SafeUrl(node.Attr("src") as string) is { } src) AppendAttribute("src", src, html);
                if (node.Attr("alt") is string alt) AppendAttribute("alt", alt, html);
                if (node.Attr("title") is string title) AppendAttribute("title", title, html);
                html.Append('>');
                break;
            default:
                // Unknown node types (newer editor extensions): keep their text, drop the markup.
                Children(node, "", work);
                break;
        }
    }

    private static void Wrap(string tag, RichNode node, StringBuilder html, Stack<object> work)
    {
        html.Append('<').Append(tag).Append('>');
        Children(node, "</" + tag + ">", work);
    }

    private static void Cell(string tag, RichNode node, StringBuilder html, Stack<object> work)
    {
        html.Append('<').Append(tag);
        if (AsInt(node.Attr("colspan")) is > 1 and var colspan) html.Append(" colspan=\"").Append(colspan.ToString(CultureInfo.InvariantCulture)).Append('"');
        if (AsInt(node.Attr("rowspan")) is > 1 and var rowspan) html.Append(" rowspan=\"").Append(rowspan.ToString(CultureInfo.InvariantCulture)).Append('"');
        html.Append('>');
        Children(node, "</" + tag + ">", work);
    }

    /// <summary>Queues the closing markup, then the children so that the first child is written next.</summary>
    private static void Children(RichNode node, string closing, Stack<object> work)
    {
        if (closing.Length > 0) work.Push(closing);
        for (var i = node.Children.Count - 1; i >= 0; i--) work.Push(node.Children[i]);
    }

    private static void AppendText(RichNode run, StringBuilder html)
    {
        var href = run.HasMark("link") ? SafeUrl(run.MarkAttr("link", "href")) : null;
        if (href is not null)
        {
            html.Append("<a");
            AppendAttribute("href", href, html);
            html.Append(" rel=\"noopener noreferrer nofollow\">");
        }
        if (run.HasMark("bold")) html.Append("<strong>");
        if (run.HasMark("italic")) html.Append("<em>");
        if (run.HasMark("underline")) html.Append("<u>");
        if (run.HasMark("strike")) html.Append("<s>");
        if (run.HasMark("code")) html.Append("<code>");
        Escape(run.Text!, html);
        if (run.HasMark("code")) html.Append("</code>");
        if (run.HasMark("strike")) html.Append("</s>");
        if (run.HasMark("underline")) html.Append("</u>");
        if (run.HasMark("italic")) html.Append("</em>");
        if (run.HasMark("bold")) html.Append("</strong>");
        if (href is not null) html.Append("</a>");
    }

    private static void AppendAttribute(string name, string value, StringBuilder html)
    {
        html.Append(' ').Append(name).Append("=\"");
        Escape(value, html);
        html.Append('"');
    }

    /// <summary>The URL if its scheme is safe to put in href/src: http(s), mailto, or relative (no scheme).</summary>
    public static string? SafeUrl(string? url)
    {
        if (string.IsNullOrWhiteSpace(url)) return null;
        var trimmed = url.Trim();
        // Browsers ignore tabs/newlines inside schemes ("java\tscript:"): judge the URL without them.
        var compact = new string(trimmed.Where(c => !char.IsWhiteSpace(c) && !char.IsControl(c)).ToArray());
        var colon = compact.IndexOf(':', StringComparison.Ordinal);
        var slash = compact.IndexOfAny(['/', '?', '#']);
        if (colon < 0 || (slash >= 0 && slash < colon)) return trimmed;
        var scheme = compact[..colon].ToLowerInvariant();
        return scheme is "http" or "https" or "mailto" ? trimmed : null;
    }

    public static void Escape(string text, StringBuilder html)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(html);
        foreach (var c in text)
        {
            switch (c)
            {
                case '&': html.Append("&amp;"); break;
                case '<': html.Append("&lt;"); break;
                case '>': html.Append("&gt;"); break;
                case '"': html.Append("&quot;"); break;
                case '\'': html.Append("&#39;"); break;
                default: html.Append(c); break;
            }
        }
    }

    internal static int? AsInt(object? value) => value switch
    {
        long l when l is >= int.MinValue and <= int.MaxValue => (int)l,
        int i => i,
        double d when double.IsFinite(d) && d == Math.Floor(d) && Math.Abs(d) < int.MaxValue => (int)d,
        string s when int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var parsed) => parsed,
        _ => null,
    };
}
