using System.Text;

namespace Spotter.Collab.Crdt;

/// <summary>
/// Text content. Kept in a growable char buffer because consecutive typing merges items one character at a time;
/// appending to a buffer is amortised O(1) where string concatenation would copy the whole run each time.
/// </summary>
public sealed class ContentString : AbstractContent
{
    private char[] _chars;
    private int _length;

    internal ContentString(string text)
    {
        _chars = text.ToCharArray();
        _length = _chars.Length;
    }

    private ContentString(char[] chars, int length)
    {
        _chars = chars;
        _length = length;
    }

    internal ReadOnlySpan<char> Span => _chars.AsSpan(0, _length);
    internal string Str => new(_chars, 0, _length);
    internal override uint Length => (uint)_length;
    internal override bool IsCountable => true;
    internal override byte Ref => 4;

    internal void AppendTo(StringBuilder sb) => sb.Append(_chars, 0, _length);

    internal override void GetContent(List<object?> target)
    {
        for (int i = 0; i < _length; i++) target.Add(_chars[i].ToString());
    }

    internal override AbstractContent Copy() => new ContentString(_chars.AsSpan(0, _length).ToArray(), _length);

    internal override AbstractContent Splice(int offset)
    {
        var rightChars = _chars.AsSpan(offset, _length - offset).ToArray();
        var right = new ContentString(rightChars, rightChars.Length);
        _length = offset;
        // Never split a surrogate pair: like yjs, both halves become U+FFFD so the document stays valid UTF-16.
        if (offset > 0 && char.IsHighSurrogate(_chars[offset - 1]))
        {
            _chars[offset - 1] = '\uFFFD';
            if (right._length > 0) right._chars[0] = '\uFFFD';
        }
        return right;
    }

    internal override bool MergeWith(AbstractContent right)
    {
        var r = (ContentString)right;
        int needed = _length + r._length;
        if (needed > _chars.Length)
        {
            Array.Resize(ref _chars, Math.Max(needed, Math.Min(_chars.Length * 2, needed + 4096)));
        }
        r.Span.CopyTo(_chars.AsSpan(_length));
        _length = needed;
        return true;
    }

    internal override void Write(IUpdateEncoder encoder, int offset) =>
        encoder.WriteString(new string(_chars, offset, _length - offset));
}
