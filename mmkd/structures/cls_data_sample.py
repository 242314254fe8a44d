"""The per-image record of image classification: ground truth and prediction.

mmdet and mmseg carry ``DetDataSample`` / ``SegDataSample``; classification
needs the same kind of container so that datasets, models, losses and
metrics agree on field names without depending on mmpretrain. The fields
mirror mmpretrain's ``DataSample``, so code written against either reads the
same: ``gt_label`` (1-element long tensor), ``pred_score`` (class
probabilities) and ``pred_label`` (1-element long tensor).
"""
from __future__ import annotations

from typing import Optional, Sequence

import torch
from mmengine.structures import BaseDataElement
from torch import Tensor


def _as_label(value, field: str) -> Tensor:
    label = torch.as_tensor(value).reshape(-1).long()
    if label.numel() != 1:
        raise ValueError(f'ClsDataSample.{field} must hold one class index, got {tuple(label.shape)} values')
    return label


class ClsDataSample(BaseDataElement):
    """Ground truth and prediction of one image; meta (img_path, shapes) in ``metainfo``."""

    @property
    def gt_label(self) -> Tensor:
        return self._gt_label

    @gt_label.setter
    def gt_label(self, value) -> None:
        self.set_field(_as_label(value, 'gt_label'), '_gt_label', dtype=Tensor)

    @gt_label.deleter
    def gt_label(self) -> None:
        del self._gt_label

    @property
    def pred_label(self) -> Tensor:
        return self._pred_label

    @pred_label.setter
    def pred_label(self, value) -> None:
        self.set_field(_as_label(value, 'pred_label'), '_pred_label', dtype=Tensor)

    @pred_label.deleter
    def pred_label(self) -> None:
        del self._pred_label

    @property
    def pred_score(self) -> Tensor:
        return self._pred_score

    @pred_score.setter
    def pred_score(self, value: Tensor) -> None:
        if not isinstance(value, Tensor) or value.dim() != 1:
            raise ValueError('ClsDataSample.pred_score must be a 1-d tensor of class scores, '
                             f'got {type(value).__name__} {tuple(getattr(value, "shape", ()))}')
        self.set_field(value, '_pred_score', dtype=Tensor)

    @pred_score.deleter
    def pred_score(self) -> None:
        del self._pred_score


def stack_gt_labels(data_samples: Optional[Sequence], device: Optional[torch.device] = None,
                    who: str = 'this loss') -> Tensor:
    """``(B,)`` long class indices from the ``gt_label`` of each data sample.

    Raises a ``ValueError`` naming ``who`` when the samples carry no labels
    (e.g. a detection pipeline feeding a classification loss).
    """
    if not data_samples or not all(hasattr(s, 'gt_label') for s in data_samples):
        kind = type(data_samples[0]).__name__ if data_samples else 'no data samples'
        raise ValueError(f'{who} reads gt_label from ClsDataSample data samples, got {kind} '
                         '(is the dataset pipeline packing classification inputs with mmkd.PackClsInputs?)')
    return torch.cat([s.gt_label.reshape(-1) for s in data_samples]).long().to(device)
