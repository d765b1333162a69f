#!/usr/bin/env bash
# One entry point for developers and CI.
#   ./build.sh test        install what the tests need, run every test, print "N passed, N failed"
#   ./build.sh test --soak longer fuzz/differential runs (SPOTTER_SOAK=1)
#   ./build.sh run [args]  check the .NET 10 SDK and Node.js 20, then run the server (args go to the server)
#   ./build.sh bench       run the benchmarks (see docs/benchmarks.md; `bench load`, `bench store`, `bench scale`, `bench assistant` for the others)
set -uo pipefail
cd "$(dirname "$0")"
ROOT=$PWD
ARTIFACTS="$ROOT/artifacts"
cmd=${1:-test}; shift || true

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

install_deps() {
  # Debian packages the tests use: Chromium for browser tests, PostgreSQL for the cluster tests.
  local need=()
  command -v chromium >/dev/null 2>&1 || need+=(chromium)
  # A CJK font, so the Chinese UI in browser tests and screenshots renders characters, not boxes.
  [ -e /usr/share/fonts/truetype/wqy/wqy-microhei.ttc ] || need+=(fonts-wqy-microhei)
  # The cluster tests start their own throwaway server from initdb/pg_ctl (see tests/Cluster.Tests/PostgresFixture.cs).
  if ! command -v pg_ctl >/dev/null 2>&1 && ! compgen -G '/usr/lib/postgresql/*/bin/pg_ctl' >/dev/null; then
    need+=(postgresql)
  fi
  if [ ${#need[@]} -gt 0 ]; then
    echo "== apt-get install ${need[*]}"
    apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
  fi
  if [ -f tests/oracle/package-lock.json ]; then
    echo "== npm ci (tests/oracle: reference yjs for the differential tests and benchmarks)"
    (cd tests/oracle && npm ci --no-audit --no-fund --loglevel=error) || return 1
  fi
  if [ -f web/package-lock.json ]; then
    echo "== npm ci (web)"
    (cd web && npm ci --no-audit --no-fund --loglevel=error) || return 1
  fi
}

passed=0; failed=0; skipped=0
count_trx() {
  # Sum the counters of every TRX file a dotnet test run wrote.
  local f p fl sk
  for f in "$@"; do
    [ -f "$f" ] || continue
    p=$(grep -o 'passed="[0-9]*"' "$f" | head -1 | grep -o '[0-9]*'); fl=$(grep -o ' failed="[0-9]*"' "$f" | head -1 | grep -o '[0-9]*')
    sk=$(grep -o 'notExecuted="[0-9]*"' "$f" | head -1 | grep -o '[0-9]*')
    passed=$((passed + ${p:-0})); failed=$((failed + ${fl:-0})); skipped=$((skipped + ${sk:-0}))
  done
}

run_tests() {
  rm -rf "$ARTIFACTS/test" && mkdir -p "$ARTIFACTS/test"
  install_deps || { echo "dependency install failed"; echo "0 passed, 1 failed"; exit 1; }
  echo "== dotnet build"
  if ! dotnet build Spotter.Collab.sln -c Release -nologo -clp:ErrorsOnly; then
    echo "0 passed, 1 failed"; exit 1
  fi
  local proj name
  for proj in tests/*/*.csproj; do
    name=$(basename "$proj" .csproj)
    echo "== dotnet test $name"
    dotnet test "$proj" -c Release --no-build --nologo \
      --logger "trx;LogFileName=$ARTIFACTS/test/$name.trx" --logger "console;verbosity=minimal" \
      --blame-hang-timeout 10m
    if [ ! -f "$ARTIFACTS/test/$name.trx" ]; then echo "!! $name produced no results"; failed=$((failed + 1)); fi
  done
  count_trx "$ARTIFACTS"/test/*.trx
  if [ -f web/package.json ] && grep -q '"test"' web/package.json; then
    echo "== web tests (vitest + browser)"
    local out="$ARTIFACTS/test/web.json"
    (cd web && npm test --silent -- --reporter=default --reporter=json --outputFile="$out")
    if [ -f "$out" ]; then
      local wp wf
      wp=$(node -e 'const r=require(process.argv[1]);console.log(r.numPassedTests)' "$out")
      # failed tests, plus files that failed without any failed test (e.g. an import error or a failing hook)
      wf=$(node -e 'const r=require(process.argv[1]);console.log(r.numFailedTests + r.testResults.filter(f => f.status === "failed" && !f.assertionResults.some(a => a.status === "failed")).length)' "$out")
      passed=$((passed + wp)); failed=$((failed + wf))
    else
      echo "!! web tests produced no results"; failed=$((failed + 1))
    fi
  fi
  echo "$passed passed, $failed failed, $skipped skipped"
  [ "$failed" -eq 0 ]
}

# What running from a checkout needs: the .NET 10 SDK (to build and run) and Node.js 20+ with npm (to build the
# browser client). Says what is missing and how to get it on Debian, instead of failing halfway through a build.
check_prerequisites() {
  local missing=0 sdk node_major
  if ! command -v dotnet >/dev/null 2>&1; then
    echo "missing: the .NET 10 SDK (no 'dotnet' on PATH)"; missing=1
  else
    sdk=$(dotnet --list-sdks 2>/dev/null | grep -E '^10\.' | head -1)
    if [ -z "$sdk" ]; then echo "missing: the .NET 10 SDK (found: $(dotnet --list-sdks 2>/dev/null | cut -d' ' -f1 | tr '\n' ' '))"; missing=1; fi
  fi
  if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    echo "missing: Node.js 20 or newer with npm (no 'node'/'npm' on PATH)"; missing=1
  else
    node_major=$(node -p 'process.versions.node.split(".")[0]')
    if [ "$node_major" -lt 20 ]; then echo "missing: Node.js 20 or newer (found $(node --version))"; missing=1; fi
  fi
  if [ "$missing" -ne 0 ]; then
    echo "How to install them on Debian: see README.md, 'On a fresh Debian machine'."
    return 1
  fi
}

case "$cmd" in
  run)
    check_prerequisites || exit 1
    exec dotnet run --project src/WebHost -c Release -- "$@" ;;
  test)
    for a in "$@"; do [ "$a" = "--soak" ] && export SPOTTER_SOAK=1; done
    run_tests ;;
  bench)
    exec bash bench/run.sh "$@" ;;
  *) echo "usage: ./build.sh run [server args] | test [--soak] | bench"; exit 2 ;;
esac
