"""Ground truth taken out of the batch's data samples, as tensors a loss can take.

Losses are functions of tensors: they should not know whether labels come
from mmdet's ``DetDataSample``, mmseg's ``SegDataSample`` or mmkd's
``ClsDataSample``. A distiller's ``loss_inputs`` names a field here
(``gt_labels=('data_samples', 'gt_label')``) and the distiller hands the
loss the extracted tensor, so one DKD serves classification logits and
segmentation logits alike, and FGD reads boxes or label maps the same way.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Dict, List, Sequence, Tuple

import torch
from torch import Tensor

from .cls_data_sample import stack_gt_labels


@dataclass
class BoxTargets:
    """GT boxes of a detection batch with the image shape they are measured in.

    ``boxes[i]`` is ``(K_i, 4)`` ``(x1, y1, x2, y2)`` in pixels of
    ``input_shapes[i] = (h, w)`` (the padded batch shape when the samples
    carry it, else the image shape), so a loss can scale them to any
    feature-map size. ``labels[i]`` are the boxes' classes.
    """
    boxes: List[Tensor]
    labels: List[Tensor]
    input_shapes: List[Tuple[int, int]]

    def __len__(self) -> int:
        return len(self.boxes)


def _require(data_samples: Any, field: str) -> Sequence[Any]:
    if not isinstance(data_samples, (list, tuple)) or not data_samples:
        raise ValueError(f"loss input ('data_samples', {field!r}) needs the batch's data samples, "
                         f'got {type(data_samples).__name__}')
    return data_samples


def gt_labels(data_samples: Sequence[Any]) -> Tensor:
    """``(B,)`` long class indices of a classification batch (``gt_label``)."""
    return stack_gt_labels(_require(data_samples, 'gt_label'), None, "loss input ('data_samples', 'gt_label')")


def gt_sem_seg(data_samples: Sequence[Any]) -> Tensor:
    """``(N, H, W)`` long label maps of a segmentation batch (``gt_sem_seg.data``)."""
    maps = []
    for i, sample in enumerate(_require(data_samples, 'gt_sem_seg')):
        sem_seg = getattr(sample, 'gt_sem_seg', None)
        if sem_seg is None or 'data' not in sem_seg:
            raise ValueError(f"loss input ('data_samples', 'gt_sem_seg'): data sample {i} "
                             f'({type(sample).__name__}) has no gt_sem_seg (is this a segmentation pipeline?)')
        maps.append(sem_seg.data.reshape(sem_seg.data.shape[-2:]))
    if len({tuple(m.shape) for m in maps}) != 1:
        raise ValueError("loss input ('data_samples', 'gt_sem_seg'): label maps of one batch differ in size "
                         f'{sorted({tuple(m.shape) for m in maps})}; pad them (SegDataPreProcessor does)')
    return torch.stack(maps).long()


def gt_boxes(data_samples: Sequence[Any]) -> BoxTargets:
    """:class:`BoxTargets` of a detection batch (``gt_instances.bboxes`` / ``labels``)."""
    boxes, labels, shapes = [], [], []
    for i, sample in enumerate(_require(data_samples, 'gt_boxes')):
        instances = getattr(sample, 'gt_instances', None)
        if instances is None or 'bboxes' not in instances:
            raise ValueError(f"loss input ('data_samples', 'gt_boxes'): data sample {i} "
                             f'({type(sample).__name__}) has no gt_instances.bboxes (is this a detection pipeline?)')
        meta = getattr(sample, 'metainfo', {})
        shape = meta.get('batch_input_shape', meta.get('img_shape'))
        if shape is None:
            raise ValueError(f"loss input ('data_samples', 'gt_boxes'): data sample {i} has neither "
                             "'batch_input_shape' nor 'img_shape' in its metainfo, so its boxes have no scale")
        bboxes = getattr(instances.bboxes, 'tensor', instances.bboxes)  # mmdet box types
        boxes.append(torch.as_tensor(bboxes).reshape(-1, 4))
        labels.append(torch.as_tensor(instances.labels).reshape(-1).long() if 'labels' in instances
                      else torch.zeros(len(boxes[-1]), dtype=torch.long))
        shapes.append((int(shape[0]), int(shape[1])))
    return BoxTargets(boxes, labels, shapes)


#: field name in ``('data_samples', <field>)`` -> extractor
GROUND_TRUTH_FIELDS: Dict[str, Callable[[Sequence[Any]], Any]] = {
    'gt_label': gt_labels,
    'gt_sem_seg': gt_sem_seg,
    'gt_boxes': gt_boxes,
}


def extract_ground_truth(field: str, data_samples: Sequence[Any]) -> Any:
    """The ground-truth ``field`` of the batch (see :data:`GROUND_TRUTH_FIELDS`)."""
    if field not in GROUND_TRUTH_FIELDS:
        raise KeyError(f"unknown ground-truth field ('data_samples', {field!r}); "
                       f'known fields: {sorted(GROUND_TRUTH_FIELDS)}')
    return GROUND_TRUTH_FIELDS[field](data_samples)
