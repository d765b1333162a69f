#!/usr/bin/env bash
# Live co-editing load benchmark (see docs/benchmarks.md, "Live co-editing"): builds the Release WebHost, installs
# the pinned node packages, then runs bench/load/run.mjs (Spotter.Collab, then in-memory Hocuspocus, on 127.0.0.1
# only, bounded in time) and rewrites the section between <!-- load:begin --> and <!-- load:end -->.
#   ./build.sh bench load [--clients 100,500] [--awareness off,on] [--duration 20] [--repeat 1] [--workers 2]
set -euo pipefail
cd "$(dirname "$0")/../.."
dotnet build src/WebHost -c Release -nologo -clp:ErrorsOnly >&2
if [ ! -d bench/load/node_modules/yjs ]; then
  (cd bench/load && npm ci --no-audit --no-fund --loglevel=error)
fi
mkdir -p artifacts/bench
node bench/load/run.mjs --write-docs "$@" | tee artifacts/bench/load.jsonl
