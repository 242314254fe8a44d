"""The generic distiller: recorders -> connectors -> losses, checked when built.

Wiring lives in the config; this class holds the trainable connectors, the
losses and their weight factors, and turns recorded features into a dict of
weighted losses. Everything a config can get wrong (module paths, recorder
names, loss argument names, feature shapes) fails with a message naming the
pieces involved.
"""
from __future__ import annotations

import inspect
from typing import Any, Dict, List, Optional, Sequence

from torch import Tensor, nn

from mmkd.registry import MODELS, scoped
from .base_distiller import BaseDistiller
from .loss_input import DATA_SAMPLES, LossInput


def _shape(value: Any) -> Any:
    if isinstance(value, Tensor):
        return tuple(value.shape)
    if isinstance(value, (list, tuple)):
        return [_shape(v) for v in value]
    return type(value).__name__


def _compared_dims(loss: nn.Module) -> Optional[Sequence[int]]:
    """Which dims of preds_S / preds_T must agree before ``loss`` runs (None: all).

    A loss declares ``compared_dims`` when it adapts the rest itself: FGD
    aligns channels (N, H, W must agree), PKD with ``resize_stu`` resizes the
    student (N, C must agree).
    """
    if hasattr(loss, 'compared_dims'):
        return loss.compared_dims
    if getattr(loss, 'resize_stu', False):
        return (0, 1)
    return None


