#!/usr/bin/env bash
# Knowledge assistant (docs/benchmarks.md, "Knowledge assistant"): Release builds of the web host and bench/assistant,
# then a wiki of --pages pages seeded through the HTTP API and --questions extractive answers timed for a user who
# reads every page and one who reads 1 % of them.
#   ./bench/assistant/run.sh [--pages 20000] [--questions 200] [--writers 8]
set -euo pipefail
cd "$(dirname "$0")/../.."
for project in src/WebHost bench/assistant; do
  dotnet build "$project" -c Release -nologo -clp:ErrorsOnly >&2
done
mkdir -p artifacts/bench
dotnet bench/assistant/bin/Release/net10.0/Spotter.Collab.AssistantBench.dll "$@" | tee artifacts/bench/assistant.jsonl
echo "wrote artifacts/bench/assistant.jsonl" >&2
