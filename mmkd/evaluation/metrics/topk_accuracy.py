"""Top-k accuracy of image classification (mmengine metric).

mmpretrain's ``Accuracy`` is not available here (mmpretrain is not a
dependency); this is the same measure for :class:`~mmkd.structures.ClsDataSample`
outputs: a sample counts for top-k when its ground-truth class is among the
k highest ``pred_score`` entries. Ties count against the sample (a class
scored equal to the ground truth ranks above it), so a constant prediction
scores 0, never 100.
"""
from __future__ import annotations

from typing import Dict, List, Optional, Sequence, Union

import torch
from mmengine.evaluator import BaseMetric

from mmkd.registry import METRICS


@METRICS.register_module()
class TopKAccuracy(BaseMetric):
    """Args:
        topk: the k values to report, as ``top1``, ``top5``... in percent.
        prefix: metric key prefix (``accuracy/top1``).

    A k larger than the number of classes is reported as 100 (every class is
    in the top k), not dropped, so result tables keep the same columns.
    """
    default_prefix = 'accuracy'

    def __init__(self, topk: Union[int, Sequence[int]] = (1, 5), collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        self.topk = (topk,) if isinstance(topk, int) else tuple(topk)
        if not self.topk or min(self.topk) < 1:
            raise ValueError(f'TopKAccuracy: topk must be positive integers, got {topk}')

    def process(self, data_batch, data_samples: Sequence[dict]) -> None:
        for sample in data_samples:
            if 'pred_score' not in sample or 'gt_label' not in sample:
                raise KeyError('TopKAccuracy needs pred_score and gt_label in each output sample, got keys '
                               f'{sorted(sample)} (is the model a classifier returning ClsDataSample?)')
            score = torch.as_tensor(sample['pred_score']).reshape(-1).float().cpu()
            label = int(torch.as_tensor(sample['gt_label']).reshape(-1)[0])
            rank = int((score >= score[label]).sum()) - 1  # other classes scored as high or higher
            self.results.append(dict(rank=rank))

    def compute_metrics(self, results: List[dict]) -> Dict[str, float]:
        ranks = torch.tensor([r['rank'] for r in results])
        return {f'top{k}': float((ranks < k).float().mean() * 100) for k in self.topk}
