using System.Globalization;

namespace Spotter.Collab.Crdt.Tests.Differential;

/// <summary>Knobs from the environment: SPOTTER_SEED reruns one case, SPOTTER_SOAK=1 runs long.</summary>
public static class DifferentialSettings
{
    public static bool Soak => Environment.GetEnvironmentVariable("SPOTTER_SOAK") == "1";

    /// <summary>The single seed to rerun, when SPOTTER_SEED is set.</summary>
    public static int? Seed =>
        int.TryParse(Environment.GetEnvironmentVariable("SPOTTER_SEED"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var seed) ? seed : null;

    /// <summary>The seeds a test runs: the one given, or <paramref name="count"/> (×20 when soaking) from <paramref name="first"/>.</summary>
    public static IEnumerable<int> Seeds(int first, int count)
    {
        if (Seed is { } only)
        {
            return [only];
        }

        return Enumerable.Range(first, Soak ? count * 20 : count);
    }
}
