using System.Collections;
using System.Text;

namespace Spotter.Collab.Crdt;

/// <summary>A list of XML nodes (<see cref="YXmlElement"/>, <see cref="YXmlText"/>, <see cref="YXmlHook"/>).</summary>
public class YXmlFragment : AbstractType
{
    internal const uint TypeRefId = 4;
    private List<object?>? _prelim = [];

    public YXmlFragment() { }

    public int Length => Doc is null ? _prelim!.Count : LengthInternal;

    internal override void Integrate(Doc doc, Item? item)
    {
        base.Integrate(doc, item);
        var prelim = _prelim;
        _prelim = null;
        if (prelim is { Count: > 0 }) Insert(0, prelim.Cast<AbstractType>().ToArray());
    }

    internal override AbstractType CopyEmpty() => new YXmlFragment();
    internal override void WriteTypeRef(IUpdateEncoder encoder) => encoder.WriteTypeRef(TypeRefId);

    internal override void CallObserver(Transaction transaction, HashSet<string?> parentSubs)
    {
        if (!transaction.Local) SearchMarkers?.Clear();
        if (HasListeners()) CallTypeObservers(transaction, new YXmlEvent(this, parentSubs, transaction));
    }

    public void Insert(int index, IReadOnlyList<AbstractType> nodes)
    {
        if (Doc is null)
        {
            _prelim!.InsertRange(index, nodes);
            return;
        }
        Doc.Transact(tr => TypeListInsertGenerics(tr, index, nodes.Cast<object?>().ToList()));
    }

    public void Push(IReadOnlyList<AbstractType> nodes) => Insert(Length, nodes);

    public void Delete(int index, int length = 1)
    {
        if (Doc is null)
        {
            _prelim!.RemoveRange(index, length);
            return;
        }
        Doc.Transact(tr => TypeListDelete(tr, index, length));
    }

    public AbstractType Get(int index) => (AbstractType)(Doc is null ? _prelim![index]! : TypeListGet(index)!);

    public List<AbstractType> ToArray() => (Doc is null ? _prelim! : TypeListToArray()).Cast<AbstractType>().ToList();

    public override string ToString() => XmlRendering.Render(this);

    /// <summary>Queues the children for <see cref="XmlRendering"/>: the first child ends on top of the stack.</summary>
    internal void PushChildren(Stack<object> work)
    {
        var children = TypeListToArray();
        for (int i = children.Count - 1; i >= 0; i--)
        {
            switch (children[i])
            {
                case null: break;
                case AbstractType type: work.Push(type); break;
                case var value: work.Push(value.ToString() ?? ""); break;
            }
        }
    }

    /// <summary>JavaScript String(value) for attribute values and embeds rendered into XML strings.</summary>
    internal static string JsString(object? value) => value switch
    {
        null => "null",
        Undefined => "undefined",
        string s => s,
        bool b => b ? "true" : "false",
        long or int or short or byte or uint or ulong => Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture)!,
        double d => JsJson.FormatNumber(d),
        float f => JsJson.FormatNumber(f),
        IDictionary => "[object Object]",
        byte[] bytes => string.Join(",", bytes),
        IEnumerable list => string.Join(",", list.Cast<object?>().Select(v => v is null or Undefined ? "" : JsString(v))),
        _ => value.ToString() ?? "",
    };
}

/// <summary>An XML element: node name, attributes (a map part) and children (a list part).</summary>
public sealed class YXmlElement : YXmlFragment
{
    internal new const uint TypeRefId = 3;
    private Dictionary<string, object?>? _prelimAttrs = [];

    public YXmlElement(string nodeName = "UNDEFINED")
    {
        NodeName = nodeName;
    }

    public string NodeName { get; }

    internal override void Integrate(Doc doc, Item? item)
    {
        base.Integrate(doc, item);
        var attrs = _prelimAttrs;
        _prelimAttrs = null;
        if (attrs is { Count: > 0 })
        {
            doc.Transact(tr =>
            {
                foreach (var (k, v) in attrs) TypeMapSet(tr, k, v);
            });
        }
    }

    internal override AbstractType CopyEmpty() => new YXmlElement(NodeName);

    internal override void WriteTypeRef(IUpdateEncoder encoder)
    {
        encoder.WriteTypeRef(TypeRefId);
        encoder.WriteKey(NodeName);
    }

    public void SetAttribute(string name, object? value)
    {
        if (Doc is null)
        {
            _prelimAttrs![name] = value;
            return;
        }
        Doc.Transact(tr => TypeMapSet(tr, name, value));
    }

    public void RemoveAttribute(string name)
    {
        if (Doc is null)
        {
            _prelimAttrs!.Remove(name);
            return;
        }
        Doc.Transact(tr => TypeMapDelete(tr, name));
    }

    public object? GetAttribute(string name) => Doc is null ? _prelimAttrs!.GetValueOrDefault(name) : TypeMapGet(name);
    public bool HasAttribute(string name) => Doc is null ? _prelimAttrs!.ContainsKey(name) : TypeMapHas(name);
    public Dictionary<string, object?> GetAttributes() => Doc is null ? new(_prelimAttrs!) : TypeMapGetAll();

    public override string ToString() => XmlRendering.Render(this);

    /// <summary>Writes the opening tag and queues the children and the closing tag for <see cref="XmlRendering"/>.</summary>
    internal void Open(StringBuilder sb, Stack<object> work)
    {
        var attrs = GetAttributes();
        var keys = attrs.Keys.ToArray();
        Array.Sort(keys, StringComparer.Ordinal);
        var nodeName = NodeName.ToLowerInvariant();
        sb.Append('<').Append(nodeName);
        foreach (var key in keys) sb.Append(' ').Append(key).Append("=\"").Append(JsString(attrs[key])).Append('"');
        sb.Append('>');
        work.Push("</" + nodeName + ">");
        PushChildren(work);
    }
}

