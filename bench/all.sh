#!/usr/bin/env bash
# all.sh is the one benchmark run: it prints, with the CPU model and its SIMD flags in the header,
# for every micro-kernel route this CPU supports (HYBRIDPRUNE_KERNEL forces each in turn):
#   - the GEMM kernel table (own dense, 2:4, group-wise, CSR; OpenBLAS when built with
#     -tags openblas) on the AlexNet and VGG16 conv shapes at batch 1, 8, 32 and 128, and the
#     engine on whole pruned AlexNets vs PyTorch-CPU inference (`hybridprune bench -kernels -torch`);
# then, on the default route:
#   - training images/s vs PyTorch-CPU: AlexNet b128 and VGG16-BN b64 (bench/train-throughput.sh,
#     best of 3 alternating rounds each);
#   - 2:4 fine-tuning (the N:M path of the training Dot) vs dense masked fine-tuning, AlexNet b128
#     (`hybridprune trainbench -nm`, the two paths interleaved in one process);
#   - the pruning patterns on the engine (`hybridprune pattern-speed`).
# The report goes to stdout and to bench/runs/YYYY-MM-DD-HOST.txt. Run it on a quiet machine:
# it takes about 20 minutes on 2 cores (-quick: a 2-minute smoke run with tiny budgets).
#
# Usage: bench/all.sh [-quick] [-no-openblas] [-no-torch]
# Env: PYTHON (default /usr/bin/python3, needs torch and numpy for the PyTorch anchors).
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
quick=0 openblas=1 torch=1
for a in "$@"; do
  case "$a" in
  -quick) quick=1 ;;
  -no-openblas) openblas=0 ;;
  -no-torch) torch=0 ;;
  -h | --help) sed -n '2,15p' "$0"; exit 0 ;;
  *) echo "all.sh: unknown argument $a" >&2; exit 2 ;;
  esac
done
tags=()
if ((openblas)) && [[ -e /usr/include/x86_64-linux-gnu/cblas.h || -e /usr/include/cblas.h || -e /usr/include/openblas/cblas.h ]]; then
  tags=(-tags openblas)
fi
bin="$(mktemp -d)/hybridprune"
go build "${tags[@]}" -o "$bin" ./cmd/hybridprune
mkdir -p bench/runs
out="bench/runs/$(date -u +%F)-$(hostname -s).txt"
for i in 2 3 4 5 6 7 8 9; do # never overwrite an earlier report of the same day and host
  [[ -e $out ]] || break
  out="bench/runs/$(date -u +%F)-$(hostname -s)-$i.txt"
done
budget=1s batches=1,8,32,128 steps=20 rounds=3 models=alexnet,vgg16,resnet18 benchmodels="alexnet vgg16" pbudget=3s
if ((quick)); then budget=50ms batches=1,8 steps=3 rounds=1 models=alexnet benchmodels=alexnet pbudget=100ms; fi
torchflag=()
((torch)) && torchflag=(-torch)
{
  echo "# hybridprune benchmark, $(date -u +%FT%TZ), commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
  family="$(grep -m1 '^cpu family' /proc/cpuinfo | cut -d: -f2 | xargs || true)"
  cpumodel="$(grep -m1 '^model\s*:' /proc/cpuinfo | cut -d: -f2 | xargs || true)"
  echo "# CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')${family:+ (family $family model $cpumodel)}, $(nproc) logical CPUs"
  echo "# SIMD: $(grep -m1 '^flags' /proc/cpuinfo | tr ' ' '\n' | grep -E '^(avx2|fma|avx512f|avx512bw|avx512vl|neon|asimd)$' | tr '\n' ' ')"
  echo "# OpenBLAS anchor: $([[ ${#tags[@]} -gt 0 ]] && echo yes || echo "no (install libopenblas-dev)"); PyTorch anchor: $([[ $torch == 1 ]] && echo yes || echo no)"
  for route in asm-avx512 asm-avx2 go; do
    if ! HYBRIDPRUNE_KERNEL=$route "$bin" summary -model alexnet >/dev/null 2>&1; then
      echo; echo "## route $route: not supported on this CPU (skipped)"
      continue
    fi
    for model in $benchmodels; do
      echo; echo "## route $route, $model: kernels and engine"
      HYBRIDPRUNE_KERNEL=$route "$bin" bench -model "$model" -kernels -ratios 1,0.5 -batch "$batches" -budget "$budget" \
        $([[ $model == alexnet ]] && echo "${torchflag[@]}")
    done
  done
  if ((torch)); then
    echo; echo "## training throughput vs PyTorch-CPU (default route)"
    bench/train-throughput.sh -model alexnet -batch 128 -steps "$steps" -rounds "$rounds"
    ((quick)) || bench/train-throughput.sh -model vgg16 -batch 64 -steps "$steps" -rounds "$rounds"
  fi
  echo; echo "## 2:4 fine-tuning vs dense masked fine-tuning (default route)"
  "$bin" trainbench -model alexnet -batch 128 -steps "$steps" -nm
  echo; echo "## pruning patterns on the engine (default route)"
  "$bin" pattern-speed -models "$models" -budget "$pbudget" -store "$(mktemp -d)/patterns.jsonl"
} 2>&1 | tee "$out"
echo "report: $out"
