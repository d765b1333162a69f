namespace Spotter.Collab.Grains.Access;

/// <summary>
/// Each parent's child pages, kept beside the model so a tree walk or a sibling placement touches only the pages
/// involved, never every resource of the organisation (100,000 pages and more). <see cref="Organization"/> keeps it
/// current on every change of a page's parent; nothing else sets <see cref="ResourceEntry.ParentId"/> for good.
/// </summary>
public sealed class PageChildren
{
    private readonly Dictionary<string, List<ResourceEntry>> _children = new(StringComparer.Ordinal);

    public PageChildren(IEnumerable<ResourceEntry> resources)
    {
        ArgumentNullException.ThrowIfNull(resources);
        foreach (var resource in resources) Add(resource);
    }

    /// <summary>The pages directly under <paramref name="parentId"/>, in no particular order.</summary>
    public IReadOnlyList<ResourceEntry> Of(string parentId) =>
        _children.TryGetValue(parentId, out var list) ? list : [];

    public void Add(ResourceEntry page)
    {
        ArgumentNullException.ThrowIfNull(page);
        if (page.Kind != ResourceKind.Page || page.ParentId is null) return;
        if (!_children.TryGetValue(page.ParentId, out var list)) _children[page.ParentId] = list = [];
        list.Add(page);
    }

    /// <summary>Forgets <paramref name="page"/> under <paramref name="parentId"/> (its parent before a move).</summary>
    public void Remove(ResourceEntry page, string? parentId)
    {
        ArgumentNullException.ThrowIfNull(page);
        if (parentId is null || !_children.TryGetValue(parentId, out var list)) return;
        list.Remove(page);
        if (list.Count == 0) _children.Remove(parentId);
    }
}
