namespace Spotter.Collab.Crdt;

/// <summary>Reads the structs of an update one at a time, without a document.</summary>
internal sealed class LazyStructReader
{
    private readonly IUpdateDecoder _decoder;
    private readonly bool _filterSkips;
    private ulong _clientsLeft;
    private ulong _structsLeft;
    private ulong _client;
    private uint _clock;
    private long _budget;

    internal LazyStructReader(IUpdateDecoder decoder, bool filterSkips, long budget)
    {
        _decoder = decoder;
        _filterSkips = filterSkips;
        _budget = budget;
        _clientsLeft = decoder.Rest.ReadVarUint();
        Next();
    }

    internal AbstractStruct? Curr { get; private set; }

    internal AbstractStruct? Next()
    {
        do
        {
            Curr = ReadOne();
        } while (_filterSkips && Curr is Skip);
        return Curr;
    }

    private AbstractStruct? ReadOne()
    {
        while (_structsLeft == 0)
        {
            if (_clientsLeft == 0) return null;
            _clientsLeft--;
            _structsLeft = _decoder.Rest.ReadVarUint();
            _client = _decoder.ReadClient();
            ulong clock = _decoder.Rest.ReadVarUint();
            if (clock > uint.MaxValue) throw new CrdtFormatException("Clock exceeds the clock space.");
            _clock = (uint)clock;
        }
        _structsLeft--;
        if (--_budget < 0) throw new CrdtFormatException("Struct count exceeds the limit per update or what the input can hold.");
        byte info = _decoder.ReadInfo();
        AbstractStruct s;
        var id = new Id(_client, _clock);
        if (info == 10)
        {
            ulong len = _decoder.Rest.ReadVarUint();
            if (len > uint.MaxValue) throw new CrdtFormatException("Length exceeds the clock space.");
            s = new Skip(id, (uint)len);
        }
        else if ((info & 0x1F) != 0)
        {
            if ((info & 0x1F) > 9) throw new CrdtFormatException($"Unknown struct type {info & 0x1F}.");
            bool cantCopyParentInfo = (info & 0xC0) == 0;
            Id? origin = (info & 0x80) != 0 ? _decoder.ReadLeftId() : null;
            Id? rightOrigin = (info & 0x40) != 0 ? _decoder.ReadRightId() : null;
            object? parentRef = cantCopyParentInfo ? (_decoder.ReadParentInfo() ? _decoder.ReadString() : _decoder.ReadLeftId()) : null;
            string? parentSub = cantCopyParentInfo && (info & 0x20) != 0 ? _decoder.ReadString() : null;
            s = new Item(id, null, origin, null, rightOrigin, null, parentRef, parentSub, AbstractContent.Read(_decoder, info));
        }
        else
        {
            s = new GC(id, _decoder.ReadLen());
        }
        if (s.Length == 0) throw new CrdtFormatException("Struct of length zero.");
        if ((ulong)_clock + s.Length > uint.MaxValue) throw new CrdtFormatException("Struct exceeds the clock space.");
        _clock += s.Length;
        return s;
    }
}

/// <summary>
/// Writes structs grouped in per-client runs. The number of runs is only known at the end, so the rest
/// stream is rearranged when finishing (yjs swaps rest encoders; recording offsets has the same result).
/// </summary>
internal sealed class LazyStructWriter(IUpdateEncoder encoder)
{
    private readonly IUpdateEncoder _encoder = encoder;
    private readonly List<(int Written, int Start, int End)> _blocks = [];
    private ulong _currClient;
    private int _written;
    private int _blockStart;

    internal IUpdateEncoder Encoder => _encoder;

    internal void Write(AbstractStruct s, uint offset)
    {
        if (_written > 0 && _currClient != s.Id.Client) Flush();
        if (_written == 0)
        {
            _currClient = s.Id.Client;
            _encoder.WriteClient(s.Id.Client);
            _encoder.Rest.WriteVarUint(s.Id.Clock + offset);
        }
        s.Write(_encoder, offset);
        _written++;
    }

