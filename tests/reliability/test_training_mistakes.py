"""Catalogue: training that goes wrong by the user's settings, run through tools/train.py.

A learning rate far too large drives the losses to NaN at the second step.
The default NonFiniteLossHook stops there, naming the terms and the iteration,
before the NaN gradients reach the weights, and no checkpoint is written; with
``action='skip'`` the steps are skipped and counted until ``max_skips``.
"""
import os

import pytest

from helpers import load_tool

pytest.importorskip('timm')

DIVERGE = 'optim_wrapper.optimizer.lr=1e30'


def test_diverging_learning_rate_stops_at_the_nan_step(tiny_config, tmp_path, bad_input):
    from mmkd.engine import NonFiniteLossError
    work = tmp_path / 'run'
    with bad_input(NonFiniteLossError, 'non-finite loss at iteration 2', 'loss_cls=nan', 'distill.loss_kd=nan'):
        load_tool('train').main([tiny_config(), '--work-dir', str(work), '--cfg-options', DIVERGE])
    assert not [f for f in os.listdir(work) if f.endswith('.pth')]  # no checkpoint of NaN weights


def test_diverging_learning_rate_skipped_steps_are_counted(tiny_config, tmp_path, bad_input):
    from mmkd.engine import NonFiniteLossError
    work = tmp_path / 'run'
    with bad_input(NonFiniteLossError, 'iteration 3', '2 steps skipped', 'max_skips=2'):
        load_tool('train').main([tiny_config(), '--work-dir', str(work), '--cfg-options', DIVERGE,
                                 'default_hooks.non_finite_loss.action=skip',
                                 'default_hooks.non_finite_loss.max_skips=2'])
    log = next(os.path.join(root, f) for root, _, files in os.walk(work) for f in files if f.endswith('.log'))
    assert 'step skipped (1 skipped so far, at most 2)' in open(log).read()