/// <summary>Text inside an XML tree; its formatting attributes render as nested tags.</summary>
public sealed class YXmlText : YText
{
    internal new const uint TypeRefId = 6;

    public YXmlText(string? initial = null) : base(initial) { }

    internal override AbstractType CopyEmpty() => new YXmlText();
    internal override void WriteTypeRef(IUpdateEncoder encoder) => encoder.WriteTypeRef(TypeRefId);

    public override string ToString() => XmlRendering.Render(this);

    /// <summary>Writes the text with its formats as tags; embedded types are queued for <see cref="XmlRendering"/>.</summary>
    internal void Open(StringBuilder sb, Stack<object> work)
    {
        // Parts after the first embedded type are queued (in reverse) so that the embed renders in place.
        List<object>? rest = null;
        void Emit(object part)
        {
            if (rest is not null) rest.Add(part);
            else if (part is string text) sb.Append(text);
            else (rest = []).Add(part);
        }
        foreach (var op in ToDelta())
        {
            var nested = new List<(string NodeName, List<(string Key, object? Value)> Attrs)>();
            if (op.Attributes is not null)
            {
                foreach (var (nodeName, value) in op.Attributes)
                {
                    var attrs = ForInEntries(value);
                    attrs.Sort((a, b) => string.CompareOrdinal(a.Key, b.Key));
                    nested.Add((nodeName, attrs));
                }
            }
            nested.Sort((a, b) => string.CompareOrdinal(a.NodeName, b.NodeName));
            var tags = new StringBuilder();
            foreach (var (nodeName, attrs) in nested)
            {
                tags.Append('<').Append(nodeName);
                foreach (var (k, v) in attrs) tags.Append(' ').Append(k).Append("=\"").Append(YXmlFragment.JsString(v)).Append('"');
                tags.Append('>');
            }
            Emit(tags.ToString());
            Emit(op.Insert is AbstractType t ? t : YXmlFragment.JsString(op.Insert));
            tags.Clear();
            for (int i = nested.Count - 1; i >= 0; i--) tags.Append("</").Append(nested[i].NodeName).Append('>');
            Emit(tags.ToString());
        }
        if (rest is null) return;
        for (int i = rest.Count - 1; i >= 0; i--) work.Push(rest[i]);
    }

    /// <summary>
    /// The key/value pairs JavaScript's <c>for (key in value)</c> visits, which yjs uses to print a format value as
    /// XML attributes: an object's properties, the indices of a string (one UTF-16 unit each), an array or a
    /// Uint8Array; nothing for null, numbers and booleans.
    /// </summary>
    private static List<(string Key, object? Value)> ForInEntries(object? value)
    {
        var entries = new List<(string Key, object? Value)>();
        switch (value)
        {
            case IDictionary<string, object?> dict:
                foreach (var (k, v) in dict) entries.Add((k, v));
                break;
            case string str:
                for (int i = 0; i < str.Length; i++) entries.Add((i.ToString(System.Globalization.CultureInfo.InvariantCulture), str[i].ToString()));
                break;
            case byte[] bytes:
                for (int i = 0; i < bytes.Length; i++) entries.Add((i.ToString(System.Globalization.CultureInfo.InvariantCulture), (long)bytes[i]));
                break;
            case IList list:
                for (int i = 0; i < list.Count; i++) entries.Add((i.ToString(System.Globalization.CultureInfo.InvariantCulture), list[i]));
                break;
        }
        return entries;
    }
}

/// <summary>
/// <c>toString</c> of XML types as yjs prints it, with an explicit stack of what is still to write (strings and types
/// to expand) instead of recursion, so a tree of any depth renders without exhausting the thread's stack.
/// </summary>
internal static class XmlRendering
{
    internal static string Render(AbstractType root)
    {
        var sb = new StringBuilder();
        var work = new Stack<object>();
        Expand(root, sb, work);
        while (work.Count > 0)
        {
            switch (work.Pop())
            {
                case string text: sb.Append(text); break;
                case AbstractType type: Expand(type, sb, work); break;
            }
        }
        return sb.ToString();
    }

    private static void Expand(AbstractType type, StringBuilder sb, Stack<object> work)
    {
        switch (type)
        {
            case YXmlElement element: element.Open(sb, work); break;
            case YXmlFragment fragment: fragment.PushChildren(work); break;
            case YXmlText text: text.Open(sb, work); break;
            default: sb.Append(type.ToString()); break;
        }
    }
}

/// <summary>A named map used by editors to embed custom nodes in XML trees.</summary>
public sealed class YXmlHook : YMap
{
    internal new const uint TypeRefId = 5;

    public YXmlHook(string hookName)
    {
        HookName = hookName;
    }

    public string HookName { get; }

    internal override AbstractType CopyEmpty() => new YXmlHook(HookName);

    internal override void WriteTypeRef(IUpdateEncoder encoder)
    {
        encoder.WriteTypeRef(TypeRefId);
        encoder.WriteKey(HookName);
    }
}

/// <summary>Changes of an XML node: whether its children changed and which attributes changed.</summary>
public sealed class YXmlEvent : YEvent
{
    internal YXmlEvent(AbstractType target, HashSet<string?> subs, Transaction transaction) : base(target, transaction)
    {
        var attributes = new HashSet<string>();
        foreach (var sub in subs)
        {
            if (sub is null) ChildListChanged = true;
            else attributes.Add(sub);
        }
        AttributesChanged = attributes;
    }

    public bool ChildListChanged { get; }
    public IReadOnlySet<string> AttributesChanged { get; }
}