    private void Flush()
    {
        if (_written == 0) return;
        int end = _encoder.Rest.Length;
        _blocks.Add((_written, _blockStart, end));
        _blockStart = end;
        _written = 0;
    }

    internal void Finish()
    {
        Flush();
        var rest = _encoder.Rest;
        var bytes = rest.WrittenSpan[..rest.Length].ToArray();
        rest.Clear();
        rest.WriteVarUint((uint)_blocks.Count);
        foreach (var (written, start, end) in _blocks)
        {
            rest.WriteVarUint((uint)written);
            rest.WriteUint8Array(bytes.AsSpan(start, end - start));
        }
    }
}

/// <summary>Update-level operations that need no document (yjs mergeUpdates, diffUpdate, ...).</summary>
public static class Updates
{
    private static long Budget(int length, bool v2) => UpdateLimits.StructBudget(length, v2, UpdateLimits.DefaultMaxStructsPerUpdate);

    public static byte[] Merge(IEnumerable<byte[]> updatesV1) => MergeCore(updatesV1.ToList(), v2: false);
    public static byte[] MergeV2(IEnumerable<byte[]> updatesV2) => MergeCore(updatesV2.ToList(), v2: true);

    private static byte[] MergeCore(List<byte[]> updates, bool v2)
    {
        if (updates.Count == 1) return updates[0];
        var readers = new List<Lib0Reader>(updates.Count);
        foreach (var u in updates) readers.Add(new Lib0Reader(u));
        return Codec.Guard(readers[0], _ => MergeDecoded(updates, readers, v2));
    }

    private static int CompareReaders(LazyStructReader a, LazyStructReader b)
    {
        var x = a.Curr!;
        var y = b.Curr!;
        if (x.Id.Client == y.Id.Client)
        {
            int clockDiff = x.Id.Clock.CompareTo(y.Id.Clock);
            if (clockDiff != 0) return clockDiff;
            if (x.GetType() == y.GetType()) return 0;
            return x is Skip ? 1 : -1;
        }
        return y.Id.Client.CompareTo(x.Id.Client);
    }

