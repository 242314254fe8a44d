"""One labeled sample and two unlabeled samples per index, for semi-supervised training.

CutMix-based semi-supervised segmentation draws, every iteration, a labeled
batch and two unlabeled batches ``u0`` and ``u1`` (mixed into one image by
the data preprocessor). The paper code runs three data loaders side by side;
here one mmengine data loader does it: each index of this wrapper returns a
labeled sample (index modulo the labeled set, which is the smaller one and
so is cycled) plus ``u0`` (index modulo the unlabeled set) and ``u1`` (drawn
at random, from the data loader worker's seeded RNG). mmengine's default
``pseudo_collate`` turns a batch of them into::

    dict(inputs=[...], data_samples=[...],                      # labeled
         unlabeled=[dict(inputs=[...], data_samples=[...]),     # u0
                    dict(inputs=[...], data_samples=[...])])    # u1

which :class:`~mmkd.models.data_preprocessors.SemiSupervisedSegDataPreProcessor`
turns into the student's and the teachers' batches. An epoch is one pass
over the unlabeled set (``len(self)``), as in the paper's iteration count.
"""
from __future__ import annotations

import random
from typing import Any, Union

from mmengine.dataset import BaseDataset

from mmkd.registry import DATASETS

UNLABELED_KEY = 'unlabeled'


@DATASETS.register_module()
class SemiSupervisedDataset:
    """Args:
        labeled: the labeled partition (config or dataset), pipeline with labels.
        unlabeled: the unlabeled partition; its pipeline need not load labels.
        lazy_init: defer the partitions' ``full_init`` (mmengine's convention).
    """

    def __init__(self, labeled: Union[dict, BaseDataset], unlabeled: Union[dict, BaseDataset],
                 lazy_init: bool = False) -> None:
        self.labeled = DATASETS.build(labeled) if isinstance(labeled, dict) else labeled
        self.unlabeled = DATASETS.build(unlabeled) if isinstance(unlabeled, dict) else unlabeled
        self._fully_initialized = False
        if not lazy_init:
            self.full_init()

    @property
    def metainfo(self) -> dict:
        return self.labeled.metainfo

    def full_init(self) -> None:
        if self._fully_initialized:
            return
        for name, dataset in (('labeled', self.labeled), ('unlabeled', self.unlabeled)):
            dataset.full_init()
            if len(dataset) == 0:
                raise ValueError(f'SemiSupervisedDataset: the {name} partition is empty '
                                 f'({type(dataset).__name__}, split file {getattr(dataset, "split_file", None)!r})')
        self._fully_initialized = True

    def __len__(self) -> int:
        self.full_init()
        return len(self.unlabeled)

    def __getitem__(self, idx: int) -> dict:
        self.full_init()
        sample: dict[str, Any] = dict(self.labeled[idx % len(self.labeled)])
        u0 = self.unlabeled[idx % len(self.unlabeled)]
        u1 = self.unlabeled[random.randrange(len(self.unlabeled))]
        sample[UNLABELED_KEY] = (u0, u1)
        return sample
