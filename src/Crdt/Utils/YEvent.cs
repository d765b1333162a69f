namespace Spotter.Collab.Crdt;

/// <summary>One operation of a delta: insert, delete or retain (optionally with formatting attributes).</summary>
public sealed class DeltaOp
{
    /// <summary>Inserted content: a string for text runs, a <c>List&lt;object?&gt;</c> for arrays, or an embed / type.</summary>
    public object? Insert { get; init; }
    public int? Delete { get; init; }
    public int? Retain { get; init; }
    public Dictionary<string, object?>? Attributes { get; init; }

    public override string ToString() =>
        Insert is not null ? $"insert {Insert}" : Delete is not null ? $"delete {Delete}" : $"retain {Retain}";
}

public enum KeyChangeAction { Add, Update, Delete }

/// <summary>How a map key changed; <see cref="OldValue"/> is the value before the transaction.</summary>
public readonly record struct KeyChange(KeyChangeAction Action, object? OldValue);

/// <summary>Describes the changes of one type in one transaction. Compute Delta/Keys inside the handler.</summary>
public class YEvent
{
    private Dictionary<string, KeyChange>? _keys;
    private List<DeltaOp>? _delta;

    internal YEvent(AbstractType target, Transaction transaction)
    {
        Target = target;
        CurrentTarget = target;
        Transaction = transaction;
    }

    public AbstractType Target { get; }
    /// <summary>The type whose observer is being called (differs from Target for deep observers).</summary>
    public AbstractType CurrentTarget { get; internal set; }
    public Transaction Transaction { get; }

    /// <summary>Path from CurrentTarget to Target: keys (string) and indices (int).</summary>
    public IReadOnlyList<object> Path => GetPathTo(CurrentTarget, Target);

    internal int PathLengthTo(AbstractType parent) => GetPathTo(parent, Target).Count;

    public bool Deletes(AbstractStruct s) => Transaction.DeleteSet.IsDeleted(s.Id);

    public bool Adds(AbstractStruct s) => s.Id.Clock >= Transaction.BeforeStateOf(s.Id.Client);

    private void EnsureInTransaction()
    {
        if (Transaction.Doc.TransactionCleanups.Count == 0)
            throw new InvalidOperationException("Changes must be computed inside the event handler.");
    }

    /// <summary>Changed map keys.</summary>
    public IReadOnlyDictionary<string, KeyChange> Keys
    {
        get
        {
            if (_keys is not null) return _keys;
            EnsureInTransaction();
            var keys = new Dictionary<string, KeyChange>();
            if (Transaction.TryGetChanged(Target, out var changed))
            {
                foreach (var key in changed)
                {
                    if (key is null) continue;
                    var item = Target.MapGet(key)!;
                    if (Adds(item))
                    {
                        var prev = item.Left;
                        while (prev is not null && Adds(prev)) prev = prev.Left;
                        if (Deletes(item))
                        {
                            if (prev is not null && Deletes(prev)) keys[key] = new KeyChange(KeyChangeAction.Delete, AbstractType.LastValue(prev));
                        }
                        else if (prev is not null && Deletes(prev))
                        {
                            keys[key] = new KeyChange(KeyChangeAction.Update, AbstractType.LastValue(prev));
                        }
                        else
                        {
                            keys[key] = new KeyChange(KeyChangeAction.Add, Undefined.Value);
                        }
                    }
                    else if (Deletes(item))
                    {
                        keys[key] = new KeyChange(KeyChangeAction.Delete, AbstractType.LastValue(item));
                    }
                }
            }
            _keys = keys;
            return keys;
        }
    }

    /// <summary>Changes of the list part as a delta (text types produce rich-text deltas).</summary>
    public IReadOnlyList<DeltaOp> Delta => _delta ??= ComputeDelta();

    internal virtual List<DeltaOp> ComputeDelta()
    {
        EnsureInTransaction();
        var delta = new List<DeltaOp>();
        if (!Transaction.TryGetChanged(Target, out var changed) || !changed.Contains(null)) return delta;
        // Accumulate one op at a time, flushing when the kind changes.
        int kind = 0; // 1 insert, 2 delete, 3 retain
        List<object?>? insert = null;
        int count = 0;
        void Pack()
        {
            switch (kind)
            {
                case 1: delta.Add(new DeltaOp { Insert = insert }); break;
                case 2: delta.Add(new DeltaOp { Delete = count }); break;
                case 3: delta.Add(new DeltaOp { Retain = count }); break;
            }
            kind = 0;
            count = 0;
            insert = null;
        }
        for (var item = Target.Start; item is not null; item = item.Right)
        {
            if (item.Deleted)
            {
                if (Deletes(item) && !Adds(item))
                {
                    if (kind != 2) { Pack(); kind = 2; }
                    count += (int)item.Length;
                }
            }
            else if (Adds(item))
            {
                if (kind != 1) { Pack(); kind = 1; insert = []; }
                item.Content.GetContent(insert!);
            }
            else
            {
                if (kind != 3) { Pack(); kind = 3; }
                count += (int)item.Length;
            }
        }
        if (kind != 3) Pack();
        return delta;
    }

    internal static List<object> GetPathTo(AbstractType parent, AbstractType child)
    {
        var path = new List<object>();
        while (child.Item is not null && child != parent)
        {
            if (child.Item.ParentSub is not null)
            {
                path.Insert(0, child.Item.ParentSub);
            }
            else
            {
                int i = 0;
                var c = child.Item.Parent!.Start;
                while (c != child.Item && c is not null)
                {
                    if (!c.Deleted && c.Countable) i += (int)c.Length;
                    c = c.Right;
                }
                path.Insert(0, i);
            }
            child = child.Item.Parent!;
        }
        return path;
    }
}
