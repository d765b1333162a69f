namespace Spotter.Collab.Crdt;

/// <summary>A run of consecutive clocks of one client: an <see cref="Item"/>, a <see cref="GC"/> or a <see cref="Skip"/>.</summary>
public abstract class AbstractStruct
{
    // The id as two fields rather than an Id struct: the struct's padding plus Length would take 24 bytes
    // per struct, these take 16.
    private ulong _client;
    private uint _clock;
    internal uint Length;

    protected AbstractStruct(Id id, uint length)
    {
        _client = id.Client;
        _clock = id.Clock;
        Length = length;
    }

    internal Id Id
    {
        get => new(_client, _clock);
        set
        {
            _client = value.Client;
            _clock = value.Clock;
        }
    }

    public Id StructId => Id;
    public uint StructLength => Length;
    public abstract bool Deleted { get; }

    internal abstract bool MergeWith(AbstractStruct right);
    internal abstract void Write(IUpdateEncoder encoder, uint offset);
    internal abstract void Integrate(Transaction transaction, uint offset);

    /// <summary>The client whose missing struct this one depends on, or null when it can be integrated.</summary>
    internal virtual bool TryGetMissing(Transaction transaction, StructStore store, out ulong missingClient)
    {
        missingClient = 0;
        return false;
    }
}

/// <summary>A garbage-collected range: content and position are gone, only the clock range remains.</summary>
internal sealed class GC : AbstractStruct
{
    internal const byte StructRef = 0;

    internal GC(Id id, uint length) : base(id, length) { }

    public override bool Deleted => true;

    internal override bool MergeWith(AbstractStruct right)
    {
        if (right is not GC) return false;
        Length += right.Length;
        return true;
    }

    internal override void Integrate(Transaction transaction, uint offset)
    {
        if (offset > 0)
        {
            Id = new Id(Id.Client, Id.Clock + offset);
            Length -= offset;
        }
        transaction.Doc.Store.AddStruct(this);
    }

    internal override void Write(IUpdateEncoder encoder, uint offset)
    {
        encoder.WriteInfo(StructRef);
        encoder.WriteLen(Length - offset);
    }
}

/// <summary>A hole in an update (produced by merging updates): nothing to apply.</summary>
internal sealed class Skip : AbstractStruct
{
    internal const byte StructRef = 10;

    internal Skip(Id id, uint length) : base(id, length) { }

    public override bool Deleted => true;

    internal override bool MergeWith(AbstractStruct right)
    {
        if (right is not Skip) return false;
        Length += right.Length;
        return true;
    }

    internal override void Integrate(Transaction transaction, uint offset) =>
        throw new InvalidOperationException("A Skip struct cannot be integrated.");

    internal override void Write(IUpdateEncoder encoder, uint offset)
    {
        encoder.WriteInfo(StructRef);
        // Skips are written as plain varuints: length prediction does not apply to them.
        encoder.Rest.WriteVarUint(Length - offset);
    }
}
