"""Zero-shot classification accuracy, over all samples and per group of categories (base / novel).

The check that a self-trained CLIP is a usable open-vocabulary teacher: a
crop is assigned the category whose text embedding is closest (the model's
``predict``, e.g. :class:`~mmkd.models.clip.ContrastiveCLIP`), among all
categories, base and novel together, as a detector's classifier sees them.
Accuracy is a fraction in ``[0, 1]``; a group without samples gets ``nan``
(no evidence), not 0.
"""
from __future__ import annotations

from typing import Dict, List, Mapping, Optional, Sequence

import torch
from mmengine.evaluator import BaseMetric

from mmkd.datasets.ov_split import get_ov_split
from mmkd.registry import METRICS


def grouped_accuracy(predictions: Sequence[int], labels: Sequence[int],
                     groups: Optional[Mapping[str, Sequence[int]]] = None) -> Dict[str, float]:
    """Top-1 accuracy over all samples (``'all'``) and over the samples whose label is in each group
    (``groups`` maps a name to category indices)."""
    predictions = torch.as_tensor(predictions).long().reshape(-1).cpu()
    labels = torch.as_tensor(labels).long().reshape(-1).cpu()
    if len(predictions) != len(labels):
        raise ValueError(f'grouped_accuracy: {len(predictions)} predictions but {len(labels)} labels')
    correct = (predictions == labels).float()
    result = {'all': correct.mean().item() if len(correct) else float('nan')}
    for name, members in (groups or {}).items():
        chosen = torch.isin(labels, torch.as_tensor(list(members), dtype=torch.long))
        result[name] = correct[chosen].mean().item() if bool(chosen.any()) else float('nan')
    return result


@METRICS.register_module()
class ZeroShotAccuracy(BaseMetric):
    """Args:
        split: an open-vocabulary split name (``mmkd.datasets.OV_SPLITS``) whose
            base / novel categories are the groups, looked up by name in the
            dataset's ``metainfo['classes']``.
        groups: ``{group: [category names]}`` instead of ``split``.
        prefix: metric key prefix (``zero_shot/all``, ``zero_shot/base``...).

    Each output sample needs ``pred_label`` and ``gt_label`` (category indices).
    """
    default_prefix = 'zero_shot'

    def __init__(self, split: Optional[str] = None, groups: Optional[Mapping[str, Sequence[str]]] = None,
                 collect_device: str = 'cpu', prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        if split is not None and groups is not None:
            raise ValueError('ZeroShotAccuracy: give split or groups, not both')
        if split is not None:
            base, novel = get_ov_split(split)
            groups = dict(base=base, novel=novel)
        self.group_names = {name: list(members) for name, members in (groups or {}).items()}

    def process(self, data_batch, data_samples: Sequence[dict]) -> None:
        for sample in data_samples:
            if 'pred_label' not in sample or 'gt_label' not in sample:
                raise KeyError('ZeroShotAccuracy needs pred_label and gt_label in each output sample, got keys '
                               f'{sorted(sample)}')
            self.results.append((int(sample['pred_label']), int(sample['gt_label'])))

    def groups(self) -> Dict[str, List[int]]:
        """The groups as category indices of the dataset's classes."""
        if not self.group_names:
            return {}
        classes = list((self.dataset_meta or {}).get('classes') or ())
        unknown = [c for members in self.group_names.values() for c in members if c not in classes]
        if unknown:
            raise KeyError(f'ZeroShotAccuracy: categories {unknown} of the groups are not among the dataset\'s '
                           f'classes {classes}')
        return {name: [classes.index(c) for c in members] for name, members in self.group_names.items()}

    def compute_metrics(self, results: List[tuple]) -> Dict[str, float]:
        predictions, labels = zip(*results) if results else ((), ())
        return grouped_accuracy(predictions, labels, self.groups())
