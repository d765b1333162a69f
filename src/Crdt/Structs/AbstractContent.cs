namespace Spotter.Collab.Crdt;

/// <summary>What an <see cref="Item"/> carries. <see cref="Ref"/> is the content type number of the wire format.</summary>
public abstract class AbstractContent
{
    internal abstract uint Length { get; }
    internal abstract bool IsCountable { get; }
    internal abstract byte Ref { get; }

    /// <summary>Appends the user-visible values of this content to <paramref name="target"/>.</summary>
    internal abstract void GetContent(List<object?> target);
    internal abstract AbstractContent Copy();
    /// <summary>Keeps [0, offset) here and returns [offset, Length) as new content.</summary>
    internal virtual AbstractContent Splice(int offset) => throw new InvalidOperationException($"{GetType().Name} cannot be split.");
    internal virtual bool MergeWith(AbstractContent right) => false;
    internal virtual void Integrate(Transaction transaction, Item item) { }
    internal virtual void Delete(Transaction transaction) { }
    internal virtual void Gc(StructStore store) { }
    internal abstract void Write(IUpdateEncoder encoder, int offset);

    /// <summary>The values as a list (convenience for tests and events).</summary>
    public IReadOnlyList<object?> Values
    {
        get
        {
            var list = new List<object?>();
            GetContent(list);
            return list;
        }
    }

    internal static AbstractContent Read(IUpdateDecoder decoder, byte info) => (info & 0x1F) switch
    {
        1 => new ContentDeleted(decoder.ReadLen()),
        2 => ContentJson.Read(decoder),
        3 => new ContentBinary(decoder.ReadBuf()),
        4 => decoder.ReadStringContent(),
        5 => new ContentEmbed(decoder.ReadJson()),
        6 => new ContentFormat(decoder.ReadKey(), decoder.ReadJson()),
        7 => new ContentType(AbstractType.ReadType(decoder)),
        8 => ContentAny.Read(decoder),
        9 => ContentDoc.Read(decoder),
        var other => throw new CrdtFormatException($"Unknown content type {other}."),
    };
}

/// <summary>Content that was deleted and collected: only its length remains.</summary>
public sealed class ContentDeleted(uint length) : AbstractContent
{
    internal uint Len = length;
    internal override uint Length => Len;
    internal override bool IsCountable => false;
    internal override byte Ref => 1;
    internal override void GetContent(List<object?> target) { }
    internal override AbstractContent Copy() => new ContentDeleted(Len);

    internal override AbstractContent Splice(int offset)
    {
        var right = new ContentDeleted(Len - (uint)offset);
        Len = (uint)offset;
        return right;
    }

    internal override bool MergeWith(AbstractContent right)
    {
        Len += ((ContentDeleted)right).Len;
        return true;
    }

    internal override void Integrate(Transaction transaction, Item item)
    {
        transaction.DeleteSet.Add(item.Id.Client, item.Id.Clock, Len);
        item.MarkDeleted();
    }

    internal override void Write(IUpdateEncoder encoder, int offset) => encoder.WriteLen(Len - (uint)offset);
}

/// <summary>Legacy content: values stored as JSON text (written by old clients).</summary>
public sealed class ContentJson(List<object?> values) : AbstractContent
{
    internal List<object?> Arr = values;
    internal override uint Length => (uint)Arr.Count;
    internal override bool IsCountable => true;
    internal override byte Ref => 2;
    internal override void GetContent(List<object?> target) => target.AddRange(Arr);
    internal override AbstractContent Copy() => new ContentJson(Arr);

    internal override AbstractContent Splice(int offset)
    {
        var right = new ContentJson(Arr.GetRange(offset, Arr.Count - offset));
        Arr = Arr.GetRange(0, offset);
        return right;
    }

    internal override bool MergeWith(AbstractContent right)
    {
        var merged = new List<object?>(Arr.Count + ((ContentJson)right).Arr.Count);
        merged.AddRange(Arr);
        merged.AddRange(((ContentJson)right).Arr);
        Arr = merged;
        return true;
    }

