"""Make an interrupted epoch-based training resume bit for bit.

mmengine restores weights, optimizer, schedulers and the sampler's epoch on
``--resume`` (the sampler shuffles with ``seed + epoch``, so the data order is
resumable), but not the global random streams: the data pipeline's random
transforms (``np.random``), python's ``random`` and torch's generator (random
masks, dropout, the DataLoader's base seed) restart from the seed instead of
where the interrupted run was. A resumed run then flips other images and ends
with other weights than an uninterrupted one.

This hook stores the streams in every checkpoint and sets them back at the
start of the epoch that follows, in both runs: an uninterrupted run also
starts epoch k+1 from the state at the end of epoch k (the one checkpoint k
stores), so what runs in between (validation draws from torch's generator
when it opens its DataLoader) does not move the training streams, and a
resumed run starts that epoch from exactly the same state. Under DDP only
rank 0 writes the checkpoint; with ``randomness.diff_rank_seed`` the ranks'
streams differ, and a resumed run then keeps each rank's fresh seed instead.

Iteration-based loops are left alone: on resume mmengine runs the batches
already trained through the pipeline again from the seed, which replays the
data's random draws (not those of the model, e.g. dropout); setting the saved
state before that replay would shift them.
"""
from __future__ import annotations

import random
from typing import Optional

import numpy as np
import torch
from mmengine.dist import get_world_size
from mmengine.hooks import Hook
from mmengine.runner import EpochBasedTrainLoop

from mmkd.registry import HOOKS

RNG_KEY = 'rng_state'


def get_rng_state() -> dict:
    """The global random streams, as objects a weights-only ``torch.load`` reads back."""
    name, keys, pos, has_gauss, cached = np.random.get_state()
    state = dict(torch=torch.get_rng_state(), python=random.getstate(),
                 numpy=(name, torch.from_numpy(keys.astype(np.int64)), int(pos), int(has_gauss), float(cached)))
    if torch.cuda.is_available() and torch.cuda.is_initialized():
        state['cuda'] = torch.cuda.get_rng_state_all()
    return state


def set_rng_state(state: dict) -> None:
    """Inverse of :func:`get_rng_state`."""
    torch.set_rng_state(state['torch'])
    random.setstate(state['python'])
    name, keys, pos, has_gauss, cached = state['numpy']
    np.random.set_state((name, keys.numpy().astype(np.uint32), pos, has_gauss, cached))
    if 'cuda' in state and torch.cuda.is_available() and len(state['cuda']) == torch.cuda.device_count():
        torch.cuda.set_rng_state_all(state['cuda'])


@HOOKS.register_module()
class RNGStateHook(Hook):
    """Save the random streams with each checkpoint; start the next epoch from them.

    Listed in ``configs/_base_/default_runtime.py`` (``default_hooks.rng_state``).
    A checkpoint without the key (written before this hook existed) resumes as before.
    """
    priority = 'VERY_HIGH'  # before any other hook draws in before_train_epoch

    def __init__(self) -> None:
        self._pending: Optional[dict] = None

    def after_train_epoch(self, runner) -> None:
        # every rank (only rank 0 saves checkpoints): the state the next epoch starts from
        if isinstance(self._loop(runner), EpochBasedTrainLoop):
            self._pending = get_rng_state()

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        checkpoint[RNG_KEY] = get_rng_state()

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        state = checkpoint.get(RNG_KEY)
        if state is None:
            return
        randomness = (runner.cfg.get('randomness') if getattr(runner, 'cfg', None) else None) or {}
        if get_world_size() > 1 and randomness.get('diff_rank_seed'):
            return  # the file holds rank 0's streams: ranks seeded apart keep their own
        if isinstance(self._loop(runner), EpochBasedTrainLoop):
            self._pending = state

    def before_train_epoch(self, runner) -> None:
        if self._pending is not None:
            set_rng_state(self._pending)
            self._pending = None

    @staticmethod
    def _loop(runner):
        """The built train loop, or None (``runner.train_loop`` would build one in a test-only run)."""
        return getattr(runner, '_train_loop', None)
