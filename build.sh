#!/usr/bin/env bash
# Builds the Release executables artifacts/bin/stackbgpd and artifacts/bin/stackbgp.
#
# The daemon is compiled ahead of time to one native executable (Native AOT, ~20 MB, under
# artifacts/bin/stackbgpd.d/; artifacts/bin/stackbgpd is a link to it). Against the composite
# ReadyToRun build it replaced, in one run of bench/daemon/run.sh on the same machine: peak RSS
# 100k 124 -> 72 MiB and 1M 409 -> 328 MiB (no 80 MiB of mapped runtime and JIT), the same 1M time
# (1.08 s) with less CPU (1.6 vs ~2.2 s), no compilation at run time when a full table arrives.
# It needs a C toolchain to link (gcc or clang; .ci/run and lab/install-deps.sh install gcc and
# zlib1g-dev). Without one, or with STACKBGP_BUILD=r2r, the composite ReadyToRun build is made
# instead (the .NET runtime, framework and StackBgp in one precompiled image, ~140 MB);
# STACKBGP_BUILD=jit (or STACKBGP_JIT_BUILD=1) builds the plain framework-dependent daemon in seconds,
# e.g. for dotnet-trace / dotnet-counters, which need the runtime's event pipe.
set -euo pipefail
cd "$(dirname "$0")"
out=artifacts/bin
mkdir -p "$out"
case "$(uname -m)" in
  x86_64) rid=linux-x64 ;;
  aarch64) rid=linux-arm64 ;;
  *) rid="" ;;
esac
rm -rf "$out/stackbgpd.d" "$out"/stackbgpd "$out"/stackbgpd.*
mode="${STACKBGP_BUILD:-aot}"
[ "${STACKBGP_JIT_BUILD:-0}" = 1 ] && mode=jit
[ -n "$rid" ] || mode=jit
linker=""
if [ "$mode" = aot ]; then
  if command -v clang >/dev/null 2>&1; then linker=clang
  elif command -v gcc >/dev/null 2>&1; then linker=gcc
  else
    echo "no C toolchain (gcc or clang) to link the native daemon: building the ReadyToRun one instead" >&2
    mode=r2r
  fi
fi
daemon() {
  case "$mode" in
    aot) dotnet publish src/StackBgp.Daemon/StackBgp.Daemon.csproj -c Release -o "$out/stackbgpd.d" --nologo -v quiet \
           -r "$rid" -p:PublishAot=true -p:CppCompilerAndLinker="$linker" "$@" ;;
    r2r) dotnet publish src/StackBgp.Daemon/StackBgp.Daemon.csproj -c Release -o "$out/stackbgpd.d" --nologo -v quiet \
           -r "$rid" --self-contained true -p:PublishReadyToRun=true -p:PublishReadyToRunComposite=true "$@" ;;
    *) dotnet publish src/StackBgp.Daemon/StackBgp.Daemon.csproj -c Release -o "$out/stackbgpd.d" --nologo -v quiet "$@" ;;
  esac
}
daemon "$@"
ln -s stackbgpd.d/stackbgpd "$out/stackbgpd"
if ! "$out/stackbgpd" --check --config /dev/null >/dev/null 2>&1; then
  # Seen once after alternating plain and RID-specific builds in one tree: an incremental
  # ReadyToRun build left a stale component and the daemon aborted at start. Rebuild from clean.
  echo "stackbgpd does not start; rebuilding its ReadyToRun intermediates from scratch" >&2
  find src -path "*/obj/Release/*/$rid" -prune -exec rm -rf {} + 2>/dev/null || true
  rm -rf "$out/stackbgpd.d"
  daemon "$@"
  "$out/stackbgpd" --check --config /dev/null >/dev/null
fi
dotnet publish src/StackBgp.Cli/StackBgp.Cli.csproj -c Release -o "$out" --nologo -v quiet "$@"
echo "built $out/stackbgpd ($mode) and $out/stackbgp"
