#!/usr/bin/env bash
# CRDT engine benchmark: real yjs 13.6.33 in node, then the C# engine (Release) on the same traces;
# prints one JSON line per trace and rewrites the "CRDT engine" section of docs/benchmarks.md.
#   ./build.sh bench [--runs N] [--only automerge-paper,C1]     (BENCH_RUNS=N works too)
#   ./build.sh bench load [...]                                  live co-editing load bench (bench/load/run.sh)
#   ./build.sh bench store [...]                                 document store + cluster bench (bench/store/run.sh)
#   ./build.sh bench scale [...]                                 access model at scale (bench/scale/run.sh)
#   ./build.sh bench assistant [...]                             knowledge assistant (bench/assistant/run.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${1:-}" = "load" ]; then
  shift
  exec bash bench/load/run.sh "$@"
fi
if [ "${1:-}" = "store" ]; then
  shift
  exec bash bench/store/run.sh "$@"
fi
if [ "${1:-}" = "scale" ]; then
  shift
  exec bash bench/scale/run.sh "$@"
fi
if [ "${1:-}" = "assistant" ]; then
  shift
  exec bash bench/assistant/run.sh "$@"
fi
OUT=artifacts/bench
mkdir -p "$OUT"
if [ ! -d tests/oracle/node_modules/yjs ]; then
  (cd tests/oracle && npm ci --no-audit --no-fund --loglevel=error)
fi
echo "== yjs (node --expose-gc bench/yjs-trace-bench.mjs)" >&2
node --expose-gc --max-old-space-size=4096 bench/yjs-trace-bench.mjs "$@" | tee "$OUT/yjs.jsonl" >&2
echo "== engine (dotnet bench/Crdt.Bench, Release)" >&2
dotnet build bench/Crdt.Bench -c Release -nologo -clp:ErrorsOnly >&2
dotnet bench/Crdt.Bench/bin/Release/net10.0/Spotter.Collab.Bench.dll --yjs "$OUT/yjs.jsonl" --markdown docs/benchmarks.md "$@" \
  | tee "$OUT/crdt.jsonl"
echo "wrote docs/benchmarks.md (section \"CRDT engine\") and $OUT/crdt.jsonl" >&2
