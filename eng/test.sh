#!/usr/bin/env bash
# The one test command. From a fresh clone on a machine with only the .NET 10 SDK:
#   1. builds the solution in Release (warnings are errors: see Directory.Build.props),
#   2. runs every test project, with a PostgreSQL server that eng/postgres.sh provides: the one PERDURE_TEST_POSTGRES
#      names, or a private throwaway cluster it starts (installing Debian's postgresql package if missing) and stops,
#   3. runs the benchmark once in --quick mode on each store (on PostgreSQL also with 1 and 2 worker processes), so it
#      keeps working (its figures are printed, never asserted).
# Packages come from NuGet through a normal restore. Running it again changes nothing but bin/ and obj/.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

current="start"
step() { current="$*"; printf '\n==> %s\n' "$*"; }
on_exit() {
  local status=$?
  if declare -F perdure_postgres_stop >/dev/null; then perdure_postgres_stop; fi
  if [ "$status" -ne 0 ]; then
    printf '\neng/test.sh: FAILED (exit code %s) during: %s\n' "$status" "$current" >&2
  fi
}
trap on_exit EXIT

step "dotnet $(dotnet --version): build Perdure.slnx (Release, warnings as errors)"
dotnet build Perdure.slnx -c Release

step "PostgreSQL for the tests (eng/postgres.sh)"
source eng/postgres.sh

step "test Perdure.slnx"
test_log="$(mktemp)"
dotnet test Perdure.slnx -c Release --no-build 2>&1 | tee "$test_log"
# One plain summary line over all test assemblies ("N passed, N failed"), for readers and CI alike.
awk '/(Passed|Failed)! +- +Failed: +[0-9]+, +Passed: +[0-9]+/ {
       gsub(",", ""); for (i = 1; i <= NF; i++) { if ($i == "Failed:") f += $(i+1); if ($i == "Passed:") p += $(i+1); if ($i == "Skipped:") s += $(i+1) }
     } END { printf "tests: %d passed, %d failed, %d skipped\n", p, f, s }' "$test_log"
rm -f "$test_log"

step "benchmark, --quick on PostgreSQL (worker and client in one process, then 1 and 2 worker processes)"
dotnet run --project bench/Perdure.Benchmarks -c Release --no-build -- --store postgres --quick --workers 1,2
perdure_postgres_stop

step "benchmarks, --quick (in-memory and SQLite)"
dotnet run --project bench/Perdure.Benchmarks -c Release --no-build -- --store inmemory --quick
dotnet run --project bench/Perdure.Benchmarks -c Release --no-build -- --store sqlite --quick

printf '\neng/test.sh: PASSED (build, tests and quick benchmark)\n'
