namespace Spotter.Collab.Grains;

/// <summary>Readiness probe target: a call that succeeds only if the caller can reach an active silo.</summary>
[Alias("spotter.IHealthGrain")]
public interface IHealthGrain : IGrainWithIntegerKey
{
    /// <summary>Name of the silo that answered.</summary>
    [Alias("Ping")]
    Task<string> Ping();
}
