"""Stop (or skip the step) at the first NaN/Inf loss term, before it reaches the weights.

Without this, a learning rate that blows a loss up trains on: NaN gradients
turn every weight into NaN, the run reaches its last epoch and its checkpoints
(and ``last_checkpoint``) hold NaN weights that replace the good ones.

Where the check sits, and why: the named loss terms (``loss_cls``,
``distill.loss_cwd`` ...) exist together, before any gradient, only in the
model's ``parse_losses``, which mmengine's ``train_step`` calls between the
forward and ``optim_wrapper.update_params``, for a distillation algorithm and
a plain student alike (and through DDP's wrapper). A hook's
``after_train_iter`` comes after the optimizer step, too late to keep the
weights clean. So the hook wraps ``parse_losses`` of the model it trains (and,
to skip a step, ``update_params`` of its optimizer wrapper) when training
starts; being a hook, it is on by default for every config that inherits
``configs/_base_/default_runtime.py`` and is switched by config, without
touching the algorithm.

``action='stop'`` raises :class:`NonFiniteLossError` naming the term(s) and the
iteration; nothing was applied to the weights and no checkpoint is written
after it. ``action='skip'`` drops that step (no backward, no optimizer step),
counts it (``train/nonfinite_skips`` in the logs) and stops after
``max_skips`` skipped steps in total. Independently, a checkpoint whose weights
are not finite is never written (``before_save_checkpoint``).
"""
from __future__ import annotations

import math
from typing import Dict, List, Optional

import torch
from mmengine.dist import all_reduce, get_world_size
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper

from mmkd.registry import HOOKS


class NonFiniteLossError(FloatingPointError):
    """A loss term or the weights became NaN/Inf; the message names the term and the iteration."""


def non_finite_terms(losses: Dict[str, object]) -> List[str]:
    """``'name=value'`` for each loss term (a tensor or a list of tensors) that is not finite."""
    bad = []
    for name, value in losses.items():
        values = value if isinstance(value, (list, tuple)) else [value]
        for item in values:
            if isinstance(item, torch.Tensor) and item.is_floating_point() and not torch.isfinite(item).all():
                bad.append(f'{name}={float(item.detach().float().sum()):g}')
                break
            if isinstance(item, float) and not math.isfinite(item):
                bad.append(f'{name}={item:g}')
                break
    return bad


@HOOKS.register_module()
class NonFiniteLossHook(Hook):
    """Args:
        action: ``'stop'`` (default) raises at the first non-finite loss term;
            ``'skip'`` drops the step and trains on.
        max_skips: with ``'skip'``, stop once this many steps were skipped.
        check_checkpoints: refuse to write a checkpoint whose weights are not finite.
    """
    priority = 'VERY_HIGH'

    def __init__(self, action: str = 'stop', max_skips: int = 100, check_checkpoints: bool = True) -> None:
        if action not in ('stop', 'skip'):
            raise ValueError(f"NonFiniteLossHook: action must be 'stop' or 'skip', got {action!r}")
        if not isinstance(max_skips, int) or max_skips < 1:
            raise ValueError(f'NonFiniteLossHook: max_skips must be a positive integer, got {max_skips!r}')
        self.action = action
        self.max_skips = max_skips
        self.check_checkpoints = check_checkpoints
        self.skips = 0
        self._skip_step = False

    def before_train(self, runner) -> None:
        model = runner.model.module if is_model_wrapper(runner.model) else runner.model
        parse_losses = model.parse_losses  # the bound method of the model's class (or an earlier wrap)

        def guarded_parse_losses(losses):
            self.check(runner, losses)
            return parse_losses(losses)

        model.parse_losses = guarded_parse_losses
        if self.action == 'skip':
            wrapper = runner.optim_wrapper
            update_params = wrapper.update_params

            def guarded_update_params(loss, *args, **kwargs):
                if self._skip_step:
                    wrapper.zero_grad()
                    return None
                return update_params(loss, *args, **kwargs)

            wrapper.update_params = guarded_update_params

    def check(self, runner, losses: Dict[str, object]) -> None:
        """Called with the step's named loss terms, before any gradient."""
        bad = non_finite_terms(losses)
        if self.action == 'skip' and get_world_size() > 1:  # every rank skips together (DDP's all-reduce)
            flag = torch.tensor([float(bool(bad))], device=next(iter(runner.model.parameters())).device)
            all_reduce(flag)
            if flag.item() and not bad:
                bad = ['(on another rank)']
        self._skip_step = bool(bad)
        if not bad:
            return
        where = f'non-finite loss at iteration {runner.iter + 1} (epoch {runner.epoch + 1}): {", ".join(bad)}'
        if self.action == 'stop':
            raise NonFiniteLossError(
                f'{where}. Training stopped before this step changed the weights; no checkpoint was written '
                'after it. Lower the learning rate or the loss weight, or set '
                "default_hooks.non_finite_loss.action='skip' to skip such steps")
        self.skips += 1
        runner.message_hub.update_scalar('train/nonfinite_skips', self.skips)
        runner.logger.warning(f'{where}: step skipped ({self.skips} skipped so far, at most {self.max_skips})')
        if self.skips >= self.max_skips:
            raise NonFiniteLossError(f'{where}: {self.skips} steps skipped, max_skips={self.max_skips} reached; '
                                     'training stopped')

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        if not self.check_checkpoints:
            return
        bad: Optional[str] = next((k for k, v in checkpoint.get('state_dict', {}).items()
                                   if isinstance(v, torch.Tensor) and v.is_floating_point()
                                   and not torch.isfinite(v).all()), None)
        if bad is not None:
            raise NonFiniteLossError(
                f'weights are not finite at iteration {runner.iter} (first: {bad!r}): the checkpoint is not '
                'written, the previous ones are kept. Lower the learning rate or clip gradients '
                '(optim_wrapper.clip_grad)')
