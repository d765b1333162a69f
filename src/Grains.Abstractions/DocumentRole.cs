namespace Spotter.Collab.Grains;

/// <summary>A member's role on a document, ordered by what it allows.</summary>
public enum DocumentRole
{
    Viewer = 0,
    Commenter = 1,
    Editor = 2,
    Owner = 3,
}

public static class DocumentRoles
{
    /// <summary>The wire spelling: owner|editor|commenter|viewer.</summary>
    public static string ToWire(this DocumentRole role) => role switch
    {
        DocumentRole.Owner => "owner",
        DocumentRole.Editor => "editor",
        DocumentRole.Commenter => "commenter",
        DocumentRole.Viewer => "viewer",
        _ => throw new ArgumentOutOfRangeException(nameof(role)),
    };

    public static bool TryParse(string? text, out DocumentRole role)
    {
        switch (text)
        {
            case "owner": role = DocumentRole.Owner; return true;
            case "editor": role = DocumentRole.Editor; return true;
            case "commenter": role = DocumentRole.Commenter; return true;
            case "viewer": role = DocumentRole.Viewer; return true;
            default: role = default; return false;
        }
    }

    /// <summary>Whether the role may change document content.</summary>
    public static bool CanEdit(this DocumentRole role) => role >= DocumentRole.Editor;
}
