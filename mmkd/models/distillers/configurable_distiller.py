"""The generic distiller: recorders -> connectors -> losses, checked when built.

Wiring lives in the config; this class holds the trainable connectors, the
losses and their weight factors, and turns recorded features into a dict of
weighted losses. Everything a config can get wrong (module paths, recorder
names, loss argument names, feature shapes) fails with a message naming the
pieces involved.
"""
from __future__ import annotations

import inspect
from typing import Any, Dict, List, Optional

from torch import Tensor

from mmkd.registry import MODELS
from mmkd.structures import GROUND_TRUTH_FIELDS, extract_ground_truth
from .base_distiller import BaseDistiller
from .loss_input import DATA_SAMPLES, LossInput


def _shape(value: Any) -> Any:
    if isinstance(value, Tensor):
        return tuple(value.shape)
    if isinstance(value, (list, tuple)):
        return [_shape(v) for v in value]
    return type(value).__name__


@MODELS.register_module()
class ConfigurableDistiller(BaseDistiller):
    """Args:
        student_recorders / teacher_recorders: ``{name: recorder cfg}`` for the
            models named 'student' and 'teacher'.
        recorders: the general form, ``{model name: {name: recorder cfg}}``,
            for multi-teacher algorithms (model names are the teachers' keys).
        connectors: ``{name: connector cfg}``; referenced from ``loss_inputs``
            (a connector may take more inputs, named in ``connector_inputs``:
            another recorded feature or the batch's data samples).
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
        super().__init__(recorders=recorders, connectors=connectors, losses=losses, init_cfg=init_cfg)
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
                for where, read in [(f'[{arg!r}]', item)] + [(f'[{arg!r}].connector_inputs[{k!r}]', v)
                                                             for k, v in item.connector_inputs]:
                    self._check_recorder(loss_name, where, read)
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

    def _check_recorder(self, loss_name: str, where: str, item: LossInput) -> None:
        """Refuse an input that names a model, recorder or ground-truth field that does not exist."""
        if item.model == DATA_SAMPLES:
            if item.recorder and item.recorder not in GROUND_TRUTH_FIELDS:
                raise KeyError(f'loss_inputs[{loss_name!r}]{where} asks for ground-truth field '
                               f'{item.recorder!r}; known fields: {sorted(GROUND_TRUTH_FIELDS)}')
            return
        if item.model not in self.recorder_cfgs:
            raise KeyError(
                f'loss_inputs[{loss_name!r}]{where} reads model {item.model!r}, which has '
                f'no recorders; models with recorders: {sorted(self.recorder_cfgs)}')
        if item.recorder not in self.recorder_cfgs[item.model]:
            raise KeyError(
                f'loss_inputs[{loss_name!r}]{where} names recorder {item.recorder!r} of the '
                f'{item.model}, which does not exist; its recorders: '
                f'{sorted(self.recorder_cfgs[item.model])}')

    # -------------------------------------------------------------- compute
    def _gather(self, item: LossInput, data_samples: Optional[List[Any]]) -> Any:
        if item.model == DATA_SAMPLES:
            return extract_ground_truth(item.recorder, data_samples) if item.recorder else data_samples
        value = item.select(self.recorder_managers[item.model].get(item.recorder))
        if item.connector is not None:
            extra = {name: self._gather(read, data_samples) for name, read in item.connector_inputs}
            value = self.connectors[item.connector](value, **extra)
        return value

    def gather_loss_inputs(self, loss_name: str, data_samples: Optional[List[Any]] = None) -> Dict[str, Any]:
        """The arguments loss ``loss_name`` receives from the features just recorded
        (after connectors; ground truth from ``data_samples``), without computing it:
        what analysis tools (``tools/analysis/feature_diff.py``) show of a step."""
        if loss_name not in self.loss_inputs:
            raise KeyError(f'{type(self).__name__} has no loss {loss_name!r}; its losses: {sorted(self.loss_inputs)}')
        return {arg: self._gather(item, data_samples) for arg, item in self.loss_inputs[loss_name].items()}

    def _explain(self, loss_name: str, err: Exception, inputs: Dict[str, Any],
                 mapping: Dict[str, LossInput]) -> ValueError:
        """The loss's own complaint plus where each input came from and its shape."""
        sources = ', '.join(f'{arg} from {mapping[arg].describe()} has shape {_shape(value)}'
                            for arg, value in inputs.items() if mapping[arg].model != DATA_SAMPLES)
        return ValueError(
            f'distillation loss {loss_name!r} ({type(self.losses[loss_name]).__name__}) refused its inputs: {err} '
            f'({sources}). Where feature shapes disagree, add or fix a connector '
            '(ChannelAlignConnector / ConvConnector for channels, ResizeConnector for size).')

    def compute_losses(self, data_samples: Optional[List[Any]] = None) -> Dict[str, Tensor]:
        """Weighted distillation losses, keyed ``distill.<loss name>``."""
        raw: Dict[str, Tensor] = {}
        for loss_name, loss in self.losses.items():
            if not self.active(loss_name):
                continue
            mapping = self.loss_inputs[loss_name]
            inputs = self.gather_loss_inputs(loss_name, data_samples)
            sequences = [k for k, v in inputs.items()
                         if isinstance(v, (list, tuple)) and mapping[k].model != DATA_SAMPLES]
            if sequences:
                lengths = {k: len(inputs[k]) for k in sequences}
                if len(set(lengths.values())) != 1:
                    raise ValueError(f'distillation loss {loss_name!r}: feature shapes disagree: inputs have different numbers '
                                     f'of levels {lengths}')
            try:
                if sequences:
                    value = sum(loss(**{k: (v[i] if k in sequences else v) for k, v in inputs.items()})
                                for i in range(next(iter(lengths.values()))))
                else:
                    value = loss(**inputs)
            except ValueError as err:
                raise self._explain(loss_name, err, inputs, mapping) from err
            raw[loss_name] = value
        self.reset_recorders()  # free recorded features as soon as they are used
        return self.weighted(raw)
