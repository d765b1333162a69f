using System.Text;

namespace Spotter.Collab.Crdt;

/// <summary>
/// Text content. Starts as the decoded (or inserted) string; becomes a growable char buffer on the first merge,
/// because consecutive typing merges items one character at a time and appending to a buffer is amortised O(1)
/// where string concatenation would copy the whole run each time.
/// </summary>
public sealed class ContentString : AbstractContent
{
    private string? _str;
    private char[]? _chars;
    private int _length;

    internal ContentString(string text)
    {
        _str = text;
        _length = text.Length;
    }

    private ContentString(char[] chars, int length)
    {
        _chars = chars;
        _length = length;
    }

    internal ReadOnlySpan<char> Span => _str is not null ? _str.AsSpan() : _chars.AsSpan(0, _length);
    internal string Str => _str ??= new string(_chars!, 0, _length);
    internal override uint Length => (uint)_length;
    internal override bool IsCountable => true;
    internal override byte Ref => 4;

    internal void AppendTo(StringBuilder sb) => sb.Append(Span);

    internal override void GetContent(List<object?> target)
    {
        var span = Span;
        for (int i = 0; i < span.Length; i++) target.Add(span[i].ToString());
    }

    internal override AbstractContent Copy() => new ContentString(Str);

    private char[] MutableChars()
    {
        if (_chars is null)
        {
            _chars = _str!.ToCharArray();
        }
        _str = null;
        return _chars;
    }

    internal override AbstractContent Splice(int offset)
    {
        var span = Span;
        var right = new ContentString(span[offset..].ToArray(), _length - offset);
        bool splitsPair = offset > 0 && char.IsHighSurrogate(span[offset - 1]);
        if (splitsPair)
        {
            // Never split a surrogate pair: like yjs, both halves become U+FFFD so the document stays valid UTF-16.
            var chars = MutableChars();
            chars[offset - 1] = '\uFFFD';
            if (right._length > 0) right._chars![0] = '\uFFFD';
        }
        else if (_str is not null)
        {
            _str = _str[..offset];
        }
        _length = offset;
        return right;
    }

    internal override bool MergeWith(AbstractContent right)
    {
        var r = (ContentString)right;
        int needed = _length + r._length;
        var chars = MutableChars();
        if (needed > chars.Length)
        {
            Array.Resize(ref chars, Math.Max(needed, Math.Min(chars.Length * 2, needed + 4096)));
            _chars = chars;
        }
        r.Span.CopyTo(chars.AsSpan(_length));
        _length = needed;
        return true;
    }

    internal override void Write(IUpdateEncoder encoder, int offset) =>
        encoder.WriteString(offset == 0 && _str is not null ? _str : new string(Span[offset..]));
}
