using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json.Nodes;

namespace Spotter.Collab.Bench;

/// <summary>Writes the "CRDT engine" section of docs/benchmarks.md, leaving other sections alone.</summary>
public static class BenchReport
{
    private const string Heading = "## CRDT engine";

    /// <summary>The automerge-paper goals: (figure, goal, unit scale, unit).</summary>
    private static readonly (string Key, string Label, double Goal, string Unit)[] Goals =
    [
        ("localApplyMs", "local apply, one transaction per edit", 150, "ms"),
        ("remoteApplyUsMedian", "remote apply per update (median of the per-edit updates)", 1, "µs"),
        ("remoteApplyUsPerUpdate", "remote apply per update (mean: total ÷ count)", 1, "µs"),
        ("decodeMs", "decode (apply) full V1 state", 3, "ms"),
        ("encodeMs", "encode full state (V1)", 1, "ms"),
        ("memoryBytes", "memory held by the loaded doc", 2 * 1024 * 1024, "MB"),
    ];

    public static void WriteSection(string path, IReadOnlyList<JsonObject> rows, BenchOptions options)
    {
        var section = Render(rows, options);
        var existing = File.Exists(path) ? File.ReadAllText(path) : "# Benchmarks\n";
        var start = existing.IndexOf(Heading + "\n", StringComparison.Ordinal);
        string updated;
        if (start < 0)
        {
            updated = existing.TrimEnd('\n') + "\n\n" + section;
        }
        else
        {
            var next = existing.IndexOf("\n## ", start + Heading.Length, StringComparison.Ordinal);
            updated = existing[..start] + section + (next < 0 ? "" : existing[(next + 1)..]);
        }

        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        File.WriteAllText(path, updated);
    }

    private static string Render(IReadOnlyList<JsonObject> rows, BenchOptions options)
    {
        var s = new StringBuilder();
        var inv = CultureInfo.InvariantCulture;
        s.AppendLine(Heading).AppendLine();
        s.AppendLine(inv, $"Measured by `./build.sh bench` (bench/run.sh) on {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC: .NET {Environment.Version} Release " +
            $"({RuntimeInformation.OSArchitecture}, {Environment.ProcessorCount} cores) against yjs {Yjs(rows, "version") ?? "?"} on node {Yjs(rows, "node") ?? "v20"}.");
        s.AppendLine(inv, $"Each figure is the median of {options.Runs} runs after {options.Warmup} warmup run(s). The machine is shared with other");
        s.AppendLine("jobs and noisy, so treat differences under ~20 % as noise. Raw JSON lines: `artifacts/bench/crdt.jsonl`.").AppendLine();

        if (rows.FirstOrDefault(r => r["trace"]?.GetValue<string>() == "automerge-paper") is { } paper)
        {
            s.AppendLine("### automerge-paper (259,778 single-keystroke transactions) against the goals").AppendLine();
            s.AppendLine("| figure | engine | goal | met | yjs 13.6.33 | yjs ÷ engine |");
            s.AppendLine("| --- | ---: | ---: | :---: | ---: | ---: |");
            foreach (var (key, label, goal, unit) in Goals)
            {
                var engine = Number(paper["engine"], key);
                var yjs = Number(paper["yjs"], key);
                var met = engine is null ? "–" : engine <= goal ? "yes" : "**no**";
                s.AppendLine(inv, $"| {label} | {Format(engine, unit)} | ≤ {Format(goal, unit)} | {met} | {Format(yjs, unit)} | {Ratio(engine, yjs)} |");
            }

            s.AppendLine();
        }

        s.AppendLine("### Every trace (engine / yjs)").AppendLine();
        s.AppendLine("| trace | local apply | remote apply per update (median; mean) | decode full V1 | encode full V1 | memory held | V1 state | matches yjs golden V1 |");
        s.AppendLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: | :---: |");
        foreach (var row in rows)
        {
            var e = row["engine"];
            var y = row["yjs"];
            string Pair(string key, string unit) => $"{Format(Number(e, key), unit)} / {Format(Number(y, key), unit)}";
            var remote = Number(e, "remoteApplyUsMedian") is null
                ? "–"
                : $"{Pair("remoteApplyUsMedian", "µs")}; {Pair("remoteApplyUsPerUpdate", "µs")}";
            var golden = e?["goldenV1Matches"] is JsonValue g ? (g.GetValue<bool>() ? "yes" : "**no**") : "–";
            s.AppendLine(inv, $"| {row["trace"]} | {(Number(e, "localApplyMs") is null ? "–" : Pair("localApplyMs", "ms"))} | {remote} | " +
                $"{Pair("decodeMs", "ms")} | {Pair("encodeMs", "ms")} | {Pair("memoryBytes", "MB")} | {Format(Number(e, "stateBytesV1") / 1024.0, "KiB")} | {golden} |");
        }

        s.AppendLine();
        s.AppendLine("Local apply replays the trace with one transaction per recorded txn on a fresh doc; remote apply feeds the per-txn");
        s.AppendLine("updates captured from such a replay into a fresh doc (median of individually timed applications; mean = total ÷ count);");
        s.AppendLine("decode applies the full V1 state to a fresh doc; memory is the managed heap the loaded doc holds");
        s.AppendLine("(`GC.GetTotalMemory(true)` delta; for yjs `process.memoryUsage().heapUsed` after `global.gc()`). C1/C2/S1/S2 are");
        s.AppendLine("yrs-made V2 files, measured on their V1 re-encoding. Run: `./build.sh bench` (`BENCH_RUNS=N` for more runs).");
        return s.ToString();
    }

    private static string? Yjs(IReadOnlyList<JsonObject> rows, string key) =>
        rows.Select(r => r["yjs"]?[key]).OfType<JsonValue>().Select(v => v.ToString()).FirstOrDefault();

    private static double? Number(JsonNode? parent, string key) =>
        parent?[key] is JsonValue v && v.TryGetValue<double>(out var d) ? d : null;

    private static string Ratio(double? engine, double? yjs) =>
        engine is > 0 && yjs is not null ? (yjs.Value / engine.Value).ToString("0.0", CultureInfo.InvariantCulture) + "×" : "–";

    private static string Format(double? value, string unit)
    {
        if (value is null)
        {
            return "–";
        }

        var v = unit == "MB" ? value.Value / (1024 * 1024) : value.Value;
        var digits = v >= 100 ? "0" : v >= 10 ? "0.0" : "0.00";
        return v.ToString(digits, CultureInfo.InvariantCulture) + " " + unit;
    }
}
