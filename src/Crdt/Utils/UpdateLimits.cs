namespace Spotter.Collab.Crdt;

/// <summary>
/// How many structs one update may hold. A V1 struct takes at least one byte, so V1 input is also bounded by its
/// length; V2 run-length columns are not: a real yjs update of text typed backwards and then deleted (gc on)
/// holds a million structs in 50 bytes. So V2 input is bounded by this count (and by the V2 decoder's read
/// budget), never by bytes per struct.
/// </summary>
public static class UpdateLimits
{
    /// <summary>The default: 4 Mi structs, about what the V2 read budget allows for a tiny update.</summary>
    public const int DefaultMaxStructsPerUpdate = 1 << 22;

    /// <summary>
    /// The default bound on how deeply shared types may nest (a root type is depth 0, a type inside it depth 1).
    /// Rich-text editors stay far below it: a Tiptap page with a table in a list in a quote is about 10 deep, and
    /// ProseMirror itself struggles long before 100. Deeper updates are rejected as malformed: they can only come from
    /// a crafted client, and every consumer (editors, exporters) would have to walk them.
    /// </summary>
    public const int DefaultMaxNestingDepth = 256;

    /// <summary>The struct budget for an update of <paramref name="length"/> bytes.</summary>
    internal static long StructBudget(int length, bool v2, int maxStructs) =>
        v2 ? maxStructs : Math.Min(maxStructs, Math.Max(1024, length * 32L));
}