    private static byte[] MergeDecoded(List<byte[]> updates, List<Lib0Reader> readers, bool v2)
    {
        var decoders = new List<IUpdateDecoder>(updates.Count);
        var lazyReaders = new List<LazyStructReader>(updates.Count);
        for (int i = 0; i < updates.Count; i++)
        {
            var d = Codec.UpdateDecoder(readers[i], v2);
            decoders.Add(d);
            lazyReaders.Add(new LazyStructReader(d, filterSkips: true, Budget(updates[i].Length, v2)));
        }
        AbstractStruct? currWrite = null;
        uint currWriteOffset = 0;
        var encoder = Codec.UpdateEncoder(v2);
        var writer = new LazyStructWriter(encoder);
        while (true)
        {
            lazyReaders.RemoveAll(static r => r.Curr is null);
            // A stable sort, like JavaScript's Array.prototype.sort.
            StableSort(lazyReaders);
            if (lazyReaders.Count == 0) break;
            var currDecoder = lazyReaders[0];
            ulong firstClient = currDecoder.Curr!.Id.Client;
            if (currWrite is not null)
            {
                var curr = currDecoder.Curr;
                bool iterated = false;
                // Skip structs already covered by what is being written.
                while (curr is not null && curr.Id.Clock + curr.Length <= currWrite.Id.Clock + currWrite.Length && curr.Id.Client >= currWrite.Id.Client)
                {
                    curr = currDecoder.Next();
                    iterated = true;
                }
                if (curr is null || curr.Id.Client != firstClient || (iterated && curr.Id.Clock > currWrite.Id.Clock + currWrite.Length))
                {
                    continue;
                }
                if (firstClient != currWrite.Id.Client)
                {
                    writer.Write(currWrite, currWriteOffset);
                    currWrite = curr;
                    currWriteOffset = 0;
                    currDecoder.Next();
                }
                else if (currWrite.Id.Clock + currWrite.Length < curr.Id.Clock)
                {
                    // A gap: represent it with a Skip.
                    if (currWrite is Skip)
                    {
                        currWrite.Length = curr.Id.Clock + curr.Length - currWrite.Id.Clock;
                    }
                    else
                    {
                        writer.Write(currWrite, currWriteOffset);
                        uint diff = curr.Id.Clock - currWrite.Id.Clock - currWrite.Length;
                        currWrite = new Skip(new Id(firstClient, currWrite.Id.Clock + currWrite.Length), diff);
                        currWriteOffset = 0;
                    }
                }
                else
                {
                    uint diff = currWrite.Id.Clock + currWrite.Length - curr.Id.Clock;
                    if (diff > 0)
                    {
                        if (currWrite is Skip) currWrite.Length -= diff;
                        else curr = SliceStruct(curr, diff);
                    }
                    if (!(currWrite.GetType() == curr.GetType() && currWrite.MergeWith(curr)))
                    {
                        writer.Write(currWrite, currWriteOffset);
                        currWrite = curr;
                        currWriteOffset = 0;
                        currDecoder.Next();
                    }
                }
            }
            else
            {
                currWrite = currDecoder.Curr;
                currWriteOffset = 0;
                currDecoder.Next();
            }
            for (var next = currDecoder.Curr;
                 next is not null && next.Id.Client == firstClient && next.Id.Clock == currWrite!.Id.Clock + currWrite.Length && next is not Skip;
                 next = currDecoder.Next())
            {
                writer.Write(currWrite, currWriteOffset);
                currWrite = next;
                currWriteOffset = 0;
            }
        }
        if (currWrite is not null) writer.Write(currWrite, currWriteOffset);
        writer.Finish();
        var dss = new List<DeleteSet>(decoders.Count);
        foreach (var d in decoders) dss.Add(DeleteSet.Read(d));
        DeleteSet.Merge(dss).Write(encoder);
        return encoder.ToArray();
    }

    private static void StableSort(List<LazyStructReader> readers)
    {
        // Insertion sort: few readers, and it is stable.
        for (int i = 1; i < readers.Count; i++)
        {
            var x = readers[i];
            int j = i - 1;
            while (j >= 0 && CompareReaders(readers[j], x) > 0)
            {
                readers[j + 1] = readers[j];
                j--;
            }
            readers[j + 1] = x;
        }
    }

    private static AbstractStruct SliceStruct(AbstractStruct left, uint diff)
    {
        var id = new Id(left.Id.Client, left.Id.Clock + diff);
        return left switch
        {
            GC => new GC(id, left.Length - diff),
            Skip => new Skip(id, left.Length - diff),
            Item item => new Item(id, null, new Id(id.Client, id.Clock - 1), null, item.RightOrigin, null, item.ParentRef, item.ParentSub, item.Content.Splice((int)diff)),
            _ => throw new InvalidOperationException("Unknown struct."),
        };
    }

    public static byte[] Diff(ReadOnlySpan<byte> updateV1, ReadOnlySpan<byte> stateVector) => DiffCore(updateV1, stateVector, v2: false);
    public static byte[] DiffV2(ReadOnlySpan<byte> updateV2, ReadOnlySpan<byte> stateVector) => DiffCore(updateV2, stateVector, v2: true);

