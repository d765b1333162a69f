using System.Text.RegularExpressions;

namespace Spotter.Collab.Grains.Notifications;

/// <summary>
/// Mentions of people: <c>@username</c> in comment text (after a space or at the start; a trailing '.', '-' or '_'
/// ends a sentence rather than the name), and <c>mention</c> nodes (attribute <c>id</c>: the username) in page content.
/// </summary>
public static partial class Mentions
{
    /// <summary>The node type of a mention in Tiptap content.</summary>
    public const string NodeType = KnowledgeBase.Content.RichNode.MentionType;

    /// <summary>Distinct usernames mentioned in <paramref name="text"/>, in order, at most
    /// <see cref="NotificationLimits.MaxRecipients"/>.</summary>
    public static IReadOnlyList<string> InText(string? text)
    {
        if (string.IsNullOrEmpty(text)) return [];
        var found = new List<string>();
        foreach (Match match in MentionPattern().Matches(text))
        {
            var username = match.Groups[1].Value.TrimEnd('.', '-', '_').ToLowerInvariant();
            if (username.Length > 0 && !found.Contains(username, StringComparer.Ordinal)) found.Add(username);
            if (found.Count == NotificationLimits.MaxRecipients) break;
        }
        return found;
    }

    [GeneratedRegex(@"(?<![\p{L}\p{N}_.@-])@([A-Za-z0-9][A-Za-z0-9_.-]{0,63})")]
    private static partial Regex MentionPattern();
}
