using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;
using Spotter.Collab.Crdt;

namespace Spotter.Collab.Bench;

/// <summary>
/// The engine's figures per trace, each the median over the runs after the warmup runs:
/// local apply (one transaction per trace txn), remote apply of the per-txn updates captured from a local
/// replay (mean per update, and the median of individually timed applications), decode (apply) of the full
/// V1 state, encode of the full state, and the managed memory the loaded doc holds.
/// </summary>
public static class TraceBench
{
    private const ulong ClientId = 1234567890; // the id the yjs-golden files were made with
    private static readonly string[] SequentialTraces = ["automerge-paper", "seph-blog1", "clownschool_flat", "friendsforever_flat"];
    private static readonly string[] UpdateFiles = ["C1", "C2", "S1", "S2"];

    public static int Run(BenchOptions options)
    {
        var yjs = LoadYjsResults(options.YjsResults);
        var rows = new List<JsonObject>();
        foreach (var name in SequentialTraces.Concat(UpdateFiles))
        {
            if (options.Only is not null && !options.Only.Contains(name))
            {
                continue;
            }

            var sequential = Array.IndexOf(SequentialTraces, name) >= 0;
            var path = sequential
                ? Path.Combine(options.DataDirectory, "sequential", name + ".json.gz")
                : Path.Combine(options.DataDirectory, "yjs-updates", name + ".yjs");
            if (!File.Exists(path))
            {
                Console.Error.WriteLine($"skip {name}: {path} missing");
                continue;
            }

            var measured = sequential ? BenchSequential(options, SequentialTrace.Load(name, path)) : BenchUpdateFile(options, path);
            // Re-parsed so every number is JSON-backed and reads as double whatever CLR type made it.
            var engine = JsonNode.Parse(measured.ToJsonString())!.AsObject();
            var row = new JsonObject
            {
                ["trace"] = name,
                ["kind"] = sequential ? "sequential" : "yjs-update",
                ["engine"] = engine,
                ["yjs"] = yjs.TryGetValue(name, out var y) ? y.DeepClone() : null,
                ["ratios"] = Ratios(engine, y),
            };
            Console.WriteLine(row.ToJsonString());
            rows.Add(row);
        }

        if (options.Markdown is not null)
        {
            BenchReport.WriteSection(options.Markdown, rows, options);
        }

        return 0;
    }

    private static void Replay(Doc doc, SequentialTrace trace)
    {
        var text = doc.GetText("text");
        for (var txn = 0; txn < trace.TxnCount; txn++)
        {
            var first = trace.TxnStart[txn];
            var end = trace.TxnStart[txn + 1];
            doc.Transact(_ =>
            {
                for (var p = first; p < end; p++)
                {
                    if (trace.DeleteCount[p] > 0)
                    {
                        text.Delete(trace.Position[p], trace.DeleteCount[p]);
                    }

                    if (trace.Inserted[p].Length > 0)
                    {
                        text.Insert(trace.Position[p], trace.Inserted[p]);
                    }
                }
            });
        }
    }

    private static JsonObject BenchSequential(BenchOptions options, SequentialTrace trace)
    {
        // Reference replay: checks correctness and captures the per-txn updates for the remote figure.
        var reference = new Doc(new DocOptions { ClientId = ClientId });
        var updates = new List<byte[]>(trace.TxnCount);
        reference.Updated += (_, e) => updates.Add(e.Update);
        Replay(reference, trace);
        var content = reference.GetText("text").ToString();
        if (content != trace.EndContent)
        {
            throw new InvalidOperationException($"{trace.Name}: the engine's replay does not give endContent");
        }

        var fullV1 = reference.EncodeStateAsUpdate();
        var golden = Path.Combine(options.DataDirectory, "yjs-golden", $"{trace.Name}.yjs13.6.33-client1234567890.v1.bin");
        bool? goldenMatches = File.Exists(golden) ? File.ReadAllBytes(golden).AsSpan().SequenceEqual(fullV1) : null;

        var localMs = Measure(options, () =>
        {
            var doc = new Doc(new DocOptions { ClientId = ClientId });
            var clock = Stopwatch.StartNew();
            Replay(doc, trace);
            return clock.Elapsed.TotalMilliseconds;
        });
        var remoteTotalMs = Measure(options, () =>
        {
            var doc = new Doc();
            var clock = Stopwatch.StartNew();
            foreach (var update in updates)
            {
                doc.ApplyUpdate(update);
            }

            return clock.Elapsed.TotalMilliseconds;
        });

        // One run with each application timed on its own, for the median per update.
        var single = new double[updates.Count];
        {
            var doc = new Doc();
            for (var i = 0; i < updates.Count; i++)
            {
                var start = Stopwatch.GetTimestamp();
                doc.ApplyUpdate(updates[i]);
                // Raw ticks, not a TimeSpan: TimeSpan rounds to 100 ns, too coarse for sub-µs applications.
                single[i] = (Stopwatch.GetTimestamp() - start) * 1e6 / Stopwatch.Frequency;
            }
        }

        var result = BenchState(options, fullV1, trace.EndContent);
        result["txns"] = trace.TxnCount;
        result["localApplyMs"] = Round(localMs);
        result["remoteApplyUsPerUpdate"] = Round(remoteTotalMs * 1000 / updates.Count);
        result["remoteApplyUsMedian"] = Round(Median(single));
        result["goldenV1Matches"] = goldenMatches;
        return result;
    }