    internal override void Write(IUpdateEncoder encoder, int offset)
    {
        encoder.WriteLen((uint)(Arr.Count - offset));
        for (int i = offset; i < Arr.Count; i++)
        {
            var c = Arr[i];
            encoder.WriteString(c is Undefined ? "undefined" : JsJson.Stringify(c)!);
        }
    }

    internal static ContentJson Read(IUpdateDecoder decoder)
    {
        var len = decoder.ReadLen();
        var values = new List<object?>((int)Math.Min(len, 1024));
        for (uint i = 0; i < len; i++)
        {
            var s = decoder.ReadString();
            values.Add(s == "undefined" ? Undefined.Value : JsJson.Parse(s));
        }
        return new ContentJson(values);
    }
}

/// <summary>A binary blob (one array element).</summary>
public sealed class ContentBinary(byte[] content) : AbstractContent
{
    internal readonly byte[] Content = content;
    internal override uint Length => 1;
    internal override bool IsCountable => true;
    internal override byte Ref => 3;
    internal override void GetContent(List<object?> target) => target.Add(Content);
    internal override AbstractContent Copy() => new ContentBinary(Content);
    internal override void Write(IUpdateEncoder encoder, int offset) => encoder.WriteBuf(Content);
}

/// <summary>A rich-text embed (one element, JSON value).</summary>
public sealed class ContentEmbed(object? embed) : AbstractContent
{
    internal readonly object? Embed = embed;
    internal override uint Length => 1;
    internal override bool IsCountable => true;
    internal override byte Ref => 5;
    internal override void GetContent(List<object?> target) => target.Add(Embed);
    internal override AbstractContent Copy() => new ContentEmbed(Embed);
    internal override void Write(IUpdateEncoder encoder, int offset) => encoder.WriteJson(Embed);
}

/// <summary>A formatting boundary in rich text: from here on, attribute <see cref="Key"/> has <see cref="Value"/> (null ends it).</summary>
public sealed class ContentFormat(string key, object? value) : AbstractContent
{
    internal readonly string Key = key;
    internal readonly object? Value = value;
    internal override uint Length => 1;
    internal override bool IsCountable => false;
    internal override byte Ref => 6;
    internal override void GetContent(List<object?> target) { }
    internal override AbstractContent Copy() => new ContentFormat(Key, Value);

    internal override void Integrate(Transaction transaction, Item item)
    {
        // Search markers do not account for formats: turn them off for this type, as yjs does.
        var p = item.Parent!;
        p.SearchMarkers = null;
        p.HasFormatting = true;
        p.MayHoldFormats = true;
    }

    internal override void Write(IUpdateEncoder encoder, int offset)
    {
        encoder.WriteKey(Key);
        encoder.WriteJson(Value);
    }
}

/// <summary>Values of the "Any" encoding (the default for array and map values).</summary>
public sealed class ContentAny(List<object?> values) : AbstractContent
{
    internal List<object?> Arr = values;
    internal override uint Length => (uint)Arr.Count;
    internal override bool IsCountable => true;
    internal override byte Ref => 8;
    internal override void GetContent(List<object?> target) => target.AddRange(Arr);
    internal override AbstractContent Copy() => new ContentAny(Arr);

    internal override AbstractContent Splice(int offset)
    {
        var right = new ContentAny(Arr.GetRange(offset, Arr.Count - offset));
        Arr = Arr.GetRange(0, offset);
        return right;
    }

    internal override bool MergeWith(AbstractContent right)
    {
        var merged = new List<object?>(Arr.Count + ((ContentAny)right).Arr.Count);
        merged.AddRange(Arr);
        merged.AddRange(((ContentAny)right).Arr);
        Arr = merged;
        return true;
    }

    internal override void Write(IUpdateEncoder encoder, int offset)
    {
        encoder.WriteLen((uint)(Arr.Count - offset));
        for (int i = offset; i < Arr.Count; i++) encoder.WriteAny(Arr[i]);
    }

    internal static ContentAny Read(IUpdateDecoder decoder)
    {
        var len = decoder.ReadLen();
        var values = new List<object?>((int)Math.Min(len, 1024));
        for (uint i = 0; i < len; i++) values.Add(decoder.ReadAny());
        return new ContentAny(values);
    }
}

