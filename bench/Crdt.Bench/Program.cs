using Spotter.Collab.Bench;

// Plain Stopwatch harness for the CRDT engine on the shared editing traces (see docs/benchmarks.md).
//   dotnet run -c Release --project bench/Crdt.Bench -- [--runs N] [--warmup N] [--only a,b]
//       [--yjs yjs.jsonl] [--markdown docs/benchmarks.md] [--data ../shared/data/editing-traces]
// Prints one JSON line per trace: the engine's figures, yjs's (from the --yjs file written by
// bench/yjs-trace-bench.mjs) and the ratios; with --markdown also rewrites the "CRDT engine" section.
var options = BenchOptions.Parse(args);
return TraceBench.Run(options);