@MODELS.register_module()
class ConfigurableDistiller(BaseDistiller):
    """Args:
        student_recorders / teacher_recorders: ``{name: recorder cfg}`` for the
            models named 'student' and 'teacher'.
        recorders: the general form, ``{model name: {name: recorder cfg}}``,
            for multi-teacher algorithms (model names are the teachers' keys).
        connectors: ``{name: connector cfg}``; referenced from ``loss_inputs``. A
            connector with ``uses_data_samples = True`` is called as
            ``connector(feature, data_samples)``.
        losses: ``{name: loss cfg}``; each loss module carries its ``loss_weight``.
        loss_inputs: ``{loss name: {argument: LossInput spec}}``.

    Sequence inputs (FPN levels) are compared element-wise and the per-level
    losses summed, so one loss entry covers a whole pyramid.
    """

    def __init__(self,
                 student_recorders: Optional[Dict[str, dict]] = None,
                 teacher_recorders: Optional[Dict[str, dict]] = None,
                 recorders: Optional[Dict[str, Dict[str, dict]]] = None,
                 connectors: Optional[Dict[str, dict]] = None,
                 losses: Optional[Dict[str, dict]] = None,
                 loss_inputs: Optional[Dict[str, Dict[str, Any]]] = None,
                 init_cfg: Optional[dict] = None) -> None:
        recorders = dict(recorders or {})
        if student_recorders:
            recorders['student'] = student_recorders
        if teacher_recorders:
            recorders['teacher'] = teacher_recorders
        super().__init__(recorders=recorders, losses=losses, init_cfg=init_cfg)
        self.connectors = nn.ModuleDict(
            {name: MODELS.build(scoped(cfg)) for name, cfg in (connectors or {}).items()})
        self.loss_inputs = self._parse_loss_inputs(loss_inputs or {})

    # ------------------------------------------------------------------ build
    def _parse_loss_inputs(self, loss_inputs: Dict[str, Dict[str, Any]]) -> Dict[str, Dict[str, LossInput]]:
        unknown = set(loss_inputs) - set(self.losses)
        if unknown:
            raise KeyError(f'loss_inputs name losses that are not configured: {sorted(unknown)}; '
                           f'configured losses: {sorted(self.losses)}')
        parsed: Dict[str, Dict[str, LossInput]] = {}
        for loss_name, loss in self.losses.items():
            if loss_name not in loss_inputs:
                raise KeyError(f'loss {loss_name!r} has no entry in loss_inputs')
            params = inspect.signature(loss.forward).parameters
            accepts_kwargs = any(p.kind is p.VAR_KEYWORD for p in params.values())
            mapping = {}
            for arg, spec in loss_inputs[loss_name].items():
                if arg not in params and not accepts_kwargs:
                    raise TypeError(
                        f'loss {loss_name!r} ({type(loss).__name__}.forward) has no argument {arg!r}; '
                        f'its arguments are {[p for p in params if p != "self"]}')
                item = LossInput.parse(spec, f'loss_inputs[{loss_name!r}][{arg!r}]')
                if item.model != DATA_SAMPLES:
                    if item.model not in self.recorder_cfgs:
                        raise KeyError(
                            f'loss_inputs[{loss_name!r}][{arg!r}] reads model {item.model!r}, which has '
                            f'no recorders; models with recorders: {sorted(self.recorder_cfgs)}')
                    if item.recorder not in self.recorder_cfgs[item.model]:
                        raise KeyError(
                            f'loss_inputs[{loss_name!r}][{arg!r}] names recorder {item.recorder!r} of the '
                            f'{item.model}, which does not exist; its recorders: '
                            f'{sorted(self.recorder_cfgs[item.model])}')
                if item.connector is not None and item.connector not in self.connectors:
                    raise KeyError(f'loss_inputs[{loss_name!r}][{arg!r}] names connector '
                                   f'{item.connector!r}; configured connectors: {sorted(self.connectors)}')
                mapping[arg] = item
            missing = [n for n, p in params.items()
                       if p.default is p.empty and p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)
                       and n not in mapping]
            if missing:
                raise TypeError(f'loss {loss_name!r} ({type(loss).__name__}) needs arguments {missing} '
                                f'that loss_inputs[{loss_name!r}] does not provide')
            parsed[loss_name] = mapping
        return parsed

    # -------------------------------------------------------------- compute
    def _gather(self, item: LossInput, data_samples: Optional[List[Any]]) -> Any:
        if item.model == DATA_SAMPLES:
            return data_samples
        value = item.select(self.recorder_managers[item.model].get(item.recorder))
        if item.connector is not None:
            connector = self.connectors[item.connector]
            # a connector that mixes or selects per sample (CutMixConnector) reads the batch's data samples
            value = connector(value, data_samples) if getattr(connector, 'uses_data_samples', False) \
                else connector(value)
        return value

    def _check_pair(self, loss_name: str, loss: nn.Module, inputs: Dict[str, Any],
                    mapping: Dict[str, LossInput]) -> None:
        if 'preds_S' not in inputs or 'preds_T' not in inputs:
            return
        s_shape, t_shape = _shape(inputs['preds_S']), _shape(inputs['preds_T'])
        dims = _compared_dims(loss)

        def key(shape):
            if isinstance(shape, list):
                return [key(s) for s in shape]
            return tuple(shape) if dims is None else tuple(shape[d] for d in dims if d < len(shape))
        same = key(s_shape) == key(t_shape)
        if not same:
            raise ValueError(
                f'distillation loss {loss_name!r}: feature shapes disagree after connectors: '
                f'preds_S from {mapping["preds_S"].describe()} has shape {s_shape}, '
                f'preds_T from {mapping["preds_T"].describe()} has shape {t_shape}. '
                'Add or fix a connector (e.g. ConvConnector for channels, ResizeConnector for size).')

    def compute_losses(self, data_samples: Optional[List[Any]] = None) -> Dict[str, Tensor]:
        """Weighted distillation losses, keyed ``distill.<loss name>``."""
        raw: Dict[str, Tensor] = {}
        for loss_name, loss in self.losses.items():
            if not self.active(loss_name):
                continue
            mapping = self.loss_inputs[loss_name]
            inputs = {arg: self._gather(item, data_samples) for arg, item in mapping.items()}
            self._check_pair(loss_name, loss, inputs, mapping)
            sequences = [k for k, v in inputs.items()
                         if isinstance(v, (list, tuple)) and mapping[k].model != DATA_SAMPLES]
            if sequences:
                lengths = {k: len(inputs[k]) for k in sequences}
                if len(set(lengths.values())) != 1:
                    raise ValueError(f'distillation loss {loss_name!r}: inputs have different numbers '
                                     f'of levels {lengths}')
                value = sum(loss(**{k: (v[i] if k in sequences else v) for k, v in inputs.items()})
                            for i in range(next(iter(lengths.values()))))
            else:
                value = loss(**inputs)
            raw[loss_name] = value
        self.reset_recorders()  # free recorded features as soon as they are used
        return self.weighted(raw)
