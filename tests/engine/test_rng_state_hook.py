"""RNGStateHook: the random streams survive a weights-only checkpoint round trip and restart the next epoch."""
import random
from types import SimpleNamespace

import numpy as np
import torch
from mmengine.runner import EpochBasedTrainLoop

from mmkd.engine.rng_state_hook import RNGStateHook, get_rng_state, set_rng_state


def draws():
    return torch.rand(3).tolist(), np.random.rand(3).tolist(), [random.random() for _ in range(3)]


def test_state_round_trips_through_a_weights_only_load(tmp_path):
    torch.manual_seed(1), np.random.seed(1), random.seed(1)
    np.random.randn()  # a cached gaussian is part of numpy's state
    path = tmp_path / 'ckpt.pth'
    torch.save({'rng_state': get_rng_state()}, path)
    expected = draws()
    set_rng_state(torch.load(path, weights_only=True)['rng_state'])
    assert draws() == expected


def test_next_epoch_starts_from_the_saved_state_whatever_ran_in_between():
    loop = EpochBasedTrainLoop.__new__(EpochBasedTrainLoop)
    runner = SimpleNamespace(_train_loop=loop)
    runner.cfg = {}
    hook = RNGStateHook()
    checkpoint = {}
    hook.after_train_epoch(runner)
    hook.before_save_checkpoint(runner, checkpoint)
    expected = draws()
    draws()  # validation drawing between the save and the next epoch
    hook.before_train_epoch(runner)
    assert draws() == expected
    # a resumed run: the state comes from the loaded checkpoint
    resumed = RNGStateHook()
    resumed.after_load_checkpoint(runner, checkpoint)
    resumed.before_train_epoch(runner)
    assert draws() == expected
    # a checkpoint written before the hook existed changes nothing
    state = get_rng_state()
    RNGStateHook().after_load_checkpoint(runner, {})
    assert torch.equal(torch.get_rng_state(), state['torch'])
