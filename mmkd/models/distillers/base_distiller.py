"""The one distiller contract every algorithm, hook and the teacher cache rely on.

A distiller sits between the models of a distillation algorithm: it attaches
recorders to them (:meth:`prepare`), is told when each model runs
(:meth:`recording`), and turns what was recorded into weighted losses
(:meth:`compute_losses`). The algorithm never looks inside; the engine's
hooks and the cache use only what is defined here:

* ``recorder_cfgs`` / ``recorder_managers``: ``{model name: ...}``; the teacher
  cache reads and injects teacher features through the managers, extraction
  stores what the teacher recorders hold;
* ``losses`` (an ``nn.ModuleDict``, so parameters of learned losses train
  with the student) and ``set_weight_factor``: the loss-weight schedule hook
  scales a loss by its name; a factor of 0 skips it;
* loss keys ``distill.<loss name>``, whatever the method, so logs, schedules
  and ``--cfg-options`` name a term the same way everywhere.

:class:`~mmkd.models.distillers.ConfigurableDistiller` implements
:meth:`compute_losses` from config wiring (recorders -> connectors -> losses);
a method class implements it itself only where the method needs logic that
wiring cannot express (OADP reads a CLIP embedding cache and RoI-pools the
student's features on cached boxes).
"""
from __future__ import annotations

from abc import ABCMeta, abstractmethod
from contextlib import ExitStack, contextmanager
from typing import Any, Dict, Iterator, List, Mapping, Optional, Sequence

from mmengine.model import BaseModule
from torch import Tensor, nn

from mmkd.registry import MODELS, scoped
from ..losses.utils import build_loss
from ..recorders import RecorderManager

#: prefix of every distillation loss key in the algorithm's loss dict
LOSS_PREFIX = 'distill.'


def distill_loss_key(loss_name: str) -> str:
    """The key of loss ``loss_name`` in the training loss dict and the logs."""
    return LOSS_PREFIX + loss_name


class BaseDistiller(BaseModule, metaclass=ABCMeta):
    """Args:
        recorders: ``{model name: {recorder name: recorder cfg}}``; model names
            are the algorithm's (``'student'``, ``'teacher'`` or the teachers' keys).
        connectors: ``{name: connector cfg}``: trainable adapters between
            recorded features and losses (training-only, not in student exports).
        losses: ``{loss name: loss cfg}``; each built loss module carries its
            own ``loss_weight``, the weight factor (1 at start) scales it further.
        init_cfg: mmengine's init config.
    """

    def __init__(self, recorders: Optional[Mapping[str, Mapping[str, dict]]] = None,
                 connectors: Optional[Mapping[str, dict]] = None, losses: Optional[Mapping[str, dict]] = None,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg)
        self.recorder_cfgs: Dict[str, Dict[str, dict]] = {name: dict(cfgs) for name, cfgs in (recorders or {}).items()}
        self.recorder_managers: Dict[str, RecorderManager] = {}
        # connectors before losses: the order parameters are created (and seeded) in
        self.connectors = nn.ModuleDict({name: MODELS.build(scoped(cfg)) for name, cfg in (connectors or {}).items()})
        self.losses = nn.ModuleDict({name: build_loss(name, cfg) for name, cfg in (losses or {}).items()})
        self.weight_factors: Dict[str, float] = {name: 1.0 for name in self.losses}

    # ------------------------------------------------------------ contract
    def prepare(self, models: Dict[str, nn.Module]) -> None:
        """Attach the recorders to the built models; called once by the algorithm.

        Subclasses that check the models (types, submodules a method needs)
        extend this and call ``super().prepare(models)``.
        """
        unknown = set(self.recorder_cfgs) - set(models)
        if unknown:
            raise KeyError(f'{type(self).__name__}: recorders configured for unknown models {sorted(unknown)}; '
                           f'the algorithm has {sorted(models)}')
        for name, cfgs in self.recorder_cfgs.items():
            self.recorder_managers[name] = RecorderManager(models[name], cfgs, name)

    @contextmanager
    def recording(self, model_names: Sequence[str]) -> Iterator[None]:
        """Record the named models' features while the algorithm runs them."""
        with ExitStack() as stack:
            for name in model_names:
                if name in self.recorder_managers:
                    stack.enter_context(self.recorder_managers[name].recording())
            yield

    def set_weight_factor(self, loss_name: str, factor: float) -> None:
        """Scale one loss (the weight-schedule hook's entry point); 0 skips the loss."""
        if loss_name not in self.weight_factors:
            raise KeyError(f'{type(self).__name__} has no distillation loss {loss_name!r}; '
                           f'its losses: {sorted(self.losses)}')
        self.weight_factors[loss_name] = float(factor)

    def active(self, loss_name: str) -> bool:
        """Whether ``loss_name`` is configured and its weight factor is not 0."""
        return self.weight_factors.get(loss_name, 0.0) != 0

    @abstractmethod
    def compute_losses(self, data_samples: Optional[List[Any]] = None) -> Dict[str, Tensor]:
        """The weighted losses of the step whose features were just recorded,
        keyed :func:`distill_loss_key`; recorded features are freed afterwards."""

    # ------------------------------------------------------------- helpers
    def weighted(self, raw: Mapping[str, Tensor]) -> Dict[str, Tensor]:
        """Apply the weight factors to ``{loss name: value}`` and key the result."""
        out: Dict[str, Tensor] = {}
        for name, value in raw.items():
            factor = self.weight_factors[name]
            if factor:
                out[distill_loss_key(name)] = value * factor if factor != 1 else value
        return out

    def reset_recorders(self) -> None:
        """Free the recorded features of every model (after the losses used them)."""
        for manager in self.recorder_managers.values():
            manager.reset()
