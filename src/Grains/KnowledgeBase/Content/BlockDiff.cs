namespace Spotter.Collab.Grains.KnowledgeBase.Content;

/// <summary>
/// Block-level comparison of two versions: each top-level block (rendered HTML) is kept, added or removed, along a
/// longest common subsequence, so a reader sees which paragraphs changed.
/// </summary>
public static class BlockDiff
{
    /// <summary>Beyond this many differing blocks on each side the table would be too large: report a full rewrite.</summary>
    private const int MaxMiddle = 4000;

    public static List<(BlockChange Change, string Html)> Compare(IReadOnlyList<string> from, IReadOnlyList<string> to)
    {
        ArgumentNullException.ThrowIfNull(from);
        ArgumentNullException.ThrowIfNull(to);
        var prefix = 0;
        while (prefix < from.Count && prefix < to.Count && from[prefix] == to[prefix]) prefix++;
        var suffix = 0;
        while (suffix < from.Count - prefix && suffix < to.Count - prefix && from[from.Count - 1 - suffix] == to[to.Count - 1 - suffix]) suffix++;

        var result = new List<(BlockChange, string)>(from.Count + to.Count);
        for (var i = 0; i < prefix; i++) result.Add((BlockChange.Same, from[i]));
        int n = from.Count - prefix - suffix, m = to.Count - prefix - suffix;
        if (n > MaxMiddle || m > MaxMiddle)
        {
            for (var i = 0; i < n; i++) result.Add((BlockChange.Removed, from[prefix + i]));
            for (var j = 0; j < m; j++) result.Add((BlockChange.Added, to[prefix + j]));
        }
        else
        {
            // lcs[i, j] = length of the LCS of from[i..] and to[j..] (middle parts only).
            var lcs = new int[n + 1, m + 1];
            for (var i = n - 1; i >= 0; i--)
            {
                for (var j = m - 1; j >= 0; j--)
                {
                    lcs[i, j] = from[prefix + i] == to[prefix + j] ? lcs[i + 1, j + 1] + 1 : Math.Max(lcs[i + 1, j], lcs[i, j + 1]);
                }
            }
            int a = 0, b = 0;
            while (a < n || b < m)
            {
                if (a < n && b < m && from[prefix + a] == to[prefix + b])
                {
                    result.Add((BlockChange.Same, from[prefix + a]));
                    a++;
                    b++;
                }
                else if (b < m && (a == n || lcs[a, b + 1] >= lcs[a + 1, b]))
                {
                    result.Add((BlockChange.Added, to[prefix + b]));
                    b++;
                }
                else
                {
                    result.Add((BlockChange.Removed, from[prefix + a]));
                    a++;
                }
            }
        }
        for (var i = from.Count - suffix; i < from.Count; i++) result.Add((BlockChange.Same, from[i]));
        return result;
    }
}