    private static JsonObject BenchUpdateFile(BenchOptions options, string path)
    {
        // yjs-updates/*.yjs are V2 full states; decode/encode are measured on their V1 form, as for yjs.
        var doc = new Doc();
        doc.ApplyUpdateV2(File.ReadAllBytes(path));
        return BenchState(options, doc.EncodeStateAsUpdate(), expectedContent: null);
    }

    private static JsonObject BenchState(BenchOptions options, byte[] fullV1, string? expectedContent)
    {
        var decodeMs = Measure(options, () =>
        {
            var doc = new Doc();
            var clock = Stopwatch.StartNew();
            doc.ApplyUpdate(fullV1);
            return clock.Elapsed.TotalMilliseconds;
        });
        var loaded = new Doc();
        loaded.ApplyUpdate(fullV1);
        var content = loaded.GetText("text").ToString();
        if (expectedContent is not null && content != expectedContent)
        {
            throw new InvalidOperationException("decoding the full state does not give endContent");
        }

        var encodeMs = Measure(options, () =>
        {
            var clock = Stopwatch.StartNew();
            _ = loaded.EncodeStateAsUpdate();
            return clock.Elapsed.TotalMilliseconds;
        });
        var memory = new List<double>();
        for (var i = 0; i < Math.Clamp(options.Runs, 1, 3); i++)
        {
            memory.Add(HeldBytes(fullV1));
        }

        return new JsonObject
        {
            ["decodeMs"] = Round(decodeMs),
            ["encodeMs"] = Round(encodeMs),
            ["memoryBytes"] = (long)Median(memory),
            ["stateBytesV1"] = fullV1.Length,
            ["finalLength"] = content.Length,
        };
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static double HeldBytes(byte[] fullV1)
    {
        var before = System.GC.GetTotalMemory(forceFullCollection: true);
        var doc = new Doc();
        doc.ApplyUpdate(fullV1);
        var after = System.GC.GetTotalMemory(forceFullCollection: true);
        System.GC.KeepAlive(doc);
        return after - before;
    }

    private static double Measure(BenchOptions options, Func<double> run)
    {
        for (var i = 0; i < options.Warmup; i++)
        {
            run();
        }

        var times = new double[options.Runs];
        for (var i = 0; i < times.Length; i++)
        {
            times[i] = run();
        }

        return Median(times);
    }

    public static double Median(IReadOnlyCollection<double> values)
    {
        var sorted = values.Order().ToArray();
        var mid = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }

    private static double Round(double value) => Math.Round(value, 3);

    /// <summary>yjs ÷ engine for every figure both have: above 1 means the engine is faster or smaller.</summary>
    private static JsonObject Ratios(JsonObject engine, JsonNode? yjs)
    {
        var ratios = new JsonObject();
        if (yjs is null)
        {
            return ratios;
        }

        foreach (var key in new[] { "localApplyMs", "remoteApplyUsPerUpdate", "remoteApplyUsMedian", "decodeMs", "encodeMs", "memoryBytes" })
        {
            if (engine[key] is JsonValue e && yjs[key] is JsonValue y && e.GetValue<double>() > 0)
            {
                ratios[key] = Math.Round(y.GetValue<double>() / e.GetValue<double>(), 2);
            }
        }

        return ratios;
    }

    private static Dictionary<string, JsonObject> LoadYjsResults(string? path)
    {
        var results = new Dictionary<string, JsonObject>();
        if (path is null)
        {
            return results;
        }

        foreach (var line in File.ReadLines(path))
        {
            if (line.TrimStart().StartsWith('{') && JsonNode.Parse(line) is JsonObject row && row["trace"] is JsonValue trace)
            {
                results[trace.GetValue<string>()] = row;
            }
        }

        return results;
    }
}
