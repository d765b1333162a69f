using System.Collections;
using System.Globalization;
using System.Numerics;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Spotter.Collab.Crdt.Lib0;

/// <summary>
/// JavaScript's <c>JSON.stringify</c> and <c>JSON.parse</c> for the engine's "any" values (and for
/// <see cref="JsonNode"/> trees), producing/accepting exactly the text a browser does: numbers formatted like
/// <c>Number.prototype.toString</c>, only <c>"</c>, <c>\</c>, control characters and lone surrogates escaped,
/// object keys in JavaScript property order.
/// </summary>
public static class JsJson
{
    /// <summary>Deepest nesting accepted by <see cref="Parse"/> and produced by <see cref="Stringify(object?)"/>.</summary>
    public const int MaxDepth = Lib0Writer.MaxAnyDepth;

    /// <summary>
    /// <c>JSON.stringify(value)</c>. Returns null where JavaScript returns undefined (for <see cref="Undefined"/>).
    /// Throws <see cref="ArgumentException"/> for values JavaScript cannot serialize (BigInt, cycles).
    /// </summary>
    public static string? Stringify(object? value)
    {
        if (value is Undefined)
        {
            return null;
        }
        var builder = new StringBuilder();
        WriteValue(builder, value, 0);
        return builder.ToString();
    }

    /// <summary><c>JSON.stringify</c> of a JSON node (null node = JSON null).</summary>
    public static string Stringify(JsonNode? node)
    {
        var builder = new StringBuilder();
        WriteNode(builder, node, 0);
        return builder.ToString();
    }

    /// <summary>
    /// <c>JSON.parse(text)</c> into any values: objects as Dictionary (JavaScript key order), arrays as List,
    /// integral numbers within ±(2^53 - 1) as long (except -0), other numbers as double.
    /// Invalid JSON throws <see cref="CrdtFormatException"/>.
    /// </summary>
    public static object? Parse(string text)
    {
        var parser = new Parser(text);
        return parser.ParseDocument();
    }

    /// <summary><c>JSON.parse(text)</c> into a <see cref="JsonNode"/> tree (JSON null gives a null node).</summary>
    public static JsonNode? ParseNode(string text) => ToNode(Parse(text));

    /// <summary>Converts a parsed any value (as returned by <see cref="Parse"/>) to a JSON node.</summary>
    public static JsonNode? ToNode(object? value)
    {
        switch (value)
        {
            case null:
                return null;
            case string s:
                return JsonValue.Create(s);
            case bool b:
                return JsonValue.Create(b);
            case long l:
                return JsonValue.Create(l);
            case double d:
                return JsonValue.Create(d);
            case Dictionary<string, object?> dictionary:
            {
                var result = new JsonObject();
                foreach (var (key, item) in dictionary)
                {
                    result[key] = ToNode(item);
                }
                return result;
            }
            case List<object?> list:
            {
                var result = new JsonArray();
                foreach (var item in list)
                {
                    result.Add(ToNode(item));
                }
                return result;
            }
            default:
                throw new ArgumentException($"{value.GetType()} is not a parsed JSON value.", nameof(value));
        }
    }

    // ---------------- number formatting ----------------

    /// <summary><c>Number.prototype.toString()</c> (radix 10) for a double.</summary>
    public static string FormatNumber(double value)
    {
        Span<char> buffer = stackalloc char[40];
        int written = FormatNumber(value, buffer);
        return new string(buffer[..written]);
    }

