namespace Spotter.Collab.Grains.Okr;

/// <summary>The company's cycles (one activation, key "default"), kept in memory after the first read; every change is
/// durable in <see cref="IOkrStore"/> before it answers. Who may create and change them is the caller's check
/// (administrators: the HTTP API).</summary>
public sealed class OkrCyclesGrain(IOkrStore store, TimeProvider time) : Grain, IOkrCyclesGrain
{
    private List<OkrCycle>? _cycles;

    private async Task<List<OkrCycle>> CyclesAsync() => _cycles ??= [.. await store.ListCyclesAsync()];

    public async Task<OkrCycle> Create(string name, string kind, DateOnly firstDay, DateOnly lastDay)
    {
        var cycles = await CyclesAsync();
        var cycle = new OkrCycle(OkrSchema.NewCycleId(), name, kind, firstDay, lastDay, OkrCycles.Draft, time.GetUtcNow());
        await store.CreateCycleAsync(cycle);
        cycles.Add(cycle);
        cycles.Sort((a, b) => b.Start != a.Start ? b.Start.CompareTo(a.Start) : string.CompareOrdinal(a.Id, b.Id));
        return cycle;
    }

    public async Task<IReadOnlyList<OkrCycle>> List() => [.. await CyclesAsync()];

    public async Task<OkrCycle?> Find(string cycleId) => (await CyclesAsync()).Find(c => c.Id == cycleId);

    public async Task<OkrCycle?> SetStatus(string cycleId, string status)
    {
        var cycles = await CyclesAsync();
        var index = cycles.FindIndex(c => c.Id == cycleId);
        if (index < 0 || !await store.SetCycleStatusAsync(cycleId, status)) return null;
        return cycles[index] = cycles[index] with { Status = status };
    }
}
