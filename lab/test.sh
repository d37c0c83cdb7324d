#!/usr/bin/env bash
# The project's test command: build (Release), run the unit test projects, then the interop tests
# (network namespaces + real FRR/BIRD/GoBGP/ExaBGP/OpenBGPD, root required), and print exactly one
# summary line "N passed, N failed[, N skipped]". Exit status is non-zero when the build or any test failed.
#
#   lab/test.sh                                  everything (run as root)
#   TEST_PROJECTS="tests/StackBgp.Wire.Tests" lab/test.sh     only these projects (space-separated)
#   TEST_FILTER="FullyQualifiedName~Harness" lab/test.sh       passed to dotnet test --filter
#   ./build.sh (artifacts/bin/stackbgpd, stackbgp) runs whenever the interop project is tested (or BUILD_ARTIFACTS=1);
#   STACKBGP_BIN=/dir/with/binaries (or STACKBGPD + STACKBGP) uses prebuilt ones instead
set -uo pipefail
cd "$(dirname "$0")/.."
CONFIG=${CONFIG:-Release}
RESULTS=${RESULTS:-$PWD/TestResults/ci}
rm -rf "$RESULTS"; mkdir -p "$RESULTS"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

if [ -n "${TEST_PROJECTS:-}" ]; then
  projects=$TEST_PROJECTS
else
  # unit tests first, the interop project (namespaces, real daemons) last
  projects=$(ls -d tests/*.Tests | grep -v 'Interop' | sort)
  [ -d tests/StackBgp.Interop.Tests ] && projects="$projects tests/StackBgp.Interop.Tests"
fi

build_failed=0
if [ -n "${TEST_PROJECTS:-}" ]; then
  for p in $projects; do dotnet build "$p" -c "$CONFIG" -nologo -v q >&2 || build_failed=1; done
else
  dotnet build StackBgp.slnx -c "$CONFIG" -nologo -v q >&2 || build_failed=1
fi
# the interop tests run artifacts/bin/stackbgpd and stackbgp (StackBgpInstance): build them whenever the
# interop project runs, unless prebuilt binaries are given ($STACKBGP_BIN directory or $STACKBGPD/$STACKBGP)
needs_artifacts=0
case " $projects " in *Interop*) needs_artifacts=1 ;; esac
[ "${BUILD_ARTIFACTS:-0}" = 1 ] && needs_artifacts=1
if [ -n "${STACKBGP_BIN:-}" ] || { [ -n "${STACKBGPD:-}" ] && [ -n "${STACKBGP:-}" ]; }; then
  needs_artifacts=0
  echo "using prebuilt stackbgpd/stackbgp: ${STACKBGP_BIN:-$STACKBGPD}" >&2
fi
if [ "$build_failed" = 0 ] && [ "$needs_artifacts" = 1 ] && [ -x ./build.sh ]; then
  ./build.sh >&2 || build_failed=1
fi
if [ "$build_failed" = 1 ]; then
  echo "build failed" >&2
  echo "0 passed, 1 failed"
  exit 1
fi

run_errors=0
for p in $projects; do
  name=$(basename "$p")
  echo "=== $name" >&2
  args=(test "$p" -c "$CONFIG" --no-build --nologo --results-directory "$RESULTS/$name"
        --logger "trx;LogFilePrefix=r" --logger "console;verbosity=normal" --blame-hang-timeout 10m)
  [ -n "${TEST_FILTER:-}" ] && args+=(--filter "$TEST_FILTER")
  dotnet "${args[@]}" >&2
  rc=$?
  if [ $rc -ne 0 ]; then
    # a failing test gives rc 1 and a TRX; no TRX means the run itself broke (crash, hang, no tests)
    if ! ls "$RESULTS/$name"/*.trx >/dev/null 2>&1; then
      echo "!!! $name: dotnet test exited $rc without results" >&2
      run_errors=$((run_errors + 1))
    elif ! grep -q 'outcome="Failed"' "$RESULTS/$name"/*.trx; then
      # an aborted run (crash, hang killed by --blame-hang-timeout) leaves a TRX with only the
      # tests that finished: count the abort itself as a failure, or tests would vanish silently
      echo "!!! $name: dotnet test exited $rc (aborted run; tests after the abort have no result)" >&2
      run_errors=$((run_errors + 1))
    fi
  fi
done

python3 - "$RESULTS" "$run_errors" <<'PY'
import glob, sys, xml.etree.ElementTree as ET
results, errors = sys.argv[1], int(sys.argv[2])
passed = failed = skipped = 0
for trx in glob.glob(f"{results}/**/*.trx", recursive=True):
    for el in ET.parse(trx).getroot().iter():
        if el.tag.endswith("UnitTestResult"):
            o = el.get("outcome")
            if o == "Passed":
                passed += 1
            elif o in ("NotExecuted", "Inconclusive"):
                skipped += 1
            else:
                failed += 1
failed += errors
line = f"{passed} passed, {failed} failed"
if skipped:
    line += f", {skipped} skipped"
print(line)
sys.exit(1 if failed else 0)
PY
