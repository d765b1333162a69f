using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;

namespace Spotter.Collab.StoreBench;

/// <summary>One measured figure: the median over the measured rounds (warmup rounds are run and dropped).</summary>
internal sealed record Figure(string Level, string Store, string Scenario, string Unit, double Median, IReadOnlyList<double> Rounds, JsonObject Extra)
{
    public JsonObject ToJson()
    {
        var json = new JsonObject
        {
            ["level"] = Level,
            ["store"] = Store,
            ["scenario"] = Scenario,
            ["unit"] = Unit,
            ["median"] = Math.Round(Median, 3),
            ["rounds"] = new JsonArray([.. Rounds.Select(r => (JsonNode)Math.Round(r, 3))]),
        };
        foreach (var (key, value) in Extra) json[key] = value?.DeepClone();
        return json;
    }
}

/// <summary>Result of one closed-loop throughput round.</summary>
internal readonly record struct ThroughputRound(double PerSecond, double P50Ms, double P99Ms, long Completed);

internal static class Harness
{
    public static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        if (sorted.Length == 0) return double.NaN;
        var mid = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }

    public static double Percentile(double[] sorted, double p) =>
        sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];

    /// <summary>Runs <paramref name="warmup"/> rounds whose results are dropped, then <paramref name="rounds"/> measured ones.</summary>
    public static async Task<List<T>> RoundsAsync<T>(int warmup, int rounds, Func<int, Task<T>> round)
    {
        for (var i = 0; i < warmup; i++) await round(-1 - i);
        var results = new List<T>(rounds);
        for (var i = 0; i < rounds; i++) results.Add(await round(i));
        return results;
    }

    /// <summary>
    /// <paramref name="workers"/> loops, each issuing its next operation as soon as the previous one completed
    /// (a closed loop, like an editor waiting for each acknowledgement). Counts operations completed inside the
    /// measuring window and their latencies; operations still in flight at the end are awaited but not counted.
    /// </summary>
    public static async Task<ThroughputRound> ClosedLoopAsync(int workers, TimeSpan duration, Func<int, long, Task> operation)
    {
        var stop = 0;
        var completed = 0L;
        var latencies = new List<double>[workers];
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        async Task WorkerAsync(int worker)
        {
            var mine = latencies[worker] = new List<double>(1024);
            await started.Task.ConfigureAwait(false);
            for (long i = 0; Volatile.Read(ref stop) == 0; i++)
            {
                var begin = Stopwatch.GetTimestamp();
                await operation(worker, i).ConfigureAwait(false);
                if (Volatile.Read(ref stop) != 0) break;
                mine.Add(Stopwatch.GetElapsedTime(begin).TotalMilliseconds);
                Interlocked.Increment(ref completed);
            }
        }
        var tasks = Enumerable.Range(0, workers).Select(w => Task.Run(() => WorkerAsync(w))).ToArray();
        var clock = Stopwatch.StartNew();
        started.SetResult();
        await Task.Delay(duration).ConfigureAwait(false);
        Volatile.Write(ref stop, 1);
        var count = Interlocked.Read(ref completed);
        var elapsed = clock.Elapsed;
        await Task.WhenAll(tasks).ConfigureAwait(false);
        var all = latencies.Where(l => l is not null).SelectMany(l => l).Order().ToArray();
        return new ThroughputRound(count / elapsed.TotalSeconds, Percentile(all, 0.50), Percentile(all, 0.99), count);
    }

    public static string Format(double value) => value switch
    {
        >= 100 => value.ToString("F0", CultureInfo.InvariantCulture),
        >= 10 => value.ToString("F1", CultureInfo.InvariantCulture),
        _ => value.ToString("F2", CultureInfo.InvariantCulture),
    };
}