    private static byte[] DiffCore(ReadOnlySpan<byte> update, ReadOnlySpan<byte> stateVector, bool v2)
    {
        var state = UpdateWriter.DecodeStateVector(stateVector);
        long budget = Budget(update.Length, v2);
        return Codec.Guard(update, reader =>
        {
            var encoder = Codec.UpdateEncoder(v2);
            var writer = new LazyStructWriter(encoder);
            var decoder = Codec.UpdateDecoder(reader, v2);
            var lazy = new LazyStructReader(decoder, filterSkips: false, budget);
            while (lazy.Curr is { } curr)
            {
                ulong client = curr.Id.Client;
                uint svClock = state.GetValueOrDefault(client);
                if (curr is Skip)
                {
                    lazy.Next();
                    continue;
                }
                if (curr.Id.Clock + curr.Length > svClock)
                {
                    writer.Write(curr, svClock > curr.Id.Clock ? svClock - curr.Id.Clock : 0);
                    lazy.Next();
                    while (lazy.Curr is { } c && c.Id.Client == client)
                    {
                        writer.Write(c, 0);
                        lazy.Next();
                    }
                }
                else
                {
                    while (lazy.Curr is { } c && c.Id.Client == client && c.Id.Clock + c.Length <= svClock) lazy.Next();
                }
            }
            writer.Finish();
            DeleteSet.Read(decoder).Write(encoder);
            return encoder.ToArray();
        });
    }

    public static byte[] StateVectorOf(ReadOnlySpan<byte> updateV1) => StateVectorCore(updateV1, v2: false);
    public static byte[] StateVectorOfV2(ReadOnlySpan<byte> updateV2) => StateVectorCore(updateV2, v2: true);

    /// <summary>The state vector an update brings a fresh document to (clients whose structs start at 0 and have no gap).</summary>
    private static byte[] StateVectorCore(ReadOnlySpan<byte> update, bool v2)
    {
        long budget = Budget(update.Length, v2);
        var sv = Codec.Guard(update, reader =>
        {
            var result = new List<(ulong Client, uint Clock)>();
            var lazy = new LazyStructReader(Codec.UpdateDecoder(reader, v2), filterSkips: false, budget);
            var curr = lazy.Curr;
            if (curr is null) return result;
            ulong currClient = curr.Id.Client;
            bool stopCounting = curr.Id.Clock != 0;
            uint currClock = stopCounting ? 0 : curr.Id.Clock + curr.Length;
            for (; curr is not null; curr = lazy.Next())
            {
                if (currClient != curr.Id.Client)
                {
                    if (currClock != 0) result.Add((currClient, currClock));
                    currClient = curr.Id.Client;
                    currClock = 0;
                    stopCounting = curr.Id.Clock != 0;
                }
                if (curr is Skip) stopCounting = true;
                if (!stopCounting) currClock = curr.Id.Clock + curr.Length;
            }
            if (currClock != 0) result.Add((currClient, currClock));
            return result;
        });
        // Written in update order (not sorted), exactly like yjs encodeStateVectorFromUpdate.
        IDSEncoder encoder = v2 ? new DSEncoderV2() : new DSEncoderV1();
        encoder.Rest.WriteVarUint((uint)sv.Count);
        foreach (var (client, clock) in sv)
        {
            encoder.Rest.WriteVarUint(client);
            encoder.Rest.WriteVarUint(clock);
        }
        return encoder.ToArray();
    }

    public static byte[] V1ToV2(ReadOnlySpan<byte> v1) => Convert(v1, fromV2: false);
    public static byte[] V2ToV1(ReadOnlySpan<byte> v2) => Convert(v2, fromV2: true);

    private static byte[] Convert(ReadOnlySpan<byte> update, bool fromV2)
    {
        long budget = Budget(update.Length, fromV2);
        return Codec.Guard(update, reader =>
        {
            var decoder = Codec.UpdateDecoder(reader, fromV2);
            var lazy = new LazyStructReader(decoder, filterSkips: false, budget);
            var encoder = Codec.UpdateEncoder(!fromV2);
            var writer = new LazyStructWriter(encoder);
            for (var curr = lazy.Curr; curr is not null; curr = lazy.Next()) writer.Write(curr, 0);
            writer.Finish();
            DeleteSet.Read(decoder).Write(encoder);
            return encoder.ToArray();
        });
    }
}
