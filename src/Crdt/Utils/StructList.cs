using System.Collections;

namespace Spotter.Collab.Crdt;

/// <summary>
/// The structs of one client, sorted by clock, in fixed-size chunks. Splitting an old item inserts in the middle
/// of the list; chunks keep that O(chunk size) instead of moving the whole tail as a flat array would.
/// Each chunk has a parallel array of the structs' start clocks: finding the struct that holds a clock (done for
/// every origin while integrating) then binary-searches contiguous integers instead of dereferencing a struct
/// object per probe. A struct's start clock never changes while it is in the list (integration adjusts the id
/// before adding; splits keep the left part's start), so the copy cannot go stale.
/// </summary>
internal sealed class StructList : IEnumerable<AbstractStruct>
{
    private const int ChunkSize = 256;
    // The first chunk starts small and doubles up to ChunkSize: documents with many clients hold many short lists.
    private const int FirstChunkCapacity = 8;
    private AbstractStruct[][] _chunks = new AbstractStruct[4][];
    private uint[][] _clocks = new uint[4][];
    private int[] _counts = new int[4];
    private int[] _starts = new int[4];
    private int _chunkCount;
    private int _count;
    private int _cache;
    // Where FindIndex answered last (chunk, index in chunk): only a hint, checked against the clocks before use.
    private int _fingerChunk;
    private int _fingerLocal;
    private const int FingerReach = 8;

    internal StructList() { }

    internal StructList(IEnumerable<AbstractStruct> items)
    {
        foreach (var s in items) Add(s);
    }

    public int Count => _count;

    /// <summary>The struct with the highest clock (the list must not be empty).</summary>
    internal AbstractStruct Last
    {
        get
        {
            int c = _chunkCount - 1;
            return _chunks[c][_counts[c] - 1];
        }
    }

