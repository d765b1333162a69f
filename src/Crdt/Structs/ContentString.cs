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
    // A string, or a char[] holding the text at [_start, _start + _length): one field rather than two keeps the
    // object at 40 bytes, and a full state holds thousands of these.
    private object _text;
    private int _start;
    private int _length;
    private bool _shared;

    internal ContentString(string text)
    {
        _text = text;
        _length = text.Length;
    }

    private ContentString(char[] chars, int start, int length, bool shared)
    {
        _text = chars;
        _start = start;
        _length = length;
        _shared = shared;
    }

    /// <summary>Content that reads its text from a buffer other contents share (the buffer must never change).</summary>
    internal static ContentString FromSharedBuffer(char[] chars, int start, int length) => new(chars, start, length, shared: true);

    internal ReadOnlySpan<char> Span => _text is string str
        ? str.AsSpan()
        : new ReadOnlySpan<char>(System.Runtime.CompilerServices.Unsafe.As<char[]>(_text), _start, _length);
    internal override uint Length => (uint)_length;
    internal override bool IsCountable => true;
    internal override byte Ref => 4;

    internal void AppendTo(StringBuilder sb) => sb.Append(Span);

    internal override void GetContent(List<object?> target)
    {
        var span = Span;
        for (int i = 0; i < span.Length; i++) target.Add(span[i].ToString());
    }

    internal override AbstractContent Copy() => new ContentString(Span.ToString());

    /// <summary>This content's own writable buffer, at least <paramref name="capacity"/> long, starting at index 0.</summary>
    private char[] MutableChars(int capacity)
    {
        if (_text is char[] own && !_shared && _start == 0 && own.Length >= capacity) return own;
        var chars = new char[Math.Max(capacity, _length)];
        Span.CopyTo(chars);
        _text = chars;
        _start = 0;
        _shared = false;
        return chars;
    }

    internal override AbstractContent Splice(int offset)
    {
        var span = Span;
        bool splitsPair = offset > 0 && char.IsHighSurrogate(span[offset - 1]);
        ContentString right;
        if (_shared && !splitsPair)
        {
            // Both halves keep reading the shared buffer.
            right = new ContentString((char[])_text, _start + offset, _length - offset, shared: true);
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
            if (right._length > 0) ((char[])right._text)[0] = '\uFFFD';
        }
        else if (_text is string str)
        {
            _text = str[..offset];
        }
        _length = offset;
        return right;
    }

    internal override bool MergeWith(AbstractContent right)
    {
        var r = (ContentString)right;
        int needed = _length + r._length;
        int capacity = _text is char[] own && !_shared && _start == 0 ? own.Length : _length;
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
