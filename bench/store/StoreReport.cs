using System.Globalization;
using System.Text;

namespace Spotter.Collab.StoreBench;

/// <summary>Writes the part of docs/benchmarks.md between <c>&lt;!-- store:begin --&gt;</c> and <c>&lt;!-- store:end --&gt;</c>.</summary>
internal static class StoreReport
{
    private const string Heading = "## Document store and cluster";
    private const string Begin = "<!-- store:begin -->";
    private const string End = "<!-- store:end -->";

    public static void WriteSection(string path, IReadOnlyList<Figure> figures, BenchSettings settings, MachineInfo machine)
    {
        var body = Render(figures, settings, machine);
        var existing = File.Exists(path) ? File.ReadAllText(path) : "# Benchmarks\n";
        var start = existing.IndexOf(Begin, StringComparison.Ordinal);
        var end = existing.IndexOf(End, StringComparison.Ordinal);
        var updated = start >= 0 && end > start
            ? existing[..start] + Begin + "\n" + body + End + existing[(end + End.Length)..]
            : existing.TrimEnd('\n') + "\n\n" + Heading + "\n\n" + Begin + "\n" + body + End + "\n";
        File.WriteAllText(path, updated);
    }

    private static string Render(IReadOnlyList<Figure> figures, BenchSettings settings, MachineInfo machine)
    {
        var inv = CultureInfo.InvariantCulture;
        var s = new StringBuilder();
        s.AppendLine(inv, $"Measured by `./build.sh bench store` (bench/store) on {machine}; 1-minute load average {machine.LoadAverageBefore.Split(' ')[0]} before, {machine.LoadAverageAfter.Split(' ')[0]} after.");
        s.AppendLine(inv, $"Each figure is the median of {settings.Rounds} rounds ({settings.RoundDuration.TotalSeconds:0.#} s each for throughput) after {settings.Warmup} warmup round(s);");
        s.AppendLine("the machine is a shared, noisy VM whose two cores also run the load generator, so treat differences under ~20 % as noise.");
        s.AppendLine("PostgreSQL is a throwaway server on the same disk (ext4, `fsync=on`, `synchronous_commit=on`), SQLite the store's own file (WAL,");
        s.AppendLine("`synchronous=FULL`): every acknowledged update is on disk. Raw JSON lines: `artifacts/bench/store.jsonl`.").AppendLine();

        s.AppendLine("### Acknowledged updates per second").AppendLine();
        s.AppendLine("| load | store | store: group commit (ours) | store: one commit per update (reference) | ours ÷ reference | updates per commit | store ack p50 / p99 | end to end through the server | end-to-end ack p50 / p99 | server CPU |");
        s.AppendLine("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (var (scenario, label) in new[] { (StoreThroughput.HotDoc, "one hot document"), (StoreThroughput.ThousandDocs, $"{settings.Documents:N0} documents at once") })
        {
            foreach (var store in new[] { "postgres", "sqlite" })
            {
                var ours = Find(figures, "store", store, scenario);
                var reference = Find(figures, "store", store + "-reference", scenario);
                var e2e = Find(figures, "end-to-end", store, scenario);
                if (ours is null && e2e is null) continue;
                s.Append(inv, $"| {label} | {(store == "postgres" ? "PostgreSQL" : "SQLite")} ");
                s.Append(inv, $"| {Rate(ours)} {Who(ours, "writers")} | {Rate(reference)} | {Ratio(ours, reference)} | {Extra(ours, "updatesPerCommit")} | {Latency(ours)} ");
                s.Append(inv, $"| {Rate(e2e)} {Who(e2e, "clients")} | {Latency(e2e)} | {(e2e?.Extra["serverCpuPercent"] is { } cpu ? cpu + " %" : "–")} |");
                s.AppendLine();
            }
        }
        s.AppendLine();

        var activations = figures.Where(f => f.Level == "activation").ToList();
        if (activations.Count > 0)
        {
            var copies = activations[0].Extra["copiesOfTrace"];
            s.AppendLine("### Activation of a 10 MB document").AppendLine();
            s.AppendLine(inv, $"The document: automerge-paper (259,778 keystrokes) typed {copies} times by different authors into separate text roots.");
            s.AppendLine("Activation = `IDocumentStore.LoadAsync` (snapshot + log tail) + decode into the engine (`DocumentState.Load`), which is");
            s.AppendLine("what `DocumentGrain.OnActivateAsync` does for the content (plus one small grain-state read), with a warm page cache.").AppendLine();
            s.AppendLine("| store | stored as | stored bytes | log entries | load | decode | activation total |");
            s.AppendLine("| --- | --- | ---: | ---: | ---: | ---: | ---: |");
            foreach (var figure in activations)
            {
                var storedAs = figure.Scenario == "doc-snapshot" ? "snapshot + 1,000-keystroke log tail" : "log only (~1,000 entries of keystroke runs, no snapshot)";
                var bytes = figure.Extra["storedBytes"]!.GetValue<long>();
                s.AppendLine(inv, $"| {(figure.Store == "postgres" ? "PostgreSQL" : "SQLite")} | {storedAs} | {bytes / 1e6:F1} MB | {figure.Extra["logEntries"]} | {figure.Extra["loadMs"]} ms | {figure.Extra["decodeMs"]} ms | **{Harness.Format(figure.Median)} ms** |");
            }
            s.AppendLine();
        }
        s.AppendLine("How it is measured:").AppendLine();
        s.AppendLine(inv, $"- *Store level*: `IDocumentStore.AppendAsync` called by concurrent appenders in a closed loop (each issues its next");
        s.AppendLine(inv, $"  keystroke update only when the previous one is acknowledged, i.e. committed): {settings.HotDocWriters} appenders on one document,");
        s.AppendLine(inv, $"  or one appender per document for {settings.Documents:N0} documents. The updates are real single-keystroke yjs updates (automerge-paper).");
        s.AppendLine("- *Reference*, same database and table: PostgreSQL — the same appenders each running `INSERT … RETURNING seq` in its own");
        s.AppendLine("  transaction (autocommit) on a pooled connection (PostgreSQL itself still flushes concurrent commits together);");
        s.AppendLine("  SQLite — `BEGIN; INSERT; COMMIT` per update on one connection (SQLite has a single writer).");
        s.AppendLine(inv, $"- *End to end*: the Release server processes (SQLite: one web host with its embedded silo; PostgreSQL: one silo + one web");
        s.AppendLine(inv, $"  host as Orleans client), driven by .NET SignalR clients that connect like the browser client (WebSockets, no negotiate,");
        s.AppendLine(inv, $"  MessagePack): {settings.HotDocClients} connections typing into one document, or {settings.Documents:N0} connections each typing into its");
        s.AppendLine("  own document; each `Send` carries one keystroke and the next is sent when the hub acknowledged it (after the group");
        s.AppendLine("  commit). Server CPU is user + system time of the server processes during the rounds (100 % = one core); the client");
        s.AppendLine("  process runs on the same two cores.");
        return s.ToString();
    }

    private static Figure? Find(IReadOnlyList<Figure> figures, string level, string store, string scenario) =>
        figures.FirstOrDefault(f => f.Level == level && f.Store == store && f.Scenario == scenario);

    private static string Rate(Figure? figure) => figure is null ? "–" : $"**{Harness.Format(figure.Median)}**/s";

    private static string Who(Figure? figure, string key) => figure?.Extra[key] is { } count ? $"({count} {key})" : "";

    private static string Ratio(Figure? ours, Figure? reference) =>
        ours is null || reference is null || reference.Median <= 0 ? "–" : Harness.Format(ours.Median / reference.Median) + "×";

    private static string Extra(Figure? figure, string key) => figure?.Extra[key]?.ToString() ?? "–";

    private static string Latency(Figure? figure) =>
        figure is null ? "–" : $"{figure.Extra["ackP50Ms"]} / {figure.Extra["ackP99Ms"]} ms";
}
