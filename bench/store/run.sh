#!/usr/bin/env bash
# Document store and cluster benchmark (docs/benchmarks.md, "Document store and cluster"): Release builds of the
# silo, the web host and bench/store, then acknowledged updates/s at the store level and end to end (PostgreSQL and
# SQLite, one hot document and 1,000 documents) and the activation time of a 10 MB document. Starts its own throwaway
# PostgreSQL on 127.0.0.1 (initdb/pg_ctl, like tests/Cluster.Tests) and rewrites the section between
# <!-- store:begin --> and <!-- store:end -->.
#   ./build.sh bench store [--rounds 5] [--seconds 3] [--only store,e2e,activation] [--stores postgres,sqlite]
set -euo pipefail
cd "$(dirname "$0")/../.."
for project in src/Silo src/WebHost bench/store; do
  dotnet build "$project" -c Release -nologo -clp:ErrorsOnly >&2
done
mkdir -p artifacts/bench
dotnet bench/store/bin/Release/net10.0/Spotter.Collab.StoreBench.dll --markdown docs/benchmarks.md "$@" | tee artifacts/bench/store.jsonl
echo "wrote docs/benchmarks.md (section \"Document store and cluster\") and artifacts/bench/store.jsonl" >&2
