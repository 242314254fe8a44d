"""mIoU per domain and their mean over the target domains, for domain-generalised segmentation.

A DG benchmark trains on a source domain and reports mIoU on each unseen
target domain and the mean over the targets (GKD and Rein report GTA5 ->
Cityscapes / BDD100K / Mapillary this way). mmengine evaluates one
validation dataloader with one evaluator, so the target sets are
concatenated (``ConcatDataset`` of one mmseg dataset per domain) and this
metric assigns every sample to its domain by its ``img_path``: the domain
whose name is a folder of the path (``data/street_dg/night/leftImg8bit/...``
belongs to ``night``). Per domain the intersections and unions are summed
over its images, as mmseg's ``IoUMetric`` does over a whole set (not a mean
of per-image IoUs), with mmseg's own helpers.

Keys: ``<domain>_mIoU`` for each domain with samples (percent), and
``target_mIoU``, the mean over the domains other than ``source``.
"""
from __future__ import annotations

import os.path as osp
from collections import defaultdict
from typing import Dict, List, Optional, Sequence

import numpy as np
from mmseg.evaluation.metrics import IoUMetric

from mmkd.registry import METRICS


def domain_of(img_path: str, domains: Sequence[str]) -> str:
    """The one domain whose name is a folder in ``img_path``."""
    parts = osp.normpath(img_path).replace('\\', '/').split('/')[:-1]
    found = [d for d in domains if d in parts]
    if len(found) != 1:
        raise KeyError(f'DomainIoUMetric: image {img_path!r} has {"no" if not found else "several"} domain '
                       f'folder(s) among {list(domains)} (found {found}); each domain\'s data must lie under a '
                       'folder named after it')
    return found[0]


@METRICS.register_module()
class DomainIoUMetric(IoUMetric):
    """Args:
        domains: the domain names (folder names in the image paths).
        source: the training domain, reported but left out of ``target_mIoU``
            (``None``: every domain is a target).
        **kwargs: mmseg ``IoUMetric`` arguments (``ignore_index``, ``nan_to_num``, ``prefix``...).
    """

    def __init__(self, domains: Sequence[str], source: Optional[str] = None, **kwargs) -> None:
        kwargs.setdefault('iou_metrics', ['mIoU'])
        super().__init__(**kwargs)
        self.domains = tuple(domains)
        if not self.domains or len(set(self.domains)) != len(self.domains):
            raise ValueError(f'DomainIoUMetric: domains must be distinct names, got {self.domains}')
        if source is not None and source not in self.domains:
            raise ValueError(f'DomainIoUMetric: source {source!r} is not one of the domains {self.domains}')
        self.source = source

    def process(self, data_batch: dict, data_samples: Sequence[dict]) -> None:
        num_classes = len(self.dataset_meta['classes'])
        for sample in data_samples:
            pred = sample['pred_sem_seg']['data'].squeeze()
            label = sample['gt_sem_seg']['data'].squeeze().to(pred)
            areas = self.intersect_and_union(pred, label, num_classes, self.ignore_index)
            self.results.append((domain_of(sample['img_path'], self.domains), *[a.cpu() for a in areas]))

    def compute_metrics(self, results: List[tuple]) -> Dict[str, float]:
        grouped = defaultdict(list)
        for domain, *areas in results:
            grouped[domain].append(areas)
        metrics: Dict[str, float] = {}
        for domain in self.domains:
            if not grouped[domain]:
                continue
            totals = [sum(column) for column in zip(*grouped[domain])]
            scores = self.total_area_to_metrics(*totals, ['mIoU'], self.nan_to_num, self.beta)
            metrics[f'{domain}_mIoU'] = round(float(np.nanmean(scores['IoU'].numpy() if hasattr(
                scores['IoU'], 'numpy') else scores['IoU'])) * 100, 2)
        targets = [metrics[f'{d}_mIoU'] for d in self.domains if d != self.source and f'{d}_mIoU' in metrics]
        if targets:
            metrics['target_mIoU'] = round(float(np.mean(targets)), 2)
        return metrics
