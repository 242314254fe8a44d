"""Distributed training on CPU (gloo) through mmengine's Runner.

mmengine's ``pytorch`` launcher always calls ``torch.cuda.set_device`` and
wraps the model in DDP with ``device_ids=[LOCAL_RANK]``; both fail without a
GPU. On a CPU-only machine this initialises the gloo process group first
(mmengine then skips its own init) and asks for a CPU DDP wrapper.
"""
from __future__ import annotations

import warnings

import torch
import torch.distributed as dist
from mmengine.config import Config


def prepare_cpu_distributed(cfg: Config) -> bool:
    """Set up gloo DDP for a ``pytorch``-launched run when CUDA is absent.

    Returns True when it did something. Under torchrun the rendezvous comes
    from the environment (MASTER_ADDR, MASTER_PORT, RANK, WORLD_SIZE).

    The wrapper gets the settings mmengine gives a GPU run without a
    ``model_wrapper_cfg``: ``broadcast_buffers=False`` (teachers are frozen and
    identical on every rank, so re-broadcasting their buffers each step is pure
    cost) and the config's ``find_unused_parameters`` (default False: frozen
    teachers hold no grads, so DDP need not search the graph). ``sync_bn`` is
    dropped with a warning, because SyncBatchNorm has no CPU kernel.
    """
    if cfg.get('launcher', 'none') != 'pytorch' or torch.cuda.is_available():
        return False
    if not dist.is_initialized():
        dist.init_process_group(backend='gloo')
    cfg.env_cfg.setdefault('dist_cfg', {})['backend'] = 'gloo'
    wrapper = dict(cfg.get('model_wrapper_cfg') or {})
    wrapper.setdefault('type', 'MMDistributedDataParallel')
    wrapper.setdefault('broadcast_buffers', False)
    wrapper.setdefault('find_unused_parameters', cfg.get('find_unused_parameters', False))
    wrapper['device_ids'] = None  # a CPU module: DDP must not be given device ids
    cfg.model_wrapper_cfg = wrapper
    if cfg.get('sync_bn') is not None:
        warnings.warn(f'sync_bn={cfg.sync_bn!r} ignored: SyncBatchNorm needs a GPU; '
                      'each CPU process keeps its own BatchNorm statistics')
        cfg.sync_bn = None
    return True


def release_distributed(wait: bool = True) -> None:
    """Tear the process group down at the end of a distributed run.

    A process that exits with a live gloo group can abort in the group's
    background threads ("terminate called without an active exception",
    SIGABRT), which torchrun reports as a failed run although training
    finished. ``wait``: a barrier first, so no rank leaves while another
    still talks; pass ``False`` on an error path, where the other ranks may
    never reach the barrier.
    """
    if dist.is_available() and dist.is_initialized():
        if wait:
            dist.barrier()
        dist.destroy_process_group()
