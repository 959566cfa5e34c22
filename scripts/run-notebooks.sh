#!/usr/bin/env bash
# run-notebooks.sh executes the repo's GoNB notebooks headless and fails if any of them
# failed. A Go panic, a non-zero exit or a compilation error in a GoNB cell does not
# reliably make nbconvert fail, so every executed notebook is also scanned by
# scripts/check-notebook-outputs.py.
#
# Usage: scripts/run-notebooks.sh [--inplace] [-o OUTDIR] [NOTEBOOK.ipynb...]
#   (default notebooks: notebooks/*.ipynb)
#   -o OUTDIR   where executed copies are written (default: a new temp dir)
#   --inplace   after a successful run, overwrite the source notebooks with the executed
#               copies (to commit notebooks with outputs from a real run)
# Env: HYBRIDPRUNE_QUICK (default 1: notebooks train on a small subset; set 0 for a full
#      run), NOTEBOOK_TIMEOUT (per-cell seconds, default 1800).
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# The datasets beside the checkout (CI, this workplace) unless the caller chose a data dir.
if [[ -z "${HYBRIDPRUNE_DATA:-}" && -d "$repo/../shared/datasets" ]]; then
  export HYBRIDPRUNE_DATA="$(cd "$repo/../shared/datasets" && pwd)"
fi
inplace=0
outdir=""
notebooks=()
while (($#)); do
  case "$1" in
  --inplace) inplace=1 ;;
  -o | --output-dir)
    outdir="$2"
    shift
    ;;
  -h | --help)
    sed -n '2,14p' "$0"
    exit 0
    ;;
  -*)
    echo "run-notebooks: unknown flag $1" >&2
    exit 2
    ;;
  *) notebooks+=("$1") ;;
  esac
  shift
done
if ((${#notebooks[@]} == 0)); then
  shopt -s nullglob
  notebooks=("$repo"/notebooks/*.ipynb)
  shopt -u nullglob
fi
if ((${#notebooks[@]} == 0)); then
  echo "run-notebooks: no notebooks found" >&2
  exit 1
fi
[[ -n "$outdir" ]] || outdir="$(mktemp -d "${TMPDIR:-/tmp}/hybridprune-notebooks.XXXXXX")"
mkdir -p "$outdir"
outdir="$(cd "$outdir" && pwd)"

export HYBRIDPRUNE_QUICK="${HYBRIDPRUNE_QUICK:-1}"
# Quick mode's stores and snapshots: new for every run, so every run trains its units.
export HYBRIDPRUNE_QUICK_DIR="${HYBRIDPRUNE_QUICK_DIR:-$outdir/quick-store}"
timeout="${NOTEBOOK_TIMEOUT:-1800}"
gobin="$(go env GOBIN)"
export PATH="${gobin:-$(go env GOPATH)/bin}:$PATH" # gonb, goimports, gopls.

# Jupyter's own python (Debian: /usr/bin/python3) may differ from the python3 on PATH
# (pyenv...); the checker only needs the standard library, so any python3 works.
checker=("$(command -v python3)" "$repo/scripts/check-notebook-outputs.py")

echo "run-notebooks: HYBRIDPRUNE_QUICK=$HYBRIDPRUNE_QUICK, cell timeout ${timeout}s, output in $outdir"

# Before notebooks are committed (--inplace), run the first notebook's set-up cell once on its
# own: on a cold module cache its `go get` prints "go: downloading ..." lines, which would
# otherwise land in the committed output of the first cell.
if ((inplace)); then
  warm="$(dirname "${notebooks[0]}")/.run-notebooks-warmup.ipynb"
  trap 'rm -f "$warm"' EXIT
  python3 - "${notebooks[0]}" "$warm" <<'PY'
import json, sys
nb = json.load(open(sys.argv[1]))
first = next(c for c in nb["cells"] if c["cell_type"] == "code")
nb["cells"] = [dict(first, outputs=[], execution_count=None)]
json.dump(nb, open(sys.argv[2], "w"))
PY
  jupyter nbconvert --to notebook --execute --allow-errors --ExecutePreprocessor.timeout="$timeout" \
    --ExecutePreprocessor.startup_timeout=300 --output-dir "$outdir" --output warmup.ipynb "$warm" \
    >"$outdir/warmup.log" 2>&1 || echo "run-notebooks: warm-up cell failed (see $outdir/warmup.log); going on" >&2
  rm -f "$warm"
fi
failed=()
for nb in "${notebooks[@]}"; do
  name="$(basename "$nb")"
  out="$outdir/$name"
  start=$SECONDS
  echo "=== $name"
  # --allow-errors: always write the executed notebook, the checker decides.
  if ! jupyter nbconvert --to notebook --execute --allow-errors \
    --ExecutePreprocessor.timeout="$timeout" \
    --ExecutePreprocessor.startup_timeout=300 \
    --output-dir "$outdir" --output "$name" "$nb" 2>"$outdir/$name.log"; then
    echo "run-notebooks: nbconvert failed on $name; its log:" >&2
    tail -n 50 "$outdir/$name.log" >&2
    failed+=("$name")
  elif ! "${checker[@]}" "$out"; then
    failed+=("$name")
  elif ((inplace)); then
    cp "$out" "$nb"
    echo "updated $nb in place"
  fi
  echo "=== $name: $((SECONDS - start))s"
done

if ((${#failed[@]})); then
  echo "run-notebooks: FAILED: ${failed[*]} (executed copies and nbconvert logs in $outdir)" >&2
  exit 1
fi
echo "run-notebooks: all ${#notebooks[@]} notebook(s) OK"
