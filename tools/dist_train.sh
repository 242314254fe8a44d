#!/usr/bin/env bash
# Distributed training with torchrun: tools/dist_train.sh CONFIG NUM_PROCS [train.py args...]
# Without CUDA, tools/train.py sets up gloo and a CPU DDP wrapper itself
# (mmkd/utils/distributed.py); with GPUs the config's backend (nccl) is used.
set -euo pipefail
CONFIG=$1
NPROC=$2
shift 2
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PYTHON="${PYTHON:-python}"
TOOL="${TOOL:-$ROOT/tools/train.py}"  # dist_extract_teacher_features.sh runs its own tool
exec "$PYTHON" -m torch.distributed.run \
  --nnodes="${NNODES:-1}" --node_rank="${NODE_RANK:-0}" \
  --master_addr="${MASTER_ADDR:-127.0.0.1}" --master_port="${PORT:-29500}" \
  --nproc_per_node="$NPROC" \
  "$TOOL" "$CONFIG" --launcher pytorch "$@"