/// <summary>A nested shared type.</summary>
public sealed class ContentType(AbstractType type) : AbstractContent
{
    internal readonly AbstractType Type = type;
    internal override uint Length => 1;
    internal override bool IsCountable => true;
    internal override byte Ref => 7;
    internal override void GetContent(List<object?> target) => target.Add(Type);
    internal override AbstractContent Copy() => new ContentType(Type.CopyEmpty());
    internal override void Integrate(Transaction transaction, Item item) => Type.Integrate(transaction.Doc, item);

    internal override void Delete(Transaction transaction)
    {
        for (var item = Type.Start; item is not null; item = item.Right)
        {
            if (!item.Deleted) item.Delete(transaction);
            else if (item.Id.Clock < transaction.BeforeStateOf(item.Id.Client))
            {
                // Deleted before this transaction: not in its delete set, but it may merge after gc.
                transaction.MergeStructs.Add(item);
            }
        }
        if (Type.Map is { } map)
        {
            foreach (var item in map.Values)
            {
                if (!item.Deleted) item.Delete(transaction);
                else if (item.Id.Clock < transaction.BeforeStateOf(item.Id.Client))
                {
                    transaction.MergeStructs.Add(item);
                }
            }
        }
        transaction.RemoveChanged(Type);
    }

    internal override void Gc(StructStore store)
    {
        for (var item = Type.Start; item is not null; item = item.Right) item.Gc(store, true);
        Type.Start = null;
        if (Type.Map is { } map)
        {
            foreach (var last in map.Values)
            {
                for (var item = last; item is not null; item = item.Left) item.Gc(store, true);
            }
            Type.Map = null;
        }
    }

    internal override void Write(IUpdateEncoder encoder, int offset) => Type.WriteTypeRef(encoder);
}

/// <summary>A sub-document, carried by guid and options.</summary>
public sealed class ContentDoc : AbstractContent
{
    internal readonly Doc Doc;
    internal readonly Dictionary<string, object?> Opts;

    internal ContentDoc(Doc doc)
    {
        // Like yjs, the options written are derived from the document (gc, autoLoad, meta).
        Doc = doc;
        Opts = [];
        if (!doc.Gc) Opts["gc"] = false;
        if (doc.AutoLoad) Opts["autoLoad"] = true;
        if (doc.Meta is not null) Opts["meta"] = doc.Meta;
    }

    internal override uint Length => 1;
    internal override bool IsCountable => true;
    internal override byte Ref => 9;
    internal override void GetContent(List<object?> target) => target.Add(Doc);
    internal override AbstractContent Copy() => new ContentDoc(CreateDoc(Doc.Guid, Opts));

    internal override void Integrate(Transaction transaction, Item item)
    {
        Doc.SubdocItem = item;
        transaction.SubdocsAdded.Add(Doc);
        if (Doc.ShouldLoad) transaction.SubdocsLoaded.Add(Doc);
    }

    internal override void Delete(Transaction transaction)
    {
        if (!transaction.SubdocsAdded.Remove(Doc)) transaction.SubdocsRemoved.Add(Doc);
    }

    internal override void Write(IUpdateEncoder encoder, int offset)
    {
        encoder.WriteString(Doc.Guid);
        encoder.WriteAny(Opts);
    }

    private static Doc CreateDoc(string guid, Dictionary<string, object?> opts)
    {
        var options = new DocOptions { Guid = guid };
        if (opts.TryGetValue("gc", out var gc) && gc is bool gcb) options.Gc = gcb;
        var doc = new Doc(options);
        bool autoLoad = opts.TryGetValue("autoLoad", out var al) && al is true;
        doc.AutoLoad = autoLoad;
        doc.ShouldLoad = autoLoad || (opts.TryGetValue("shouldLoad", out var sl) && sl is true);
        if (opts.TryGetValue("meta", out var meta) && meta is not Undefined) doc.Meta = meta;
        return doc;
    }

    internal static ContentDoc Read(IUpdateDecoder decoder)
    {
        var guid = decoder.ReadString();
        var opts = decoder.ReadAny() as Dictionary<string, object?>
            ?? throw new CrdtFormatException("Sub-document options must be an object.");
        return new ContentDoc(CreateDoc(guid, opts));
    }
}
