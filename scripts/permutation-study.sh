#!/usr/bin/env bash
# Regenerates results/alexnet-mnist-permutation.json: 2:4 kept magnitude and accuracy (no
# retraining, 1 epoch of retraining) of a trained AlexNet/MNIST for groups along the width, along
# the channels, and along the channels after the channel permutation (pruner.PermuteChannels).
# Usage: scripts/permutation-study.sh [MODEL_DIR]   (default /work/runs/alexnet-mnist/model;
# MNIST from $HYBRIDPRUNE_DATA or the user cache dir). About 15 minutes on 2 Zen 2 cores.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export HYBRIDPRUNE_PERMUTATION_MODEL="${1:-/work/runs/alexnet-mnist/model}"
export HYBRIDPRUNE_PERMUTATION_STUDY="$PWD/results/alexnet-mnist-permutation.json"
go test ./pruner -run '^TestPermutationStudyAlexNetMNIST$' -count=1 -v -timeout 3h
