using System.Text;

namespace Spotter.Collab.Crdt;

/// <summary>
/// Text content. Starts as the inserted string, or as a slice of a char buffer that a decoded update's texts
/// share (one allocation per update instead of one string per item); becomes a private growable char buffer on
/// the first merge, because consecutive typing merges items one character at a time and appending to a buffer is
/// amortised O(1) where string concatenation would copy the whole run each time. A shared buffer is never
/// written: the first change copies the content out.
/// </summary>
public sealed class ContentString : AbstractContent
{
    private string? _str;
    private char[]? _chars;
    private int _start;
    private int _length;
    private bool _shared;

    internal ContentString(string text)
    {
        _str = text;
        _length = text.Length;
    }

    private ContentString(char[] chars, int start, int length, bool shared)
    {
        _chars = chars;
        _start = start;
        _length = length;
        _shared = shared;
    }

    /// <summary>Content that reads its text from a buffer other contents share (the buffer must never change).</summary>
    internal static ContentString FromSharedBuffer(char[] chars, int start, int length) => new(chars, start, length, shared: true);

    internal ReadOnlySpan<char> Span => _str is not null ? _str.AsSpan() : _chars.AsSpan(_start, _length);
    internal string Str => _str ??= new string(_chars!, _start, _length);
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

    /// <summary>This content's own writable buffer, at least <paramref name="capacity"/> long, starting at index 0.</summary>
    private char[] MutableChars(int capacity)
    {
        if (_chars is null || _shared || _start != 0 || _chars.Length < capacity)
        {
            var chars = new char[Math.Max(capacity, _length)];
            Span.CopyTo(chars);
            _chars = chars;
            _start = 0;
            _shared = false;
        }
        _str = null;
        return _chars;
    }

    internal override AbstractContent Splice(int offset)
    {
        var span = Span;
        bool splitsPair = offset > 0 && char.IsHighSurrogate(span[offset - 1]);
        ContentString right;
        if (_shared && _str is null && !splitsPair)
        {
            // Both halves keep reading the shared buffer.
            right = new ContentString(_chars!, _start + offset, _length - offset, shared: true);
        }
        else
        {
            right = new ContentString(span[offset..].ToArray(), 0, _length - offset, shared: false);
        }
        if (splitsPair)
        {
            // Never split a surrogate pair: like yjs, both halves become U+FFFD so the document stays valid UTF-16.
            var chars = MutableChars(_length);
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
        int capacity = _chars is not null && !_shared && _start == 0 ? _chars.Length : _length;
        if (needed > capacity)
        {
            capacity = Math.Max(needed, Math.Min(capacity * 2, needed + 4096));
        }
        var chars = MutableChars(capacity);
        r.Span.CopyTo(chars.AsSpan(_length));
        _length = needed;
        return true;
    }

    internal override void Write(IUpdateEncoder encoder, int offset) => encoder.WriteString(Span[offset..]);
}
