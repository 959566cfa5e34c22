#!/usr/bin/env bash
# run-sweeps.sh runs (or resumes) sweep configurations one after the other with `hybridprune
# sweep`, appending rows to results/NAME.jsonl. Safe to kill and start again: finished units are
# skipped, and the snapshots under the work directory let a trajectory continue where it stopped.
#
# Usage: scripts/run-sweeps.sh [-work DIR] [-data DIR] [-baseline-model DIR] SWEEP.json...
# Env:   HYBRIDPRUNE_BIN (default: go run ./cmd/hybridprune).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
work=runs/sweeps data="" baseline=""
while (($#)); do
  case "$1" in
  -work) work="$2"; shift 2 ;;
  -data) data="$2"; shift 2 ;;
  -baseline-model) baseline="$2"; shift 2 ;;
  -h | --help) sed -n '2,8p' "$0"; exit 0 ;;
  *) break ;;
  esac
done
(($#)) || { echo "run-sweeps: give at least one sweep config" >&2; exit 2; }
bin=(${HYBRIDPRUNE_BIN:-go run ./cmd/hybridprune})
for cfg in "$@"; do
  args=(-config "$cfg" -work "$work")
  [[ -n "$data" ]] && args+=(-data "$data")
  [[ -n "$baseline" ]] && args+=(-baseline-model "$baseline")
  echo "=== $(date -u +%FT%TZ) $cfg"
  "${bin[@]}" sweep "${args[@]}"
done
echo "=== $(date -u +%FT%TZ) all sweeps done"
