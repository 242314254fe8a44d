"""Loss-weight schedules for distillation losses, as a hook.

Weights are a pure function of the current iteration/epoch, so a resumed run
continues the schedule exactly where it stopped.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, Optional

from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper

from mmkd.registry import HOOKS


@dataclass
class LossWeightSchedule:
    """factor(t) = scale * min(1, t / warmup) before ``stop_at``, 0 from ``stop_at`` on.

    Args:
        scale: constant multiplier on top of the loss's own ``loss_weight``.
        warmup: length of a linear warm-up from 0 (0 = none).
        stop_at: the loss is switched off from this step/epoch on (None = never).
        by_epoch: ``warmup`` and ``stop_at`` count epochs instead of iterations.
    """
    scale: float = 1.0
    warmup: float = 0
    stop_at: Optional[float] = None
    by_epoch: bool = False

    def __post_init__(self) -> None:
        if self.warmup < 0 or (self.stop_at is not None and self.stop_at < 0):
            raise ValueError(f'warmup and stop_at must be >= 0, got {self.warmup}, {self.stop_at}')

    def factor(self, iteration: int, epoch: int) -> float:
        t = epoch if self.by_epoch else iteration
        if self.stop_at is not None and t >= self.stop_at:
            return 0.0
        if self.warmup > 0:
            return self.scale * min(1.0, t / self.warmup)
        return self.scale


@HOOKS.register_module()
class DistillLossWeightScheduleHook(Hook):
    """Sets each distillation loss's weight factor before every training iteration.

    A factor of 0 skips the loss (and its connectors) entirely; under DDP that
    leaves those connectors without gradients, so a schedule that stops a loss
    needs ``model_wrapper_cfg=dict(type='MMDistributedDataParallel',
    find_unused_parameters=True)``.

    Args:
        schedules: ``{loss name: dict(scale=..., warmup=..., stop_at=..., by_epoch=...)}``
            with loss names as in the distiller's ``losses``.
    """
    priority = 'NORMAL'

    def __init__(self, schedules: Dict[str, dict]) -> None:
        self.schedules = {name: LossWeightSchedule(**cfg) for name, cfg in schedules.items()}

    def before_run(self, runner) -> None:
        distiller = self._distiller(runner)
        unknown = set(self.schedules) - set(distiller.losses)
        if unknown:
            raise KeyError(f'DistillLossWeightScheduleHook: no distillation losses named {sorted(unknown)}; '
                           f'losses: {sorted(distiller.losses)}')

    def before_train_iter(self, runner, batch_idx: int, data_batch=None) -> None:
        distiller = self._distiller(runner)
        for name, schedule in self.schedules.items():
            distiller.set_weight_factor(name, schedule.factor(runner.iter, runner.epoch))

    @staticmethod
    def _distiller(runner):
        model = runner.model.module if is_model_wrapper(runner.model) else runner.model
        if not hasattr(model, 'distiller'):
            raise TypeError('DistillLossWeightScheduleHook needs a distillation algorithm as the model, '
                            f'got {type(model).__name__}')
        return model.distiller
