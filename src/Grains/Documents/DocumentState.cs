using System.Buffers;
using System.Collections;
using System.Globalization;
using System.Numerics;
using System.Text.Encodings.Web;
using System.Text.Json;
using Spotter.Collab.Crdt;
using Spotter.Collab.Grains.Storage;

namespace Spotter.Collab.Grains.Documents;

/// <summary>
/// The document's CRDT content. Every call into the engine (src/Crdt) goes through this class, so the grain
/// speaks only in update/state-vector bytes.
/// </summary>
public sealed class DocumentState
{
    private static readonly JsonWriterOptions JsonOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
    private readonly Doc _doc = new(new DocOptions { Gc = true });

    /// <summary>
    /// Rebuilds the document from its snapshot and the log entries after it. What was stored was acknowledged once,
    /// so it loads without the nesting bound (content from before the bound stays readable); new updates are held to it.
    /// </summary>
    public static DocumentState Load(StoredDocument stored)
    {
        ArgumentNullException.ThrowIfNull(stored);
        var state = new DocumentState();
        state._doc.MaxNestingDepth = int.MaxValue;
        if (stored.Snapshot is not null) state._doc.ApplyUpdate(stored.Snapshot);
        foreach (var entry in stored.Tail) state._doc.ApplyUpdate(entry.Update);
        state._doc.MaxNestingDepth = UpdateLimits.DefaultMaxNestingDepth;
        return state;
    }

    public byte[] EncodeStateVector() => _doc.EncodeStateVector();

    /// <summary>Everything the holder of <paramref name="stateVector"/> is missing (all content when empty).</summary>
    public byte[] EncodeStateAsUpdate(ReadOnlySpan<byte> stateVector = default) => _doc.EncodeStateAsUpdate(stateVector);

    /// <summary>
    /// Decodes once; applies only when the update would change the document and the sender may change it.
    /// Transactional: throws <see cref="CrdtFormatException"/> and leaves the document unchanged on bad input.
    /// </summary>
    public UpdateOutcome ApplyIfAllowed(ReadOnlySpan<byte> update, bool mayEdit) => _doc.ApplyUpdateIfAllowed(update, mayEdit, this);

    /// <summary>Whether the update would write into the root <paramref name="rootName"/> (at any depth): for kinds that
    /// keep a root to the server. Decodes the update (once more than applying it). Throws
    /// <see cref="CrdtFormatException"/> on bad input.</summary>
    public bool WritesRoot(ReadOnlySpan<byte> update, string rootName) => _doc.WritesRoot(update, rootName);

    /// <summary>Reads the XML fragment root <paramref name="name"/> of the live document, without copying the state:
    /// for readers that need only that root (a page's text for the search index). The fragment must not be kept or
    /// changed after <paramref name="read"/> returns.</summary>
    public T ReadFragment<T>(string name, Func<YXmlFragment, T> read)
    {
        ArgumentNullException.ThrowIfNull(read);
        return read(_doc.GetXmlFragment(name));
    }

    public static byte[] MergeUpdates(IReadOnlyList<byte[]> updates)
    {
        ArgumentNullException.ThrowIfNull(updates);
        return updates.Count == 1 ? updates[0] : Updates.Merge(updates);
    }

    /// <summary>
    /// How deeply a Map or Array root's JSON may nest to be returned: well inside System.Text.Json's default depth
    /// (64), which the API parses the value with and serializes it with inside its response object.
    /// </summary>
    public const int MaxRootJsonDepth = 32;

    /// <summary>
    /// A root type's value as JSON text: Text and XmlFragment as a string, Map and Array as JSON; null when a Map or
    /// Array nests deeper than <see cref="MaxRootJsonDepth"/> (it has no JSON form the API can return).
    /// </summary>
    public string? ReadRootJson(string name, RootKind kind)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, JsonOptions))
        {
            switch (kind)
            {
                case RootKind.Text: writer.WriteStringValue(_doc.GetText(name).ToString()); break;
                case RootKind.Xml: writer.WriteStringValue(_doc.GetXmlFragment(name).ToString()); break;
                case RootKind.Map:
                case RootKind.Array:
                    var value = kind == RootKind.Map ? (object)_doc.GetMap(name).ToJson() : _doc.GetArray(name).ToJson();
                    if (!WriteAny(writer, value, 1)) return null;
                    break;
                default: throw new ArgumentOutOfRangeException(nameof(kind));
            }
        }
        return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>
    /// Writes an engine "Any" value the way JSON.stringify would (undefined members are dropped); false (and stops)
    /// when it nests deeper than <see cref="MaxRootJsonDepth"/>, which also bounds this recursion.
    /// </summary>
    private static bool WriteAny(Utf8JsonWriter writer, object? value, int depth)
    {
        if (value is IDictionary<string, object?> or (IEnumerable and not string and not byte[]) && depth > MaxRootJsonDepth) return false;
        switch (value)
        {
            case null or Undefined: writer.WriteNullValue(); break;
            case string s: writer.WriteStringValue(s); break;
            case bool b: writer.WriteBooleanValue(b); break;
            case long l: writer.WriteNumberValue(l); break;
            case int i: writer.WriteNumberValue(i); break;
            case double d when double.IsFinite(d): writer.WriteNumberValue(d); break;
            case double: writer.WriteNullValue(); break;
            case BigInteger big: writer.WriteRawValue(big.ToString(CultureInfo.InvariantCulture)); break;
            case byte[] bytes: writer.WriteBase64StringValue(bytes); break;
            case IDictionary<string, object?> map:
                writer.WriteStartObject();
                foreach (var (key, item) in map)
                {
                    if (item is Undefined) continue;
                    writer.WritePropertyName(key);
                    if (!WriteAny(writer, item, depth + 1)) return false;
                }
                writer.WriteEndObject();
                break;
            case IEnumerable list:
                writer.WriteStartArray();
                foreach (var item in list)
                {
                    if (!WriteAny(writer, item, depth + 1)) return false;
                }
                writer.WriteEndArray();
                break;
            default: writer.WriteStringValue(value.ToString()); break;
        }
        return true;
    }
}
