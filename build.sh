#!/usr/bin/env bash
# Builds the Release executables artifacts/bin/stackbgpd and artifacts/bin/stackbgp.
set -euo pipefail
cd "$(dirname "$0")"
out=artifacts/bin
mkdir -p "$out"
dotnet publish src/StackBgp.Daemon/StackBgp.Daemon.csproj -c Release -o "$out" --nologo -v quiet "$@"
dotnet publish src/StackBgp.Cli/StackBgp.Cli.csproj -c Release -o "$out" --nologo -v quiet "$@"
echo "built $out/stackbgpd and $out/stackbgp"
