"""Where a loss argument comes from: a recorder of a model, maybe via a connector."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional, Tuple, Union

DATA_SAMPLES = 'data_samples'


@dataclass(frozen=True)
class LossInput:
    """One loss argument.

    Config forms:
      * ``('student', 'fpn')`` or ``('teacher', 'fpn', 2)`` (the third item
        indexes a tuple/list output, e.g. one FPN level);
      * ``dict(model='student', recorder='fpn', data_idx=2, connector='adapt')``;
      * ``('data_samples', 'gt_label')``: ground truth extracted from the
        batch's data samples (fields in
        :data:`mmkd.structures.GROUND_TRUTH_FIELDS`: ``gt_label``,
        ``gt_sem_seg``, ``gt_boxes``), so losses take tensors, not samples;
      * ``dict(..., connector='qsd', connector_inputs=dict(keys=('teacher', 'tokens')))``:
        the connector is called as ``connector(value, keys=<teacher tokens>)``,
        for adapters that look at another model's feature (GKD's query heads
        attend from the student's tokens to the teacher's) or at the batch
        (``connector_inputs=dict(data_samples='data_samples')``);
      * ``'data_samples'``: the batch's data samples themselves, for losses
        that need more than one ground-truth field.
    """
    model: str
    recorder: str = ''
    data_idx: Optional[int] = None
    connector: Optional[str] = None
    # (argument name, LossInput) pairs passed to the connector as keyword arguments
    connector_inputs: Tuple[Tuple[str, 'LossInput'], ...] = ()

    @classmethod
    def parse(cls, spec: Union[str, tuple, list, dict], where: str) -> 'LossInput':
        if spec == DATA_SAMPLES:
            return cls(model=DATA_SAMPLES)
        if isinstance(spec, (tuple, list)) and len(spec) in (2, 3):
            return cls(*spec)
        if isinstance(spec, dict) and {'model', 'recorder'} <= set(spec) \
                and set(spec) <= {'model', 'recorder', 'data_idx', 'connector', 'connector_inputs'}:
            spec = dict(spec)
            extra = dict(spec.pop('connector_inputs', None) or {})
            if extra and spec.get('connector') is None:
                raise ValueError(f'{where}: connector_inputs {sorted(extra)} given without a connector')
            parsed = tuple((name, cls.parse(value, f'{where}.connector_inputs[{name!r}]'))
                           for name, value in extra.items())
            if any(item.connector_inputs for _, item in parsed):
                raise ValueError(f'{where}: connector_inputs name recorded features or the data samples, '
                                 'without connector_inputs of their own')
            return cls(**spec, connector_inputs=parsed)
        raise ValueError(
            f'{where}: cannot read loss input {spec!r}; use (model, recorder[, data_idx]), '
            "dict(model=..., recorder=..., data_idx=None, connector=None, connector_inputs=None), "
            "('data_samples', <ground-truth field>) "
            "or 'data_samples'")

    def describe(self) -> str:
        if self.model == DATA_SAMPLES:
            return f'{DATA_SAMPLES}.{self.recorder}' if self.recorder else DATA_SAMPLES
        text = f'{self.model}.{self.recorder}'
        if self.data_idx is not None:
            text += f'[{self.data_idx}]'
        if self.connector:
            text += f' -> connector {self.connector!r}'
            if self.connector_inputs:
                text += ' with ' + ', '.join(f'{k}={v.describe()}' for k, v in self.connector_inputs)
        return text

    def select(self, value: Any) -> Any:
        if self.data_idx is None:
            return value
        if not isinstance(value, (list, tuple)):
            raise TypeError(f'loss input {self.describe()}: data_idx={self.data_idx} given but '
                            f'the recorded value is a {type(value).__name__}, not a tuple/list')
        return value[self.data_idx]