    public AbstractStruct this[int index]
    {
        get
        {
            int c = Locate(index);
            return _chunks[c][index - _starts[c]];
        }
        set
        {
            int c = Locate(index);
            Write(_chunks[c], index - _starts[c], value);
            _clocks[c][index - _starts[c]] = value.Id.Clock;
        }
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    private int Locate(int index)
    {
        int c = _cache;
        // Indexed access mostly walks one chunk (cleanup, delete ranges): checked inline, the rest out of line.
        if ((uint)c < (uint)_chunkCount && (uint)(index - _starts[c]) < (uint)_counts[c]) return c;
        return LocateSlow(index);
    }

    private int LocateSlow(int index)
    {
        if ((uint)index >= (uint)_count) throw new ArgumentOutOfRangeException(nameof(index));
        int c = _cache;
        if (c < _chunkCount && index >= _starts[c] && index < _starts[c] + _counts[c]) return c;
        if (c + 1 < _chunkCount && index >= _starts[c + 1] && index < _starts[c + 1] + _counts[c + 1]) return _cache = c + 1;
        int lo = 0, hi = _chunkCount - 1;
        while (lo < hi)
        {
            int mid = (lo + hi + 1) >>> 1;
            if (_starts[mid] <= index) lo = mid;
            else hi = mid - 1;
        }
        return _cache = lo;
    }

    public void Add(AbstractStruct s)
    {
        int last = _chunkCount - 1;
        if (last < 0 || _counts[last] == ChunkSize)
        {
            InsertChunk(_chunkCount, new AbstractStruct[_chunkCount == 0 ? FirstChunkCapacity : ChunkSize], new uint[_chunkCount == 0 ? FirstChunkCapacity : ChunkSize], 0);
            last = _chunkCount - 1;
        }
        else if (_counts[last] == _chunks[last].Length)
        {
            Grow(last);
        }
        int n = _counts[last]++;
        Write(_chunks[last], n, s);
        _clocks[last][n] = s.Id.Clock;
        _count++;
    }

    /// <summary>
    /// <c>array[index] = value</c> without the covariance check an element store into an array of a non-sealed
    /// class needs (it showed up in decoding profiles): every such array here is exactly an AbstractStruct[].
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    internal static void Write(AbstractStruct[] array, int index, AbstractStruct value)
    {
        if ((uint)index >= (uint)array.Length) throw new ArgumentOutOfRangeException(nameof(index));
        System.Runtime.CompilerServices.Unsafe.Add(ref System.Runtime.InteropServices.MemoryMarshal.GetArrayDataReference(array), index) = value;
    }

    private void Grow(int c)
    {
        int capacity = Math.Min(ChunkSize, _chunks[c].Length * 2);
        Array.Resize(ref _chunks[c], capacity);
        Array.Resize(ref _clocks[c], capacity);
    }

    public void Insert(int index, AbstractStruct s)
    {
        if (index == _count)
        {
            Add(s);
            return;
        }
        int c = Locate(index);
        if (_counts[c] == ChunkSize)
        {
            // Split the full chunk in two halves.
            var chunk = _chunks[c];
            var clocks = _clocks[c];
            var right = new AbstractStruct[ChunkSize];
            var rightClocks = new uint[ChunkSize];
            int half = ChunkSize / 2;
            Array.Copy(chunk, half, right, 0, ChunkSize - half);
            Array.Copy(clocks, half, rightClocks, 0, ChunkSize - half);
            Array.Clear(chunk, half, ChunkSize - half);
            _counts[c] = half;
            InsertChunk(c + 1, right, rightClocks, ChunkSize - half);
            c = Locate(index);
        }
        else if (_counts[c] == _chunks[c].Length)
        {
            Grow(c);
        }
        int local = index - _starts[c];
        var arr = _chunks[c];
        var clk = _clocks[c];
        int tail = _counts[c] - local;
        Array.Copy(arr, local, arr, local + 1, tail);
        Array.Copy(clk, local, clk, local + 1, tail);
        Write(arr, local, s);
        clk[local] = s.Id.Clock;
        _counts[c]++;
        for (int j = c + 1; j < _chunkCount; j++) _starts[j]++;
        _count++;
    }

    public void RemoveRange(int index, int n)
    {
        if (n <= 0) return;
        if (index < 0 || index + n > _count) throw new ArgumentOutOfRangeException(nameof(n));
        while (n > 0)
        {
            int c = Locate(index);
            int local = index - _starts[c];
            int take = Math.Min(n, _counts[c] - local);
            var arr = _chunks[c];
            var clk = _clocks[c];
            int tail = _counts[c] - local - take;
            Array.Copy(arr, local + take, arr, local, tail);
            Array.Copy(clk, local + take, clk, local, tail);
            _counts[c] -= take;
            Array.Clear(arr, _counts[c], take);
            _count -= take;
            n -= take;
            if (_counts[c] == 0)
            {
                RemoveChunk(c);
                RecomputeStarts();
            }
            else
            {
                for (int j = c + 1; j < _chunkCount; j++) _starts[j] -= take;
            }
        }
    }

    private void InsertChunk(int at, AbstractStruct[] chunk, uint[] clocks, int count)
    {
        if (_chunkCount == _chunks.Length)
        {
            Array.Resize(ref _chunks, _chunkCount * 2);
            Array.Resize(ref _clocks, _chunkCount * 2);
            Array.Resize(ref _counts, _chunkCount * 2);
            Array.Resize(ref _starts, _chunkCount * 2);
        }
        Array.Copy(_chunks, at, _chunks, at + 1, _chunkCount - at);
        Array.Copy(_clocks, at, _clocks, at + 1, _chunkCount - at);
        Array.Copy(_counts, at, _counts, at + 1, _chunkCount - at);
        _chunks[at] = chunk;
        _clocks[at] = clocks;
        _counts[at] = count;
        _chunkCount++;
        RecomputeStarts();
    }

    private void RemoveChunk(int at)
    {
        Array.Copy(_chunks, at + 1, _chunks, at, _chunkCount - at - 1);
        Array.Copy(_clocks, at + 1, _clocks, at, _chunkCount - at - 1);
        Array.Copy(_counts, at + 1, _counts, at, _chunkCount - at - 1);
        _chunkCount--;
        _chunks[_chunkCount] = null!;
        _clocks[_chunkCount] = null!;
        _cache = 0;
    }

    private void RecomputeStarts()
    {
        int s = 0;
        for (int i = 0; i < _chunkCount; i++)
        {
            _starts[i] = s;
            s += _counts[i];
        }
    }

    /// <summary>Index of the struct containing <paramref name="clock"/>, or -1.</summary>
    internal int FindIndex(uint clock)
    {
        if (_count == 0) return -1;
        // Fast path: integration mostly refers to the struct added last.
        int lastChunk = _chunkCount - 1;
        int lastLocal = _counts[lastChunk] - 1;
        if (clock >= _clocks[lastChunk][lastLocal])
        {
            var last = _chunks[lastChunk][lastLocal];
            return clock < last.Id.Clock + last.Length ? _count - 1 : -1;
        }
        // The list has no clock gaps, so the struct holding the clock is the last one starting at or before it.
        // Lookups cluster (delete ranges in clock order, an item's origins, cleanup after a transaction): look
        // near the previous answer first.
        int c = _fingerChunk;
        if ((uint)c <= (uint)lastChunk)
        {
            var near = _clocks[c];
            int n = _counts[c];
            int l = _fingerLocal;
            if ((uint)l < (uint)n)
            {
                if (near[l] <= clock)
                {
                    int limit = Math.Min(n, l + FingerReach);
                    int k = l + 1;
                    while (k < limit && near[k] <= clock) k++;
                    if (k < limit || (k == n && (c == lastChunk || clock < _clocks[c + 1][0])))
                    {
                        return Found(c, k - 1);
                    }
                }
                else
                {
                    int limit = Math.Max(0, l - FingerReach);
                    int k = l - 1;
                    while (k >= limit && near[k] > clock) k--;
                    if (k >= limit) return Found(c, k);
                }
            }
        }
        if (clock < _clocks[0][0]) return -1;
        {
            // Chunks are sorted by clock: the last chunk whose first struct starts at or before the clock.
            int lo = 0, hi = lastChunk;
            while (lo < hi)
            {
                int mid = (lo + hi + 1) >>> 1;
                if (_clocks[mid][0] <= clock) lo = mid;
                else hi = mid - 1;
            }
            c = lo;
        }
        // Branch-free halving (the comparison becomes a conditional move): the outcome of each probe is
        // unpredictable, and mispredicted branches cost more than the probes.
        var clocks = _clocks[c];
        int at = 0;
        for (int n = _counts[c]; n > 1;)
        {
            int half = n >>> 1;
            at = clocks[at + half] <= clock ? at + half : at;
            n -= half;
        }
        return Found(c, at);
    }

    private int Found(int chunk, int local)
    {
        _cache = chunk; // the caller usually reads the struct next
        _fingerChunk = chunk;
        _fingerLocal = local;
        return _starts[chunk] + local;
    }

    public IEnumerator<AbstractStruct> GetEnumerator()
    {
        for (int c = 0; c < _chunkCount; c++)
        {
            var arr = _chunks[c];
            for (int i = 0; i < _counts[c]; i++) yield return arr[i];
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