    /// <summary>Writes <c>Number.prototype.toString()</c> of <paramref name="value"/>; needs 32 chars at most.</summary>
    public static int FormatNumber(double value, Span<char> destination)
    {
        if (double.IsNaN(value))
        {
            return Copy("NaN", destination);
        }
        if (double.IsInfinity(value))
        {
            return Copy(value > 0 ? "Infinity" : "-Infinity", destination);
        }
        if (value == 0)
        {
            destination[0] = '0';
            return 1;
        }
        // .NET's round-trip format yields the shortest digit string that parses back to the same double, the
        // same digits ECMAScript's Number::toString picks; only the layout rules differ.
        Span<char> raw = stackalloc char[40];
        Math.Abs(value).TryFormat(raw, out int rawLength, "R", CultureInfo.InvariantCulture);
        raw = raw[..rawLength];

        Span<char> digits = stackalloc char[24];
        int k = 0;
        int pointPosition = 0;
        bool seenPoint = false;
        int exponent = 0;
        int i = 0;
        for (; i < raw.Length; i++)
        {
            char c = raw[i];
            if (c == '.')
            {
                seenPoint = true;
            }
            else if (c is 'E' or 'e')
            {
                exponent = int.Parse(raw[(i + 1)..], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
                break;
            }
            else
            {
                if (k == 0 && c == '0')
                {
                    // Leading zero: shifts the decimal point left if it is after the point.
                    if (seenPoint)
                    {
                        pointPosition--;
                    }
                    continue;
                }
                digits[k++] = c;
                if (!seenPoint)
                {
                    pointPosition++;
                }
            }
        }
        while (k > 1 && digits[k - 1] == '0')
        {
            k--;
        }
        int n = pointPosition + exponent; // value = 0.d1d2...dk × 10^n

        int pos = 0;
        if (value < 0)
        {
            destination[pos++] = '-';
        }
        if (k <= n && n <= 21)
        {
            digits[..k].CopyTo(destination[pos..]);
            pos += k;
            for (int z = 0; z < n - k; z++)
            {
                destination[pos++] = '0';
            }
        }
        else if (0 < n && n <= 21)
        {
            digits[..n].CopyTo(destination[pos..]);
            pos += n;
            destination[pos++] = '.';
            digits[n..k].CopyTo(destination[pos..]);
            pos += k - n;
        }
        else if (-6 < n && n <= 0)
        {
            destination[pos++] = '0';
            destination[pos++] = '.';
            for (int z = 0; z < -n; z++)
            {
                destination[pos++] = '0';
            }
            digits[..k].CopyTo(destination[pos..]);
            pos += k;
        }
        else
        {
            destination[pos++] = digits[0];
            if (k > 1)
            {
                destination[pos++] = '.';
                digits[1..k].CopyTo(destination[pos..]);
                pos += k - 1;
            }
            destination[pos++] = 'e';
            int e = n - 1;
            destination[pos++] = e < 0 ? '-' : '+';
            Math.Abs(e).TryFormat(destination[pos..], out int expLength, default, CultureInfo.InvariantCulture);
            pos += expLength;
        }
        return pos;
    }

    private static int Copy(string text, Span<char> destination)
    {
        text.AsSpan().CopyTo(destination);
        return text.Length;
    }

    private static void AppendNumber(StringBuilder builder, double value)
    {
        if (!double.IsFinite(value))
        {
            builder.Append("null");
            return;
        }
        Span<char> buffer = stackalloc char[40];
        int written = FormatNumber(value, buffer);
        builder.Append(buffer[..written]);
    }

    private static void AppendInteger(StringBuilder builder, long value)
    {
        if (value is >= -AnyValue.MaxSafeInteger and <= AnyValue.MaxSafeInteger)
        {
            builder.Append(value);
            return;
        }
        // A JavaScript number cannot hold it exactly; print what the browser would.
        AppendNumber(builder, value);
    }

    // ---------------- stringify ----------------

    /// <summary>JSON string literal as <c>JSON.stringify</c> writes it (well-formed variant, ES2019).</summary>
    public static void AppendQuoted(StringBuilder builder, ReadOnlySpan<char> value)
    {
        builder.Append('"');
        int runStart = 0;
        for (int i = 0; i < value.Length; i++)
        {
            char c = value[i];
            string? escape = null;
            bool hexEscape = false;
            if (c < 0x20)
            {
                escape = c switch
                {
                    '\b' => "\\b",
                    '\t' => "\\t",
                    '\n' => "\\n",
                    '\f' => "\\f",
                    '\r' => "\\r",
                    _ => null,
                };
                hexEscape = escape is null;
            }
            else if (c == '"')
            {
                escape = "\\\"";
            }
            else if (c == '\\')
            {
                escape = "\\\\";
            }
            else if (char.IsSurrogate(c))
            {
                if (char.IsHighSurrogate(c) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]))
                {
                    i++;
                    continue;
                }
                hexEscape = true;
            }
            else
            {
                continue;
            }
            builder.Append(value[runStart..i]);
            if (hexEscape)
            {
                builder.Append("\\u");
                builder.Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
            }
            else
            {
                builder.Append(escape);
            }
            runStart = i + 1;
        }
        builder.Append(value[runStart..]);
        builder.Append('"');
    }

    private static void CheckDepth(int depth)
    {
        if (depth >= MaxDepth)
        {
            throw new ArgumentException($"Value nests deeper than {MaxDepth} levels (or is cyclic).");
        }
    }

    private static void WriteValue(StringBuilder builder, object? value, int depth)
    {
        switch (value)
        {
            case null:
            case Undefined: // only reached inside arrays, where JavaScript writes null
                builder.Append("null");
                return;
            case string s:
                AppendQuoted(builder, s);
                return;
            case bool b:
                builder.Append(b ? "true" : "false");
                return;
            case long l:
                AppendInteger(builder, l);
                return;
            case int i:
                builder.Append(i);
                return;
            case double d:
                AppendNumber(builder, d);
                return;
            case BigInteger:
                throw new ArgumentException("JSON.stringify cannot serialize a BigInt.", nameof(value));
            case byte[] bytes:
                // A Uint8Array serializes as an object with index keys.
                builder.Append('{');
                for (int i = 0; i < bytes.Length; i++)
                {
                    if (i > 0)
                    {
                        builder.Append(',');
                    }
                    builder.Append('"').Append(i).Append("\":").Append(bytes[i]);
                }
                builder.Append('}');
                return;
            case JsonNode node:
                WriteNode(builder, node, depth);
                return;
            case IDictionary<string, object?> dictionary:
                CheckDepth(depth);
                WriteObject(builder, dictionary, depth);
                return;
            case IReadOnlyDictionary<string, object?> readOnlyDictionary:
                CheckDepth(depth);
                WriteObject(builder, readOnlyDictionary, depth);
                return;
            case IEnumerable enumerable:
            {
                CheckDepth(depth);
                builder.Append('[');
                bool first = true;
                foreach (var item in enumerable)
                {
                    if (!first)
                    {
                        builder.Append(',');
                    }
                    first = false;
                    WriteValue(builder, item, depth + 1);
                }
                builder.Append(']');
                return;
            }
            default:
                if (AnyValue.TryGetNumber(value, out double number))
                {
                    AppendNumber(builder, number);
                    return;
                }
                throw new ArgumentException($"Values of type {value.GetType()} cannot be serialized as JSON.", nameof(value));
        }
    }

    private static void WriteObject<TDictionary>(StringBuilder builder, TDictionary dictionary, int depth)
        where TDictionary : IEnumerable<KeyValuePair<string, object?>>
    {
        builder.Append('{');
        bool first = true;
        IEnumerable<KeyValuePair<string, object?>> entries = JsKeyOrder.NeedsReordering(dictionary, out _)
            ? JsKeyOrder.Order(dictionary)
            : dictionary;
        foreach (var (key, item) in entries)
        {
            if (item is Undefined)
            {
                continue;
            }
            if (!first)
            {
                builder.Append(',');
            }
            first = false;
            AppendQuoted(builder, key);
            builder.Append(':');
            WriteValue(builder, item, depth + 1);
        }
        builder.Append('}');
    }

    private static void WriteNode(StringBuilder builder, JsonNode? node, int depth)
    {
        switch (node)
        {
            case null:
                builder.Append("null");
                return;
            case JsonObject obj:
            {
                CheckDepth(depth);
                var entries = new List<KeyValuePair<string, object?>>(obj.Count);
                foreach (var (key, item) in obj)
                {
                    entries.Add(new(key, item));
                }
                IEnumerable<KeyValuePair<string, object?>> ordered = JsKeyOrder.NeedsReordering(entries, out _)
                    ? JsKeyOrder.Order(entries)
                    : entries;
                builder.Append('{');
                bool first = true;
                foreach (var (key, item) in ordered)
                {
                    if (!first)
                    {
                        builder.Append(',');
                    }
                    first = false;
                    AppendQuoted(builder, key);
                    builder.Append(':');
                    WriteNode(builder, (JsonNode?)item, depth + 1);
                }
                builder.Append('}');
                return;
            }
            case JsonArray array:
            {
                CheckDepth(depth);
                builder.Append('[');
                for (int i = 0; i < array.Count; i++)
                {
                    if (i > 0)
                    {
                        builder.Append(',');
                    }
                    WriteNode(builder, array[i], depth + 1);
                }
                builder.Append(']');
                return;
            }
            case JsonValue value:
                WriteJsonValue(builder, value);
                return;
            default:
                throw new ArgumentException($"Unsupported JSON node {node.GetType()}.", nameof(node));
        }
    }

    private static void WriteJsonValue(StringBuilder builder, JsonValue value)
    {
        switch (value.GetValueKind())
        {
            case JsonValueKind.String:
                AppendQuoted(builder, GetString(value));
                return;
            case JsonValueKind.Number:
                if (value.TryGetValue<long>(out long l))
                {
                    AppendInteger(builder, l);
                }
                else if (value.TryGetValue<double>(out double d))
                {
                    AppendNumber(builder, d);
                }
                else
                {
                    // Any other CLR number type: its JSON text parses to the double JavaScript would hold.
                    AppendNumber(builder, double.Parse(value.ToJsonString(), NumberStyles.Float, CultureInfo.InvariantCulture));
                }
                return;
            case JsonValueKind.True:
                builder.Append("true");
                return;
            case JsonValueKind.False:
                builder.Append("false");
                return;
            case JsonValueKind.Null:
                builder.Append("null");
                return;
            default:
                throw new ArgumentException($"Unsupported JSON value kind {value.GetValueKind()}.", nameof(value));
        }
    }

    /// <summary>The string of a string-kind JSON value, whatever CLR value backs it (string, JsonElement, char, DateTime, …).</summary>
    internal static string GetString(JsonValue value)
    {
        if (value.TryGetValue<string>(out var s))
        {
            return s;
        }
        // Other backings serialize to a JSON string literal; parsing it yields exactly the text.
        return (string)Parse(value.ToJsonString())!;
    }

    // ---------------- parse ----------------

    private ref struct Parser
    {
        private readonly ReadOnlySpan<char> _text;
        private int _pos;

        public Parser(string text)
        {
            _text = text;
            _pos = 0;
        }

        public object? ParseDocument()
        {
            SkipWhitespace();
            var value = ParseValue(0);
            SkipWhitespace();
            if (_pos != _text.Length)
            {
                Fail("unexpected characters after the value");
            }
            return value;
        }

        private void SkipWhitespace()
        {
            while (_pos < _text.Length && _text[_pos] is ' ' or '\t' or '\n' or '\r')
            {
                _pos++;
            }
        }

        private readonly void Fail(string reason) =>
            ThrowHelper.Format($"Invalid JSON at position {_pos}: {reason}.");

        private object? ParseValue(int depth)
        {
            if (_pos >= _text.Length)
            {
                Fail("unexpected end");
            }
            char c = _text[_pos];
            switch (c)
            {
                case '{':
                    return ParseObject(depth);
                case '[':
                    return ParseArray(depth);
                case '"':
                    return ParseString();
                case 't':
                    ExpectLiteral("true");
                    return true;
                case 'f':
                    ExpectLiteral("false");
                    return false;
                case 'n':
                    ExpectLiteral("null");
                    return null;
                default:
                    if (c == '-' || char.IsAsciiDigit(c))
                    {
                        return NumberToAny(ParseNumber());
                    }
                    Fail($"unexpected character '{c}'");
                    return null;
            }
        }

        private void ExpectLiteral(string literal)
        {
            if (!_text[_pos..].StartsWith(literal, StringComparison.Ordinal))
            {
                Fail("invalid literal");
            }
            _pos += literal.Length;
        }

        private Dictionary<string, object?> ParseObject(int depth)
        {
            if (depth >= MaxDepth)
            {
                Fail("nesting too deep");
            }
            _pos++; // {
            var result = new Dictionary<string, object?>();
            SkipWhitespace();
            if (_pos < _text.Length && _text[_pos] == '}')
            {
                _pos++;
                return result;
            }
            while (true)
            {
                SkipWhitespace();
                if (_pos >= _text.Length || _text[_pos] != '"')
                {
                    Fail("expected a property name");
                }
                string key = ParseString();
                SkipWhitespace();
                if (_pos >= _text.Length || _text[_pos] != ':')
                {
                    Fail("expected ':'");
                }
                _pos++;
                SkipWhitespace();
                // Duplicate keys: the last value wins, at the first key's position (as in JavaScript).
                result[key] = ParseValue(depth + 1);
                SkipWhitespace();
                if (_pos >= _text.Length)
                {
                    Fail("unterminated object");
                }
                char c = _text[_pos++];
                if (c == '}')
                {
                    return JsKeyOrder.Normalize(result);
                }
                if (c != ',')
                {
                    Fail("expected ',' or '}'");
                }
            }
        }

        private List<object?> ParseArray(int depth)
        {
            if (depth >= MaxDepth)
            {
                Fail("nesting too deep");
            }
            _pos++; // [
            var result = new List<object?>();
            SkipWhitespace();
            if (_pos < _text.Length && _text[_pos] == ']')
            {
                _pos++;
                return result;
            }
            while (true)
            {
                SkipWhitespace();
                result.Add(ParseValue(depth + 1));
                SkipWhitespace();
                if (_pos >= _text.Length)
                {
                    Fail("unterminated array");
                }
                char c = _text[_pos++];
                if (c == ']')
                {
                    return result;
                }
                if (c != ',')
                {
                    Fail("expected ',' or ']'");
                }
            }
        }

        private string ParseString()
        {
            _pos++; // opening quote
            int start = _pos;
            // Fast path: no escapes.
            while (_pos < _text.Length)
            {
                char c = _text[_pos];
                if (c == '"')
                {
                    string plain = new(_text[start.._pos]);
                    _pos++;
                    return plain;
                }
                if (c == '\\')
                {
                    break;
                }
                if (c < 0x20)
                {
                    Fail("control character in string");
                }
                _pos++;
            }
            var builder = new StringBuilder();
            builder.Append(_text[start.._pos]);
            while (true)
            {
                if (_pos >= _text.Length)
                {
                    Fail("unterminated string");
                }
                char c = _text[_pos++];
                if (c == '"')
                {
                    return builder.ToString();
                }
                if (c < 0x20)
                {
                    Fail("control character in string");
                }
                if (c != '\\')
                {
                    builder.Append(c);
                    continue;
                }
                if (_pos >= _text.Length)
                {
                    Fail("unterminated escape");
                }
                char e = _text[_pos++];
                switch (e)
                {
                    case '"': builder.Append('"'); break;
                    case '\\': builder.Append('\\'); break;
                    case '/': builder.Append('/'); break;
                    case 'b': builder.Append('\b'); break;
                    case 'f': builder.Append('\f'); break;
                    case 'n': builder.Append('\n'); break;
                    case 'r': builder.Append('\r'); break;
                    case 't': builder.Append('\t'); break;
                    case 'u':
                        if (_pos + 4 > _text.Length
                            || !int.TryParse(_text.Slice(_pos, 4), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out int code))
                        {
                            Fail("invalid \\u escape");
                            return string.Empty;
                        }
                        builder.Append((char)code);
                        _pos += 4;
                        break;
                    default:
                        Fail("invalid escape");
                        break;
                }
            }
        }

        private double ParseNumber()
        {
            int start = _pos;
            if (_text[_pos] == '-')
            {
                _pos++;
            }
            if (_pos >= _text.Length || !char.IsAsciiDigit(_text[_pos]))
            {
                Fail("invalid number");
            }
            if (_text[_pos] == '0')
            {
                _pos++;
            }
            else
            {
                SkipDigits();
            }
            if (_pos < _text.Length && _text[_pos] == '.')
            {
                _pos++;
                if (_pos >= _text.Length || !char.IsAsciiDigit(_text[_pos]))
                {
                    Fail("invalid number");
                }
                SkipDigits();
            }
            if (_pos < _text.Length && _text[_pos] is 'e' or 'E')
            {
                _pos++;
                if (_pos < _text.Length && _text[_pos] is '+' or '-')
                {
                    _pos++;
                }
                if (_pos >= _text.Length || !char.IsAsciiDigit(_text[_pos]))
                {
                    Fail("invalid number");
                }
                SkipDigits();
            }
            return double.Parse(_text[start.._pos], NumberStyles.Float, CultureInfo.InvariantCulture);
        }

        /// <summary>The engine's convention: safe integers as long (except -0), everything else as double.</summary>
        [System.Diagnostics.CodeAnalysis.SuppressMessage("Performance", "CA1859", Justification = "Returns a boxed long or a boxed double.")]
        private static object NumberToAny(double value)
        {
            if (double.IsInteger(value) && Math.Abs(value) <= AnyValue.MaxSafeInteger && !(value == 0 && double.IsNegative(value)))
            {
                return (long)value;
            }
            return value;
        }

        private void SkipDigits()
        {
            while (_pos < _text.Length && char.IsAsciiDigit(_text[_pos]))
            {
                _pos++;
            }
        }
    }
}
