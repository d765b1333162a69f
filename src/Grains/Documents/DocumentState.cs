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

    /// <summary>Rebuilds the document from its snapshot and the log entries after it.</summary>
    public static DocumentState Load(StoredDocument stored)
    {
        ArgumentNullException.ThrowIfNull(stored);
        var state = new DocumentState();
        if (stored.Snapshot is not null) state._doc.ApplyUpdate(stored.Snapshot);
        foreach (var entry in stored.Tail) state._doc.ApplyUpdate(entry.Update);
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

    public static byte[] MergeUpdates(IReadOnlyList<byte[]> updates)
    {
        ArgumentNullException.ThrowIfNull(updates);
        return updates.Count == 1 ? updates[0] : Updates.Merge(updates);
    }

    /// <summary>A root type's value as JSON text: Text and XmlFragment as a string, Map and Array as JSON.</summary>
    public string ReadRootJson(string name, RootKind kind)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, JsonOptions))
        {
            switch (kind)
            {
                case RootKind.Text: writer.WriteStringValue(_doc.GetText(name).ToString()); break;
                case RootKind.Xml: writer.WriteStringValue(_doc.GetXmlFragment(name).ToString()); break;
                case RootKind.Map: WriteAny(writer, _doc.GetMap(name).ToJson()); break;
                case RootKind.Array: WriteAny(writer, _doc.GetArray(name).ToJson()); break;
                default: throw new ArgumentOutOfRangeException(nameof(kind));
            }
        }
        return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>Writes an engine "Any" value the way JSON.stringify would (undefined members are dropped).</summary>
    private static void WriteAny(Utf8JsonWriter writer, object? value)
    {
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
                    WriteAny(writer, item);
                }
                writer.WriteEndObject();
                break;
            case IEnumerable list:
                writer.WriteStartArray();
                foreach (var item in list) WriteAny(writer, item);
                writer.WriteEndArray();
                break;
            default: writer.WriteStringValue(value.ToString()); break;
        }
    }
}
