"""Prompt mIoU: how well a promptable segmenter (SAM, TinySAM) recovers each instance from a prompt.

For every ground-truth instance the model is prompted once per prompt type
(a point, a box, or ``clicks<N>``: N clicks of the interactive protocol, each
next click in the largest error region of the previous prediction) and
predicts one mask; the metric is the IoU of that mask
with the instance's mask, averaged over all instances of the data set (not
per image first, so images with many instances weigh by their instance
count, as in SAM-style evaluations).
"""
from __future__ import annotations

from typing import Dict, List, Optional, Sequence

import numpy as np
import torch
from mmengine.evaluator import BaseMetric

from mmkd.registry import METRICS


def _as_masks(value, what: str, threshold: float) -> torch.Tensor:
    """A ``(N, H, W)`` boolean tensor from a tensor/array (float = logits) or mmdet ``BitmapMasks``."""
    if hasattr(value, 'to_ndarray'):  # mmdet BitmapMasks / PolygonMasks
        value = value.to_ndarray()
    masks = torch.as_tensor(np.asarray(value) if not isinstance(value, torch.Tensor) else value).cpu()
    if masks.ndim != 3:
        raise ValueError(f'PromptMIoU: {what} must have shape (N, H, W), got {tuple(masks.shape)}')
    return masks > threshold if masks.is_floating_point() else masks.bool()


def instance_ious(pred: torch.Tensor, gt: torch.Tensor) -> torch.Tensor:
    """IoU of each predicted mask with its ground-truth mask, ``(N,)``; two empty masks score 1."""
    inter = (pred & gt).flatten(1).sum(1).double()
    union = (pred | gt).flatten(1).sum(1).double()
    return torch.where(union > 0, inter / union.clamp(min=1), torch.ones_like(union))


@METRICS.register_module()
class PromptMIoU(BaseMetric):
    """Args:
        prompt_types: the prompt kinds to report, each as ``<kind>_mIoU`` (percent).
        mask_threshold: logit above which a float prediction is foreground (SAM's 0).
        prefix: metric key prefix (``prompt/point_mIoU``).

    Each output sample (a dict) must hold ``gt_masks`` ``(N, H, W)`` (a tensor,
    an array or mmdet ``BitmapMasks``) and ``pred_masks``: ``{kind: (N, H, W)}``
    with one mask per instance for every kind in ``prompt_types``, boolean or
    logits.
    """
    default_prefix = 'prompt'

    def __init__(self, prompt_types: Sequence[str] = ('point', 'box'), mask_threshold: float = 0.0,
                 collect_device: str = 'cpu', prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        if not prompt_types:
            raise ValueError('PromptMIoU: prompt_types must name at least one prompt kind')
        self.prompt_types = tuple(prompt_types)
        self.mask_threshold = mask_threshold

    def process(self, data_batch, data_samples: Sequence[dict]) -> None:
        for i, sample in enumerate(data_samples):
            if 'gt_masks' not in sample or 'pred_masks' not in sample:
                raise KeyError(f'PromptMIoU needs gt_masks and pred_masks in each output sample; sample {i} has '
                               f'keys {sorted(sample)}')
            gt = _as_masks(sample['gt_masks'], f'sample {i} gt_masks', 0.5)
            result = {}
            for kind in self.prompt_types:
                if kind not in sample['pred_masks']:
                    raise KeyError(f'PromptMIoU: sample {i} pred_masks has no {kind!r} entry (has '
                                   f'{sorted(sample["pred_masks"])})')
                pred = _as_masks(sample['pred_masks'][kind], f'sample {i} pred_masks[{kind!r}]', self.mask_threshold)
                if pred.shape != gt.shape:
                    raise ValueError(f'PromptMIoU: sample {i} pred_masks[{kind!r}] has shape {tuple(pred.shape)} '
                                     f'but gt_masks {tuple(gt.shape)} (one mask per instance, same size)')
                result[kind] = instance_ious(pred, gt).numpy()
            self.results.append(result)

    def compute_metrics(self, results: List[dict]) -> Dict[str, float]:
        metrics = {}
        for kind in self.prompt_types:
            ious = np.concatenate([r[kind] for r in results]) if results else np.zeros(0)
            metrics[f'{kind}_mIoU'] = float(ious.mean() * 100) if len(ious) else float('nan')
        return metrics
