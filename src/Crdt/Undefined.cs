namespace Spotter.Collab.Crdt;

/// <summary>
/// JavaScript's <c>undefined</c>, which Yjs content can carry and which is distinct from <c>null</c>
/// (lib0 any-encoding tag 127).
/// </summary>
public sealed class Undefined
{
    public static readonly Undefined Value = new();

    private Undefined()
    {
    }

    public override string ToString() => "undefined";
}
