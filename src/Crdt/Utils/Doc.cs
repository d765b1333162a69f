using System.Security.Cryptography;

namespace Spotter.Collab.Crdt;

public sealed class DocOptions
{
    /// <summary>Fixed client id; when null a random 32-bit id is generated (as yjs does).</summary>
    public ulong? ClientId { get; set; }
    /// <summary>Collect deleted content. Turn off for documents whose history (snapshots) must stay readable.</summary>
    public bool Gc { get; set; } = true;
#pragma warning disable CA1720 // the yjs option is called guid
    public string? Guid { get; set; }
#pragma warning restore CA1720
    public bool AutoLoad { get; set; }
    public bool ShouldLoad { get; set; } = true;
    public object? Meta { get; set; }
    /// <summary>Updates claiming more structs than this are rejected with <see cref="CrdtFormatException"/>.</summary>
    public int MaxStructsPerUpdate { get; set; } = UpdateLimits.DefaultMaxStructsPerUpdate;
    /// <summary>
    /// Updates that would make a shared type nest deeper than this are rejected with <see cref="CrdtFormatException"/>
    /// (a root type is depth 0). <see cref="int.MaxValue"/> turns the check off, e.g. to read content stored earlier.
    /// </summary>
    public int MaxNestingDepth { get; set; } = UpdateLimits.DefaultMaxNestingDepth;
}

public sealed class UpdateEventArgs(byte[] update, object? origin, Transaction transaction) : EventArgs
{
    public byte[] Update { get; } = update;
    public object? Origin { get; } = origin;
    public Transaction Transaction { get; } = transaction;
}

/// <summary>A Yjs-compatible document: shared root types, a struct store, and transactions.</summary>
public sealed class Doc
{
    internal readonly StructStore Store = new();
    internal readonly Dictionary<string, AbstractType> Share = [];
    internal Transaction? CurrentTransaction;
    /// <summary>State vector after the last transaction (reused as the next one's before-state).</summary>
    internal ClientClocks? LastState;
    internal readonly List<Transaction> TransactionCleanups = [];

    public Doc(DocOptions? options = null)
    {
        options ??= new DocOptions();
        ClientId = options.ClientId ?? GenerateClientId();
        Gc = options.Gc;
        Guid = options.Guid ?? System.Guid.NewGuid().ToString();
        AutoLoad = options.AutoLoad;
        ShouldLoad = options.ShouldLoad;
        Meta = options.Meta;
        MaxStructsPerUpdate = options.MaxStructsPerUpdate > 0
            ? options.MaxStructsPerUpdate
            : throw new ArgumentOutOfRangeException(nameof(options), "MaxStructsPerUpdate must be positive.");
        MaxNestingDepth = options.MaxNestingDepth;
    }

    /// <summary>
    /// Updates that would make a shared type nest deeper than this are rejected (<see cref="DocOptions.MaxNestingDepth"/>).
    /// Settable so that a server can load what it stored earlier without the bound and then hold new updates to it.
    /// </summary>
    public int MaxNestingDepth
    {
        get => _maxNestingDepth;
        set => _maxNestingDepth = value > 0 ? value : throw new ArgumentOutOfRangeException(nameof(value), "MaxNestingDepth must be positive.");
    }

    private int _maxNestingDepth;

    /// <summary>Updates claiming more structs than this are rejected (<see cref="DocOptions.MaxStructsPerUpdate"/>).</summary>
    public int MaxStructsPerUpdate { get; }

    public ulong ClientId { get; private set; }
    public bool Gc { get; }
#pragma warning disable CA1720 // the yjs property is called guid
    public string Guid { get; }
#pragma warning restore CA1720
    public bool AutoLoad { get; internal set; }
    public bool ShouldLoad { get; internal set; }
    public object? Meta { get; internal set; }
    /// <summary>The item that holds this document when it is a sub-document.</summary>
    internal Item? SubdocItem;
    public HashSet<Doc> Subdocs { get; } = new(ReferenceEqualityComparer.Instance);

    /// <summary>V1 update of each transaction that changed something.</summary>
    public event EventHandler<UpdateEventArgs>? Updated;
    /// <summary>V2 update of each transaction that changed something.</summary>
    public event EventHandler<UpdateEventArgs>? UpdatedV2;
    /// <summary>After each transaction's observers ran (before garbage collection).</summary>
    public event EventHandler<Transaction>? AfterTransaction;

