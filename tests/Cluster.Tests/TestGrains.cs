namespace Spotter.Collab.Cluster.Tests;

[GenerateSerializer]
public sealed class CounterState
{
    [Id(0)] public int Value { get; set; }
    [Id(1)] public List<string> History { get; set; } = [];
}

/// <summary>A grain whose state lives in the "pg" ADO.NET grain storage; one interface per Orleans key kind.</summary>
[Alias("spotter.tests.counter")]
public interface ICounterGrain : IGrainWithStringKey
{
    [Alias("add")] Task<int> Add(int amount, string note);
    [Alias("read")] Task<CounterSnapshot> Read();
    [Alias("clear")] Task Clear();
    [Alias("deactivate")] Task Deactivate();
}

[Alias("spotter.tests.counter-int")]
public interface IIntegerCounterGrain : IGrainWithIntegerCompoundKey
{
    [Alias("add")] Task<int> Add(int amount, string note);
    [Alias("read")] Task<CounterSnapshot> Read();
}

[Alias("spotter.tests.counter-guid")]
public interface IGuidCounterGrain : IGrainWithGuidKey
{
    [Alias("add")] Task<int> Add(int amount, string note);
    [Alias("read")] Task<CounterSnapshot> Read();
}

[GenerateSerializer, Immutable]
public sealed record CounterSnapshot([property: Id(0)] int Value, [property: Id(1)] IReadOnlyList<string> History,
    [property: Id(2)] string? ETag, [property: Id(3)] bool RecordExists, [property: Id(4)] Guid Activation);

public sealed class CounterGrain([PersistentState("counter", TestSilo.StorageName)] IPersistentState<CounterState> state)
    : Grain, ICounterGrain, IIntegerCounterGrain, IGuidCounterGrain
{
    // Tells activations apart, so a test can prove a read came after a fresh load from storage.
    private readonly Guid _activation = Guid.NewGuid();

    public async Task<int> Add(int amount, string note)
    {
        state.State.Value += amount;
        state.State.History.Add(note);
        await state.WriteStateAsync();
        return state.State.Value;
    }

    public Task<CounterSnapshot> Read() =>
        Task.FromResult(new CounterSnapshot(state.State.Value, [.. state.State.History], state.Etag, state.RecordExists, _activation));

    public Task Clear() => state.ClearStateAsync();

    public Task Deactivate()
    {
        DeactivateOnIdle();
        return Task.CompletedTask;
    }
}
