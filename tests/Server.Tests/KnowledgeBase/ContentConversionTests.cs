using Spotter.Collab.Crdt;
using Spotter.Collab.Grains.KnowledgeBase.Content;

namespace Spotter.Collab.Server.Tests.KnowledgeBase;

public sealed class ContentConversionTests
{
    internal const string Sample = """
        # Release notes

        Plain **bold** *italic* ~~gone~~ `code` [link](https://example.com/a) and **bold *both***

        Escaped \*stars\* and a\_b \[x\] 1 \< 2 \& more

        - one
        - two
          - nested

        * other list

        1. first
        2. second

        - [ ] todo
        - [x] done

        ```js
        let x = `1`;
        ```

        > quoted
        >
        > - in a quote

        ---

        | A | B |
        | --- | --- |
        | 1 | **2** |

        ![diagram](/api/attachments/abc "Title")

        line one\
        line two

        ## 供应商 管理

        供应商的报价单见下表。

        """;

    /// <summary>Markdown → Yjs update (through the real engine) → Markdown.</summary>
    private static string RoundTrip(string markdown)
    {
        var update = RichContent.ReplaceUpdate([], MarkdownImporter.Parse(markdown));
        return RichMarkdown.Render(RichContent.Read(update));
    }

    [Fact]
    public void Markdown_survives_a_round_trip_through_the_yjs_document()
    {
        Assert.Equal(Sample.ReplaceLineEndings("\n"), RoundTrip(Sample));
    }

    [Fact]
    public void Round_trip_is_stable_for_text_that_looks_like_syntax()
    {
        var blocks = new List<RichNode>
        {
            RichNode.Element("paragraph", [RichNode.TextRun("# not a heading, 1. not a list, *not* emphasis | pipe <b>")]),
            RichNode.Element("paragraph", [RichNode.TextRun("- dash"), RichNode.TextRun(" tail ", Bold()), RichNode.TextRun("after")]),
            RichNode.Element("codeBlock", [RichNode.TextRun("```\ninner fence\n```")]),
        };
        var markdown = RichMarkdown.Render(blocks);
        var reparsed = MarkdownImporter.Parse(markdown);
        Assert.Equal(RichContent.PlainText(blocks), RichContent.PlainText(reparsed));
        Assert.Equal(markdown, RichMarkdown.Render(reparsed));
        Assert.Contains(reparsed[1].Children, r => r.Text == "tail" && r.HasMark("bold"));
    }

    [Fact]
    public void Imported_markdown_uses_the_y_prosemirror_encoding()
    {
        var doc = new Doc();
        doc.ApplyUpdate(RichContent.ReplaceUpdate([], MarkdownImporter.Parse("## Head\n\nA **b** [l](http://x)\n\n- [x] t\n\n```sh\nls\n```\n")));
        var fragment = doc.GetXmlFragment("default");
        Assert.Equal(
            "<heading level=\"2\">Head</heading><paragraph>A <bold>b</bold> <link href=\"http://x\">l</link></paragraph>"
            + "<tasklist><taskitem checked=\"true\"><paragraph>t</paragraph></taskitem></tasklist><codeblock language=\"sh\">ls</codeblock>",
            fragment.ToString());
        var heading = (YXmlElement)fragment.Get(0);
        Assert.Equal("heading", heading.NodeName);
        Assert.Equal(2L, heading.GetAttribute("level"));
        var task = (YXmlElement)((YXmlElement)fragment.Get(2)).Get(0);
        Assert.Equal("taskItem", task.NodeName);
        Assert.Equal(true, task.GetAttribute("checked"));
    }

    [Fact]
    public void List_items_always_start_with_a_paragraph_and_images_are_blocks()
    {
        var blocks = MarkdownImporter.Parse("- ```\n  code\n  ```\n\ntext ![i](/x.png) more\n");
        var item = blocks[0].Children[0];
        Assert.Equal(["paragraph", "codeBlock"], item.Children.Select(c => c.Type));
        Assert.Equal(["bulletList", "paragraph", "image", "paragraph"], blocks.Select(b => b.Type));
    }