    private static ulong GenerateClientId() => (ulong)(uint)RandomNumberGenerator.GetInt32(int.MinValue, int.MaxValue);

    internal void ChangeClientIdAfterConflict() => ClientId = GenerateClientId();

    public YText GetText(string name = "") => GetRoot(name, static () => new YText());
    public YMap GetMap(string name = "") => GetRoot(name, static () => new YMap());
    public YArray GetArray(string name = "") => GetRoot(name, static () => new YArray());
    public YXmlFragment GetXmlFragment(string name = "") => GetRoot(name, static () => new YXmlFragment());
    public YXmlElement GetXmlElement(string name = "") => GetRoot(name, static () => new YXmlElement("UNDEFINED"));

    /// <summary>Root types defined so far (including placeholders created by updates that named them).</summary>
    public IReadOnlyDictionary<string, AbstractType> Roots => Share;

    /// <summary>A root as named by an update: a placeholder until the application asks for a concrete type.</summary>
    internal AbstractType GetOrCreateRoot(string name)
    {
        if (!Share.TryGetValue(name, out var type))
        {
            type = new AbstractType();
            type.RootName = name;
            type.Integrate(this, null);
            Share[name] = type;
        }
        return type;
    }

    private T GetRoot<T>(string name, Func<T> create) where T : AbstractType
    {
        if (Share.TryGetValue(name, out var existing))
        {
            if (existing is T typed) return typed;
            if (existing.GetType() != typeof(AbstractType))
                throw new InvalidOperationException($"Type with the name '{name}' has already been defined as {existing.GetType().Name}.");
            // Promote the placeholder: the new type takes over its content.
            var t = create();
            t.RootName = name;
            t.Map = existing.Map;
            if (t.Map is not null)
            {
                foreach (var last in t.Map.Values)
                {
                    for (var n = last; n is not null; n = n.Left) n.Parent = t;
                }
            }
            t.Start = existing.Start;
            for (var n = t.Start; n is not null; n = n.Right) n.Parent = t;
            t.LengthInternal = existing.LengthInternal;
            t.MayHoldFormats = existing.MayHoldFormats;
            Share[name] = t;
            t.Integrate(this, null);
            return t;
        }
        var created = create();
        created.RootName = name;
        Share[name] = created;
        created.Integrate(this, null);
        return created;
    }

    /// <summary>Runs <paramref name="action"/> in a transaction; nested calls join the outer transaction.</summary>
    public void Transact(Action<Transaction> action, object? origin = null) => Transact(action, origin, local: true);

    /// <summary>Closure-free variant with origin and locality.</summary>
    internal void Transact<TState>(TState state, Action<Transaction, TState> action, object? origin, bool local)
    {
        bool initialCall = false;
        if (CurrentTransaction is null)
        {
            initialCall = true;
            CurrentTransaction = new Transaction(this, origin, local);
            TransactionCleanups.Add(CurrentTransaction);
        }
        try
        {
            action(CurrentTransaction, state);
        }
        finally
        {
            if (initialCall)
            {
                bool finishCleanup = CurrentTransaction == TransactionCleanups[0];
                CurrentTransaction = null;
                if (finishCleanup) Transaction.Cleanup(TransactionCleanups, 0);
            }
        }
    }

    /// <summary>Closure-free variant for hot paths: joins the open transaction or starts one.</summary>
    internal void Transact<TState>(TState state, Action<Transaction, TState> action)
    {
        if (CurrentTransaction is { } open)
        {
            action(open, state);
            return;
        }
        Transact(state, action, null, local: true);
    }

    internal void Transact(Action<Transaction> action, object? origin, bool local) =>
        Transact(action, static (transaction, run) => run(transaction), origin, local);

