#!/usr/bin/env bash
# Live co-editing load benchmark (see docs/benchmarks.md, "Live co-editing"): builds the Release WebHost, installs
# the pinned node packages, then runs bench/load/run.mjs (Spotter.Collab, then in-memory Hocuspocus 4.x and
# @y/websocket-server, on 127.0.0.1 only, bounded in time by --max-minutes) and rewrites the section between
# <!-- load:begin --> and <!-- load:end --> (many documents: <!-- load-documents:begin/end -->).
#   ./build.sh bench load [--clients 100,500] [--awareness off,on] [--duration 20] [--repeat 1] [--workers 2] [--pin]
#   ./build.sh bench load --documents 200 --clients 600 --rate 1 --pin       (many documents)
#   ./build.sh bench load --documents 2000 --clients 6000 --scenario rest    (at rest: 60 edits/s in all)
set -euo pipefail
cd "$(dirname "$0")/../.."
dotnet build src/WebHost -c Release -nologo -clp:ErrorsOnly >&2
if [ ! -d bench/load/node_modules/@y/websocket-server ] || [ ! -d bench/load/node_modules/yjs ]; then
  (cd bench/load && npm ci --no-audit --no-fund --loglevel=error)
fi
mkdir -p artifacts/bench
node bench/load/run.mjs --write-docs "$@" | tee artifacts/bench/load.jsonl
