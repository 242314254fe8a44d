#!/usr/bin/env bash
# Distributed teacher-feature extraction with torchrun:
#   tools/dist_extract_teacher_features.sh CONFIG NUM_PROCS [extract_teacher_features.py args...]
# Each process extracts every NUM_PROCS-th sample into <cache-dir>/parts/rank<r>-of<N>
# (gloo on CPU, nccl and one GPU per process with CUDA); rank 0 merges the index
# when all are done. After a failure, run the same command again: it resumes.
# Same launcher settings (PYTHON, PORT, NNODES, ...) as tools/dist_train.sh.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOOL="$ROOT/tools/extract_teacher_features.py" exec "$ROOT/tools/dist_train.sh" "$@"
