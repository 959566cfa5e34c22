#!/usr/bin/env bash
# train-rss.sh measures the peak resident memory of one full-MNIST AlexNet training job in
# hybridprune (`hybridprune train`, batch 128, momentum SGD, lr 0.05) and in PyTorch-CPU
# (bench/train_mnist_torch.py, the same network, data and recipe), and prints both and the ratio.
#
# Usage: bench/train-rss.sh [-data DIR] [-epochs 1]
# Env:   PYTHON (default /usr/bin/python3, with torch and numpy).
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
data="${HYBRIDPRUNE_DATA:-$HOME/.cache/hybridprune/datasets}" epochs=1
while (($#)); do
  case "$1" in
  -data) data="$2"; shift 2 ;;
  -epochs) epochs="$2"; shift 2 ;;
  -h | --help) sed -n '2,8p' "$0"; exit 0 ;;
  *) echo "train-rss: unknown argument $1" >&2; exit 2 ;;
  esac
done
[[ -f "$data/mnist/train-images-idx3-ubyte.gz" ]] || { echo "train-rss: no MNIST under $data/mnist" >&2; exit 2; }
python="${PYTHON:-/usr/bin/python3}"
tmp="$(mktemp -d "${TMPDIR:-/tmp}/train-rss.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
(cd "$repo" && go build -o "$tmp/hybridprune" ./cmd/hybridprune)
echo "# $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cpus"
/usr/bin/time -f "%M" -o "$tmp/rss" "$tmp/hybridprune" train -model alexnet -dataset mnist -data "$data" -epochs "$epochs" \
  -opt sgd -lr 0.05 -out "$tmp/run" -progress=false > "$tmp/log" 2>&1 || { cat "$tmp/log" >&2; exit 1; }
ours=$(( $(cat "$tmp/rss") / 1024 ))
echo "hybridprune-mnist epochs=$epochs $(grep -o 'test accuracy [0-9.]*' "$tmp/log" | tail -1) peak_rss_mb=$ours"
line="$("$python" "$repo/bench/train_mnist_torch.py" -data "$data/mnist" -epochs "$epochs")"
echo "$line"
theirs="$(sed -n 's/.*peak_rss_mb=\([0-9]*\).*/\1/p' <<<"$line")"
awk -v o="$ours" -v t="$theirs" 'BEGIN { printf "rss ratio hybridprune/torch=%.2f (target <= 2)\n", o / t }'
