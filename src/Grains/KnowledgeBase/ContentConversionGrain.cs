using System.Text;
using Orleans.Concurrency;
using Spotter.Collab.Crdt;
using Spotter.Collab.Grains.KnowledgeBase.Content;

namespace Spotter.Collab.Grains.KnowledgeBase;

/// <summary>Stateless: activates wherever it is called, so conversions spread over the silos.</summary>
[StatelessWorker]
public sealed class ContentConversionGrain(IGrainFactory grains) : Grain, IContentConversionGrain
{
    /// <summary>Longest base64 anchor end accepted (an encoded relative position is a few dozen bytes).</summary>
    private const int MaxAnchorLength = 512;

    public Task<RenderedContent> Render(byte[] state)
    {
        var blocks = RichContent.Read(state);
        return Task.FromResult(new RenderedContent(RichHtml.Render(blocks), RichMarkdown.Render(blocks)));
    }

    public Task<IReadOnlyList<ComparedBlock>> Compare(byte[] fromState, byte[] toState)
    {
        var diff = BlockDiff.Compare(RichHtml.RenderBlocks(RichContent.Read(fromState)), RichHtml.RenderBlocks(RichContent.Read(toState)));
        return Task.FromResult<IReadOnlyList<ComparedBlock>>(diff.Select(d => new ComparedBlock(d.Change, d.Html)).ToList());
    }

    public Task<ImportedContent> ImportMarkdown(string markdown, bool allowExternalImages)
    {
        try
        {
            var imported = MarkdownImporter.Parse(markdown);
            if (!allowExternalImages) ExternalImages.Remove(imported, out _);
            return Task.FromResult(new ImportedContent(RichContent.ReplaceUpdate([], imported), null));
        }
        catch (ContentTooDeepException ex)
        {
            return Task.FromResult(new ImportedContent(null, ex.Message));
        }
    }

    public async Task<string> Export(string title, IReadOnlyList<ExportedPage> pages, bool markdown, bool allowExternalImages)
    {
        ArgumentNullException.ThrowIfNull(pages);
        var text = new StringBuilder();
        var html = new StringBuilder("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>");
        RichHtml.Escape(title, html);
        html.Append("</title></head><body>");
        foreach (var page in pages)
        {
            var blocks = RichContent.Read(await grains.GetGrain<IDocumentGrain>(page.Id).EncodeState());
            if (!allowExternalImages) ExternalImages.Remove(blocks, out _);
            var level = Math.Min(page.Depth + 1, 6);
            if (markdown)
            {
                if (text.Length > 0) text.Append('\n');
                text.Append('#', level).Append(' ').Append(page.Title).Append("\n\n").Append(RichMarkdown.Render(blocks));
            }
            else
            {
                html.Append("<section><h").Append(level).Append('>');
                RichHtml.Escape(page.Title, html);
                html.Append("</h").Append(level).Append('>').Append(RichHtml.Render(blocks)).Append("</section>");
            }
        }
        html.Append("</body></html>");
        return markdown ? text.ToString() : html.ToString();
    }

    public Task<bool> IsAnchor(CommentAnchor anchor)
    {
        ArgumentNullException.ThrowIfNull(anchor);
        return Task.FromResult(IsRelativePosition(anchor.Start) && IsRelativePosition(anchor.End));
    }

    /// <summary>True when the value is base64 of exactly one encoded Yjs relative position (decoded by the engine).</summary>
    private static bool IsRelativePosition(string? base64)
    {
        if (string.IsNullOrEmpty(base64) || base64.Length > MaxAnchorLength) return false;
        try
        {
            var bytes = Convert.FromBase64String(base64);
            // Exactly one encoded position: re-encoding must give the same bytes (no trailing garbage).
            return RelativePosition.Decode(bytes).Encode().AsSpan().SequenceEqual(bytes);
        }
        catch (Exception ex) when (ex is FormatException or CrdtFormatException)
        {
            return false;
        }
    }
}
