#!/usr/bin/env bash
# train-throughput.sh compares training throughput of GoMLX (`hybridprune trainbench`) and
# PyTorch (bench/train_torch.py) on the same model, batch and random data, then prints the
# ratio gomlx/torch of images per second. Both use momentum SGD (lr 0.01, momentum 0.9,
# weight decay 5e-4) and exclude warmup steps (GoMLX's JIT compilation) from the timing.
# The two run -rounds times, alternating, and the ratio is of each side's best round: on a
# shared VM one run of either can lose a third of its speed to a neighbour.
#
# Usage: bench/train-throughput.sh [-model alexnet] [-channels 3] [-classes 10] [-batch 128]
#                                  [-steps 20] [-warmup 3] [-rounds 3]
# Env: PYTHON (default /usr/bin/python3, needs torch: apt-get install python3-torch),
#      TORCH_THREADS (default 2), GOMLX_BACKEND (default: the pure-Go simplego backend).
# Numbers on a busy machine are noisy: run it when nothing else uses the CPUs.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
model=alexnet channels=3 classes=10 batch=128 steps=20 warmup=3 rounds=3
while (($#)); do
  case "$1" in
  -model | -channels | -classes | -batch | -steps | -warmup | -rounds)
    (($# >= 2)) || {
      echo "train-throughput: $1 needs a value" >&2
      exit 2
    }
    printf -v "${1#-}" '%s' "$2"
    shift
    ;;
  -h | --help)
    sed -n '2,13p' "$0"
    exit 0
    ;;
  *)
    echo "train-throughput: unknown argument $1" >&2
    exit 2
    ;;
  esac
  shift
done
[[ $rounds =~ ^[1-9][0-9]*$ ]] || {
  echo "train-throughput: -rounds must be a positive integer, got '$rounds'" >&2
  exit 2
}
python="${PYTHON:-/usr/bin/python3}"
args=(-model "$model" -channels "$channels" -classes "$classes" -batch "$batch" -steps "$steps" -warmup "$warmup")

bin="$(mktemp -d "${TMPDIR:-/tmp}/train-throughput.XXXXXX")"
trap 'rm -rf "$bin"' EXIT
(cd "$repo" && go build -o "$bin/hybridprune" ./cmd/hybridprune)

echo "# $(nproc) cpus, load average: $(cut -d' ' -f1-3 /proc/loadavg); $rounds alternating rounds, best of each side" >&2
field() { sed -n "s/.*[[:space:]]$1=\([^[:space:]]*\).*/\1/p" <<<"$2"; }
g=0 t=0
# best A B: the larger of the images/s so far (A) and a run's line B; fails on a line without one.
best() {
  local v
  v="$(field images_per_sec "$2")"
  [[ -n $v ]] || { echo "train-throughput: no images_per_sec in: $2" >&2; exit 1; }
  awk -v a="$1" -v b="$v" 'BEGIN { print (b > a ? b : a) }'
}
for ((r = 1; r <= rounds; r++)); do
  gomlx_line="$("$bin/hybridprune" trainbench "${args[@]}")"
  echo "$gomlx_line round=$r"
  torch_line="$("$python" "$repo/bench/train_torch.py" "${args[@]}" -threads "${TORCH_THREADS:-2}")"
  echo "$torch_line round=$r"
  g="$(best "$g" "$gomlx_line")"
  t="$(best "$t" "$torch_line")"
done
awk -v g="$g" -v t="$t" -v m="$model" -v b="$batch" -v r="$rounds" \
  'BEGIN { printf "ratio model=%s batch=%d gomlx/torch=%.3f torch/gomlx=%.2f (best of %d rounds: gomlx %.1f, torch %.1f images/s)\n", m, b, g / t, t / g, r, g, t }'
