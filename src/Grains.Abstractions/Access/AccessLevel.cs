namespace Spotter.Collab.Grains.Access;

/// <summary>What a principal may do with a resource, ordered: each level includes the ones below it.</summary>
public enum AccessLevel
{
    None = 0,
    View = 1,
    Comment = 2,
    Edit = 3,
    Manage = 4,
}

public static class AccessLevels
{
    /// <summary>The wire spelling: none|view|comment|edit|manage.</summary>
    public static string ToWire(this AccessLevel level) => level switch
    {
        AccessLevel.None => "none",
        AccessLevel.View => "view",
        AccessLevel.Comment => "comment",
        AccessLevel.Edit => "edit",
        AccessLevel.Manage => "manage",
        _ => throw new ArgumentOutOfRangeException(nameof(level)),
    };

    /// <summary>Parses view|comment|edit|manage (never "none": nobody grants nothing).</summary>
    public static bool TryParseGrantable(string? text, out AccessLevel level)
    {
        switch (text)
        {
            case "view": level = AccessLevel.View; return true;
            case "comment": level = AccessLevel.Comment; return true;
            case "edit": level = AccessLevel.Edit; return true;
            case "manage": level = AccessLevel.Manage; return true;
            default: level = AccessLevel.None; return false;
        }
    }

    /// <summary>The hub role of a level; null for <see cref="AccessLevel.None"/> (no access).</summary>
    public static DocumentRole? ToRole(this AccessLevel level) => level switch
    {
        AccessLevel.View => DocumentRole.Viewer,
        AccessLevel.Comment => DocumentRole.Commenter,
        AccessLevel.Edit => DocumentRole.Editor,
        AccessLevel.Manage => DocumentRole.Owner,
        _ => null,
    };

    public static AccessLevel ToLevel(this DocumentRole role) => role switch
    {
        DocumentRole.Viewer => AccessLevel.View,
        DocumentRole.Commenter => AccessLevel.Comment,
        DocumentRole.Editor => AccessLevel.Edit,
        DocumentRole.Owner => AccessLevel.Manage,
        _ => throw new ArgumentOutOfRangeException(nameof(role)),
    };

    public static AccessLevel Min(AccessLevel a, AccessLevel b) => a < b ? a : b;

    public static AccessLevel Max(AccessLevel a, AccessLevel b) => a > b ? a : b;
}