    [Fact]
    public void Html_escapes_text_and_drops_unsafe_urls()
    {
        var blocks = new List<RichNode>
        {
            RichNode.Element("paragraph",
            [
                RichNode.TextRun("<script>alert('x')</script> & \"q\""),
                RichNode.TextRun("bad", new Dictionary<string, object?> { ["link"] = new Dictionary<string, object?> { ["href"] = " java\tscript:alert(1)" } }),
                RichNode.TextRun("good", new Dictionary<string, object?> { ["link"] = new Dictionary<string, object?> { ["href"] = "https://ok.example/?a=1&b=\"2\"" } }),
            ]),
            RichNode.Element("image", null, new Dictionary<string, object?> { ["src"] = "javascript:alert(1)", ["alt"] = "\"><img onerror=x>" }),
            RichNode.Element("heading", [RichNode.TextRun("H")], new Dictionary<string, object?> { ["level"] = 9L }),
            RichNode.Element("unknownWidget", [RichNode.TextRun("kept")]),
        };
        var html = RichHtml.Render(blocks);
        Assert.Equal(
            "<p>&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;bad"
            + "<a href=\"https://ok.example/?a=1&amp;b=&quot;2&quot;\" rel=\"noopener noreferrer nofollow\">good</a></p>"
            + "<img alt=\"&quot;&gt;&lt;img onerror=x&gt;\"><h6>H</h6>kept",
            html);
    }

    [Fact]
    public void Html_renders_every_supported_node()
    {
        var html = RichHtml.Render(MarkdownImporter.Parse(Sample));
        foreach (var fragment in new[]
        {
            "<h1>Release notes</h1>", "<strong>bold </strong><strong><em>both</em></strong>", "<s>gone</s>", "<code>code</code>",
            "<ul><li><p>one</p></li><li><p>two</p><ul><li><p>nested</p></li></ul></li></ul>", "<ol><li><p>first</p></li>",
            "<li data-type=\"taskItem\" data-checked=\"true\"><label><input type=\"checkbox\" disabled checked></label><div><p>done</p></div></li>",
            "<pre><code class=\"language-js\">let x = `1`;</code></pre>", "<blockquote><p>quoted</p><ul>", "<hr>",
            "<table><tbody><tr><th><p>A</p></th><th><p>B</p></th></tr><tr><td><p>1</p></td><td><p><strong>2</strong></p></td></tr></tbody></table>",
            "<img src=\"/api/attachments/abc\" alt=\"diagram\" title=\"Title\">", "line one<br>line two", "<h2>供应商 管理</h2>",
        })
        {
            Assert.Contains(fragment, html, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Import_drops_unsafe_link_and_image_targets_but_keeps_the_words()
    {
        var blocks = MarkdownImporter.Parse("[click](javascript:alert(1)) [ok](https://a.example) ![x](data:image/png;base64,AAAA) <b>raw</b>\n");
        Assert.Equal("click ok  <b>raw</b>", RichContent.PlainText(blocks));
        Assert.Equal("https://a.example", blocks[0].Children.Single(c => c.HasMark("link")).MarkAttr("link", "href"));
        Assert.DoesNotContain(blocks, b => b.Type == "image");
        Assert.DoesNotContain("<b>", RichHtml.Render(blocks), StringComparison.Ordinal);
    }

    [Fact]
    public void Plain_text_has_one_line_per_block()
    {
        var text = RichContent.PlainText(MarkdownImporter.Parse("# T\n\n- a\n- b\n\n| x | y |\n| - | - |\n| 1 | 2 |\n"));
        Assert.Equal("T\na\nb\nx\ny\n1\n2", text);
    }

    [Fact]
    public void Replacing_content_deletes_the_old_blocks_and_keeps_history_in_the_crdt()
    {
        var first = RichContent.ReplaceUpdate([], MarkdownImporter.Parse("old one\n\nold two\n"));
        var doc = new Doc();
        doc.ApplyUpdate(first);
        var replace = RichContent.ReplaceUpdate(doc.EncodeStateAsUpdate(), MarkdownImporter.Parse("# new\n"));
        doc.ApplyUpdate(replace);
        Assert.Equal("<heading level=\"1\">new</heading>", doc.GetXmlFragment("default").ToString());
        // Nothing to change: no update.
        Assert.Empty(RichContent.ReplaceUpdate(doc.EncodeStateAsUpdate(), [], append: true));
        var appended = RichContent.ReplaceUpdate(doc.EncodeStateAsUpdate(), MarkdownImporter.Parse("more\n"), append: true);
        doc.ApplyUpdate(appended);
        Assert.Equal("# new\n\nmore\n", RichMarkdown.Render(RichNode.FromFragment(doc.GetXmlFragment("default"))));
    }

    [Fact]
    public void Block_diff_reports_kept_added_and_removed_blocks()
    {
        var diff = BlockDiff.Compare(["a", "b", "c", "d"], ["a", "x", "c", "d", "e"]);
        Assert.Equal(
            [(BlockChange.Same, "a"), (BlockChange.Added, "x"), (BlockChange.Removed, "b"), (BlockChange.Same, "c"), (BlockChange.Same, "d"), (BlockChange.Added, "e")],
            diff);
        Assert.Equal([(BlockChange.Removed, "a")], BlockDiff.Compare(["a"], []));
    }

    private static Dictionary<string, object?> Bold() => new() { ["bold"] = new Dictionary<string, object?>() };
}
