namespace Spotter.Collab.Crdt;

/// <summary>Identifies one element of the CRDT: the inserting client and its logical clock.</summary>
public readonly record struct Id(ulong Client, uint Clock)
{
    public override string ToString() => $"{Client}:{Clock}";
}