    internal void RaiseAfterTransaction(Transaction transaction)
    {
        AfterTransaction?.Invoke(this, transaction);
        if (Updated is not null)
        {
            var encoder = new UpdateEncoderV1();
            if (transaction.WriteUpdate(encoder)) Updated.Invoke(this, new UpdateEventArgs(encoder.ToArray(), transaction.Origin, transaction));
        }
        if (UpdatedV2 is not null)
        {
            var encoder = new UpdateEncoderV2();
            if (transaction.WriteUpdate(encoder)) UpdatedV2.Invoke(this, new UpdateEventArgs(encoder.ToArray(), transaction.Origin, transaction));
        }
        if (transaction.HasSubdocChanges)
        {
            foreach (var subdoc in transaction.SubdocsAdded) Subdocs.Add(subdoc);
            foreach (var subdoc in transaction.SubdocsRemoved) Subdocs.Remove(subdoc);
        }
    }

    // ---- updates ----

    public void ApplyUpdate(ReadOnlySpan<byte> updateV1, object? origin = null) =>
        UpdateReader.ApplyAndRelease(this, DecodedUpdate.Decode(updateV1, v2: false, MaxStructsPerUpdate), origin);

    public void ApplyUpdateV2(ReadOnlySpan<byte> updateV2, object? origin = null) =>
        UpdateReader.ApplyAndRelease(this, DecodedUpdate.Decode(updateV2, v2: true, MaxStructsPerUpdate), origin);

    /// <summary>
    /// Decodes a V1 update once, then applies it only if it would change the document and
    /// <paramref name="allowChanges"/> is set — the check a server makes for every frame (a read-only member may
    /// send updates that change nothing). Throws <see cref="CrdtFormatException"/> like <see cref="ApplyUpdate"/>.
    /// </summary>
    public UpdateOutcome ApplyUpdateIfAllowed(ReadOnlySpan<byte> updateV1, bool allowChanges, object? origin = null)
    {
        var decoded = DecodedUpdate.Decode(updateV1, v2: false, MaxStructsPerUpdate);
        if (!UpdateReader.WouldChange(this, decoded))
        {
            decoded.ReturnArrays();
            return UpdateOutcome.Unchanged;
        }
        if (!allowChanges)
        {
            decoded.ReturnArrays();
            return UpdateOutcome.Refused;
        }
        UpdateReader.ApplyAndRelease(this, decoded, origin);
        return UpdateOutcome.Applied;
    }

    /// <summary>
    /// True if applying this V1 update would insert anything under the root type <paramref name="rootName"/> (at any
    /// depth) or delete content of it. Content the update refers to that the doc does not know yet counts as that
    /// root's, so the answer errs towards true. Never changes the doc.
    /// </summary>
    public bool WritesRoot(ReadOnlySpan<byte> updateV1, string rootName)
    {
        ArgumentNullException.ThrowIfNull(rootName);
        var decoded = DecodedUpdate.Decode(updateV1, v2: false, MaxStructsPerUpdate);
        try
        {
            return RootWriteCheck.Writes(decoded, this, rootName);
        }
        finally
        {
            decoded.ReturnArrays();
        }
    }

    /// <summary>True if applying this V1 update would add structs or delete live content. Never changes the doc.</summary>
    public bool WouldChange(ReadOnlySpan<byte> updateV1) => UpdateReader.WouldChangeAndRelease(this, DecodedUpdate.Decode(updateV1, v2: false, MaxStructsPerUpdate));

    public bool WouldChangeV2(ReadOnlySpan<byte> updateV2) => UpdateReader.WouldChangeAndRelease(this, DecodedUpdate.Decode(updateV2, v2: true, MaxStructsPerUpdate));

    public byte[] EncodeStateAsUpdate(ReadOnlySpan<byte> encodedStateVector = default) =>
        UpdateWriter.EncodeStateAsUpdate(this, encodedStateVector, v2: false);

    public byte[] EncodeStateAsUpdateV2(ReadOnlySpan<byte> encodedStateVector = default) =>
        UpdateWriter.EncodeStateAsUpdate(this, encodedStateVector, v2: true);

    public byte[] EncodeStateVector()
    {
        var encoder = new DSEncoderV1();
        UpdateWriter.WriteStateVector(encoder, Store.GetStateVector());
        return encoder.ToArray();
    }

    /// <summary>The state vector: next expected clock per client.</summary>
    public IReadOnlyDictionary<ulong, uint> StateVector => Store.GetStateVector();

    /// <summary>True while structs or deletions wait for updates that have not arrived.</summary>
    public bool HasPending => Store.PendingStructs is not null || Store.PendingDs is not null;
}
