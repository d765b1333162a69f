#!/usr/bin/env bash
# Access model at scale (docs/benchmarks.md, "Access model at scale"): Release builds of the silo, the web host and
# bench/scale, then an organisation built through the HTTP API up to --pages pages (checkpoints 1k, 10k, 50k, 100k)
# with page create p50/p99, JoinDocument p50/p99, the tree of the big space and the persisted access state size.
#   ./build.sh bench scale [--pages 10000] [--stores sqlite,postgres] [--users 2000] [--creators 4]
set -euo pipefail
cd "$(dirname "$0")/../.."
for project in src/Silo src/WebHost bench/scale; do
  dotnet build "$project" -c Release -nologo -clp:ErrorsOnly >&2
done
mkdir -p artifacts/bench
dotnet bench/scale/bin/Release/net10.0/Spotter.Collab.ScaleBench.dll "$@" | tee artifacts/bench/scale.jsonl
echo "wrote artifacts/bench/scale.jsonl" >&2
