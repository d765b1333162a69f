using Orleans.Concurrency;
using Orleans.Runtime;

namespace Spotter.Collab.Grains.Health;

/// <summary>Stateless, so it activates on the gateway silo the probe reached and needs no storage.</summary>
[StatelessWorker]
public sealed class HealthGrain(ILocalSiloDetails silo) : Grain, IHealthGrain
{
    public Task<string> Ping() => Task.FromResult(silo.Name);
}
