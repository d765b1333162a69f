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

    // Deleting or collecting a type reaches every type nested in it. Both walks keep their own stack of open types
    // instead of recursing (Item.Delete -> ContentType.Delete -> Item.Delete ...), so content of any depth, even
    // content stored before updates were bounded, cannot overflow the thread's stack. The order of every step is
    // exactly the recursive order yjs uses.

    internal override void Delete(Transaction transaction)
    {
        var open = new Stack<DeleteFrame>();
        open.Push(new DeleteFrame(this));
        while (open.Count > 0)
        {
            var frame = open.Peek();
            var child = frame.NextLiveChild(transaction);
            if (child is null)
            {
                transaction.RemoveChanged(frame.Content.Type);
                open.Pop();
                continue;
            }
            // The child's own part of Item.Delete; its content's part follows here so nested types go on the stack.
            child.MarkDeletedInTransaction(transaction);
            if (child.Content is ContentType nested) open.Push(new DeleteFrame(nested));
            else child.Content.Delete(transaction);
        }
    }

    /// <summary>A type being deleted: which of its children (list, then map entries) comes next.</summary>
    private sealed class DeleteFrame(ContentType content)
    {
        internal readonly ContentType Content = content;
        private Item? _listNext = content.Type.Start;
        private Dictionary<string, Item>.ValueCollection.Enumerator _mapValues;
        private bool _inMap;

        /// <summary>The next child that is not deleted yet; already-deleted ones are queued for merging on the way.</summary>
        internal Item? NextLiveChild(Transaction transaction)
        {
            while (!_inMap && _listNext is { } item)
            {
                _listNext = item.Right;
                if (!item.Deleted) return item;
                SkipDeleted(transaction, item);
            }
            if (!_inMap)
            {
                _inMap = true;
                if (Content.Type.Map is not { } map) return null;
                _mapValues = map.Values.GetEnumerator();
            }
            if (Content.Type.Map is null) return null;
            while (_mapValues.MoveNext())
            {
                var item = _mapValues.Current;
                if (!item.Deleted) return item;
                SkipDeleted(transaction, item);
            }
            return null;
        }

        private static void SkipDeleted(Transaction transaction, Item item)
        {
            if (item.Id.Clock < transaction.BeforeStateOf(item.Id.Client))
            {
                // Deleted before this transaction: not in its delete set, but it may merge after gc.
                transaction.MergeStructs.Add(item);
            }
        }
    }

    internal override void Gc(StructStore store)
    {
        // Post-order like the recursion: a child's content is collected before the child is replaced, and a type's
        // lists are cleared after all its children.
        var open = new Stack<GcFrame>();
        open.Push(new GcFrame(this));
        while (open.Count > 0)
        {
            var frame = open.Peek();
            if (frame.Pending is { } child)
            {
                // The child's content has been collected (it had none nested, or its frame finished): replace it.
                frame.Pending = null;
                store.ReplaceStruct(child, new GC(child.Id, child.Length));
            }
            var next = frame.Next();
            if (next is null)
            {
                frame.Content.Type.Start = null;
                if (frame.Content.Type.Map is not null) frame.Content.Type.Map = null;
                open.Pop();
                continue;
            }
            if (!next.Deleted) throw new InvalidOperationException("Only deleted items can be garbage collected.");
            frame.Pending = next;
            if (next.Content is ContentType nested) open.Push(new GcFrame(nested));
            else next.Content.Gc(store);
        }
    }

    /// <summary>A type being collected: its children in list order, then each map key's history from newest to oldest.</summary>
    private sealed class GcFrame(ContentType content)
    {
        internal readonly ContentType Content = content;
        internal Item? Pending;
        private Item? _listNext = content.Type.Start;
        private bool _listDone;
        private Item[]? _mapLasts;
        private int _mapIndex;
        private Item? _mapNext;

        internal Item? Next()
        {
            if (!_listDone)
            {
                if (_listNext is { } item)
                {
                    _listNext = item.Right;
                    return item;
                }
                _listDone = true;
                _mapLasts = Content.Type.Map is { } map ? [.. map.Values] : [];
            }
            while (true)
            {
                if (_mapNext is { } entry)
                {
                    _mapNext = entry.Left;
                    return entry;
                }
                if (_mapLasts is null || _mapIndex >= _mapLasts.Length) return null;
                _mapNext = _mapLasts[_mapIndex++];
            }
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
