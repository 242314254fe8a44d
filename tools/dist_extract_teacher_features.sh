#!/usr/bin/env bash
# Distributed teacher-feature extraction with torchrun:
#   tools/dist_extract_teacher_features.sh CONFIG NUM_PROCS [extract_teacher_features.py args...]
# Each process extracts every NUM_PROCS-th sample into <cache-dir>/parts/rank<r>-of<N>
# (gloo on CPU, nccl and one GPU per process with CUDA); rank 0 merges the index
# when all are done. After a failure, run the same command again: it resumes.
set -euo pipefail
CONFIG=$1
NPROC=$2
shift 2
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PYTHON="${PYTHON:-python}"
exec "$PYTHON" -m torch.distributed.run \
  --nnodes="${NNODES:-1}" --node_rank="${NODE_RANK:-0}" \
  --master_addr="${MASTER_ADDR:-127.0.0.1}" --master_port="${PORT:-29500}" \
  --nproc_per_node="$NPROC" \
  "$ROOT/tools/extract_teacher_features.py" "$CONFIG" --launcher pytorch "$@"
