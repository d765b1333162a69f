namespace Spotter.Collab.Grains.KnowledgeBase.Content;

/// <summary>
/// Images whose <c>src</c> points at another site: every reader's browser would fetch them, which tells that site
/// who read the page and when. Unless the deployment allows them (<see cref="KnowledgeBaseOptions.AllowExternalImages"/>),
/// imports drop them and exports leave them out; the web client refuses to insert them and the Content-Security-Policy
/// keeps browsers from loading them.
/// </summary>
public static class ExternalImages
{
    /// <summary>True for an absolute or protocol-relative URL (<c>https://…</c>, <c>//host/…</c>); attachments are
    /// same-origin paths (<c>/api/attachments/…</c>).</summary>
    public static bool IsExternal(string? src)
    {
        if (string.IsNullOrWhiteSpace(src)) return false;
        var trimmed = src.Trim();
        if (trimmed.StartsWith("//", StringComparison.Ordinal) || trimmed.StartsWith("\\\\", StringComparison.Ordinal)) return true;
        return Uri.TryCreate(trimmed, UriKind.Absolute, out var uri) && !uri.IsFile;
    }

    /// <summary>Removes every image with an external source from <paramref name="blocks"/> (in place, iteratively:
    /// content may nest deeply) and returns them; the count removed is in <paramref name="removed"/>.</summary>
    public static List<RichNode> Remove(List<RichNode> blocks, out int removed)
    {
        ArgumentNullException.ThrowIfNull(blocks);
        removed = 0;
        var pending = new Stack<List<RichNode>>();
        pending.Push(blocks);
        while (pending.TryPop(out var nodes))
        {
            removed += nodes.RemoveAll(node => node.Type == "image" && IsExternal(node.Attr("src") as string));
            foreach (var node in nodes)
            {
                if (node.Children.Count > 0) pending.Push(node.Children);
            }
        }
        return blocks;
    }
}
