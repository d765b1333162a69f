using Spotter.Collab.Crdt;
using Spotter.Collab.Grains.KnowledgeBase.Content;

namespace Spotter.Collab.Server.Tests.Security;

/// <summary>
/// The content converters (search text, HTML, Markdown, block comparison, import, writing back) on trees far deeper
/// than any page: reading caps the tree, HTML renders iteratively, and what would need a deeper recursion is refused
/// with <see cref="ContentTooDeepException"/> instead of overflowing the stack.
/// </summary>
public sealed class DeepContentConversionTests
{
    private const int Depth = 60_000;

    private static byte[] DeepState(string text)
    {
        var doc = new Doc(new DocOptions { MaxNestingDepth = int.MaxValue });
        doc.Transact(_ =>
        {
            YXmlFragment parent = doc.GetXmlFragment(RichContent.FragmentName);
            for (var i = 0; i < Depth; i++)
            {
                var quote = new YXmlElement("blockquote");
                parent.Insert(0, [quote]);
                parent = quote;
            }
            var paragraph = new YXmlElement("paragraph");
            parent.Insert(0, [paragraph]);
            paragraph.Insert(0, [new YXmlText(text)]);
        });
        return doc.EncodeStateAsUpdate();
    }

    private static RichNode Chain(int depth)
    {
        var node = RichNode.Element("paragraph", [RichNode.TextRun("inner")]);
        for (var i = 0; i < depth; i++) node = RichNode.Element("blockquote", [node]);
        return node;
    }

    [Fact]
    public void A_60000_deep_state_reads_as_a_capped_tree_that_every_converter_handles()
    {
        var state = DeepState("deep words");
        var blocks = RichContent.Read(state);

        // Capped: blockquotes down to MaxDepth, then the text flattened into one paragraph (text runs count as a level).
        Assert.Equal(UpdateLimits.DefaultMaxNestingDepth, RichNode.DepthOf(blocks));
        Assert.Equal("deep words", RichContent.PlainText(blocks));
        var html = RichHtml.Render(blocks);
        Assert.Equal(string.Concat(Enumerable.Repeat("<blockquote>", RichNode.MaxDepth)) + "<p>deep words</p>" + string.Concat(Enumerable.Repeat("</blockquote>", RichNode.MaxDepth)), html);
        Assert.EndsWith("> deep words\n", RichMarkdown.Render(blocks), StringComparison.Ordinal);
        var diff = BlockDiff.Compare(RichHtml.RenderBlocks(blocks), RichHtml.RenderBlocks(RichContent.Read([])));
        Assert.Equal(BlockChange.Removed, Assert.Single(diff).Change);

        // Writing the capped tree back (a restore) replaces the deep chain and stays within the bound.
        var update = RichContent.ReplaceUpdate(state, blocks);
        var doc = new Doc(new DocOptions { MaxNestingDepth = int.MaxValue });
        doc.ApplyUpdate(state);
        doc.ApplyUpdate(update);
        Assert.Equal(html, RichHtml.Render(RichContent.Read(doc.EncodeStateAsUpdate())));
        // With the chain deleted and collected, the whole state now loads under the bound.
        new Doc().ApplyUpdate(doc.EncodeStateAsUpdate());
    }

    [Fact]
    public void Html_renders_any_depth_without_recursion()
    {
        var html = RichHtml.Render([Chain(Depth)]);
        Assert.StartsWith("<blockquote><blockquote>", html, StringComparison.Ordinal);
        Assert.Contains("<p>inner</p>", html, StringComparison.Ordinal);
        Assert.Equal((("<blockquote>".Length + "</blockquote>".Length) * Depth) + "<p>inner</p>".Length, html.Length);
        Assert.Equal("inner", Chain(Depth).InnerText());
    }

    [Fact]
    public void Markdown_and_writing_types_refuse_a_tree_deeper_than_a_document_may_hold()
    {
        Assert.Throws<ContentTooDeepException>(() => RichMarkdown.Render([Chain(Depth)]));
        Assert.Throws<ContentTooDeepException>(() => RichNode.ToYNodes([Chain(Depth)]));
        Assert.Throws<ContentTooDeepException>(() => RichContent.ReplaceUpdate([], [Chain(Depth)]));
        Assert.Throws<ContentTooDeepException>(() => MarkdownImporter.Parse(new string('>', 1000) + " deep"));
        // Just within: 254 blockquotes around a paragraph's text is depth 256.
        Assert.NotEmpty(RichContent.ReplaceUpdate([], [Chain(UpdateLimits.DefaultMaxNestingDepth - 2)]));
        Assert.Throws<ContentTooDeepException>(() => RichContent.ReplaceUpdate([], [Chain(UpdateLimits.DefaultMaxNestingDepth - 1)]));
    }
}
