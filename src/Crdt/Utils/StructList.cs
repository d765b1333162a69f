using System.Collections;

namespace Spotter.Collab.Crdt;

/// <summary>
/// The structs of one client, sorted by clock, in fixed-size chunks. Splitting an old item inserts in the middle
/// of the list; chunks keep that O(chunk size) instead of moving the whole tail as a flat array would.
/// </summary>
internal sealed class StructList : IEnumerable<AbstractStruct>
{
    private const int ChunkSize = 256;
    private AbstractStruct[][] _chunks = new AbstractStruct[4][];
    private int[] _counts = new int[4];
    private int[] _starts = new int[4];
    private int _chunkCount;
    private int _count;
    private int _cache;

    internal StructList() { }

    internal StructList(IEnumerable<AbstractStruct> items)
    {
        foreach (var s in items) Add(s);
    }

    public int Count => _count;

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
            _chunks[c][index - _starts[c]] = value;
        }
    }

    private int Locate(int index)
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
        if (_chunkCount == 0 || _counts[_chunkCount - 1] == ChunkSize)
        {
            InsertChunk(_chunkCount, new AbstractStruct[ChunkSize], 0);
        }
        int last = _chunkCount - 1;
        _chunks[last][_counts[last]++] = s;
        _count++;
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
            var right = new AbstractStruct[ChunkSize];
            int half = ChunkSize / 2;
            Array.Copy(chunk, half, right, 0, ChunkSize - half);
            Array.Clear(chunk, half, ChunkSize - half);
            _counts[c] = half;
            InsertChunk(c + 1, right, ChunkSize - half);
            c = Locate(index);
        }
        int local = index - _starts[c];
        var arr = _chunks[c];
        Array.Copy(arr, local, arr, local + 1, _counts[c] - local);
        arr[local] = s;
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
            Array.Copy(arr, local + take, arr, local, _counts[c] - local - take);
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

    private void InsertChunk(int at, AbstractStruct[] chunk, int count)
    {
        if (_chunkCount == _chunks.Length)
        {
            Array.Resize(ref _chunks, _chunkCount * 2);
            Array.Resize(ref _counts, _chunkCount * 2);
            Array.Resize(ref _starts, _chunkCount * 2);
        }
        Array.Copy(_chunks, at, _chunks, at + 1, _chunkCount - at);
        Array.Copy(_counts, at, _counts, at + 1, _chunkCount - at);
        _chunks[at] = chunk;
        _counts[at] = count;
        _chunkCount++;
        RecomputeStarts();
    }

    private void RemoveChunk(int at)
    {
        Array.Copy(_chunks, at + 1, _chunks, at, _chunkCount - at - 1);
        Array.Copy(_counts, at + 1, _counts, at, _chunkCount - at - 1);
        _chunkCount--;
        _chunks[_chunkCount] = null!;
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
        var lastChunk = _chunks[_chunkCount - 1];
        var last = lastChunk[_counts[_chunkCount - 1] - 1];
        if (clock >= last.Id.Clock)
        {
            return clock < last.Id.Clock + last.Length ? _count - 1 : -1;
        }
        // Chunks are sorted by clock: find the last chunk whose first struct starts at or before the clock.
        int lo = 0, hi = _chunkCount - 1;
        while (lo < hi)
        {
            int mid = (lo + hi + 1) >>> 1;
            if (_chunks[mid][0].Id.Clock <= clock) lo = mid;
            else hi = mid - 1;
        }
        var arr = _chunks[lo];
        int l = 0, r = _counts[lo] - 1;
        while (l <= r)
        {
            int mid = (l + r) >>> 1;
            var s = arr[mid];
            if (s.Id.Clock > clock) r = mid - 1;
            else if (clock >= s.Id.Clock + s.Length) l = mid + 1;
            else
            {
                _cache = lo;
                return _starts[lo] + mid;
            }
        }
        return -1;
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
