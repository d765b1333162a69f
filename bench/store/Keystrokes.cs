using Spotter.Collab.Bench;
using Spotter.Collab.Crdt;

namespace Spotter.Collab.StoreBench;

/// <summary>
/// One simulated typist: replays the automerge-paper trace keystroke by keystroke into its own Y.Doc and hands out
/// the V1 update of each keystroke, exactly what a browser's yjs sends. Only its own edits are in its doc, so every
/// update it produces is valid on top of the ones it produced before (wherever they were merged).
/// </summary>
internal sealed class Typist
{
    private readonly SequentialTrace _trace;
    private readonly Doc _doc;
    private readonly YText _text;
    private byte[]? _last;
    private int _txn;

    public Typist(SequentialTrace trace, ulong clientId, string root = "text")
    {
        _trace = trace;
        _doc = new Doc(new DocOptions { ClientId = clientId });
        _text = _doc.GetText(root);
        _doc.Updated += (_, e) => _last = e.Update;
    }

    /// <summary>True while the trace has keystrokes left.</summary>
    public bool HasNext => _txn < _trace.TxnCount;

    /// <summary>What this typist produced since <paramref name="stateVector"/> (all of it when empty), V1.</summary>
    public byte[] EncodeState(ReadOnlySpan<byte> stateVector = default) => _doc.EncodeStateAsUpdate(stateVector);

    public byte[] EncodeStateVector() => _doc.EncodeStateVector();

    /// <summary>The next keystroke's update. At the end of the trace it starts over: the trace's positions stay valid,
    /// the new round is typed in front of the finished text.</summary>
    public byte[] Next()
    {
        if (!HasNext) _txn = 0;
        var first = _trace.TxnStart[_txn];
        var end = _trace.TxnStart[_txn + 1];
        _last = null;
        _doc.Transact(_ =>
        {
            for (var p = first; p < end; p++)
            {
                if (_trace.DeleteCount[p] > 0) _text.Delete(_trace.Position[p], _trace.DeleteCount[p]);
                if (_trace.Inserted[p].Length > 0) _text.Insert(_trace.Position[p], _trace.Inserted[p]);
            }
        });
        _txn++;
        return _last ?? throw new InvalidOperationException("a keystroke transaction produced no update");
    }
}
