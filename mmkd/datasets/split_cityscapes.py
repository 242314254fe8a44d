"""mmseg's Cityscapes dataset restricted to the images of a split file.

Semi-supervised segmentation fixes its labeled and unlabeled partitions in
split files (:mod:`mmkd.datasets.semi_split`); this dataset reads one such
file and keeps exactly those training images, in the file's order, with
mmseg's own loading (``<city>/<stem>_leftImg8bit.png`` and its label map).
The published CPS / MGD-SSSS Cityscapes files and the embedded set's files
are read the same way.
"""
from __future__ import annotations

import os.path as osp
from typing import List

from mmseg.datasets import CityscapesDataset

from mmkd.registry import DATASETS
from .semi_split import read_split_file


@DATASETS.register_module()
class SplitCityscapesDataset(CityscapesDataset):
    """Args:
        split_file: a split file (relative paths are under ``data_root``).
        **kwargs: ``CityscapesDataset`` arguments (``data_root``, ``data_prefix``,
            ``pipeline``...). An unlabeled partition simply uses a pipeline that
            does not load annotations.
    """

    def __init__(self, split_file: str, **kwargs) -> None:
        data_root = kwargs.get('data_root') or ''
        self.split_file = split_file if osp.isabs(split_file) else osp.join(data_root, split_file)
        super().__init__(**kwargs)

    def load_data_list(self) -> List[dict]:
        stems = read_split_file(self.split_file)
        if not stems:
            raise ValueError(f'split file {self.split_file!r} lists no images')
        by_stem = {osp.basename(info['img_path'])[:-len(self.img_suffix)]: info
                   for info in super().load_data_list()}
        missing = [s for s in stems if s not in by_stem]
        if missing:
            raise FileNotFoundError(
                f'split file {self.split_file!r} lists {len(missing)} image(s) that are not under '
                f"{self.data_prefix.get('img_path')!r}, e.g. {missing[:3]}")
        return [by_stem[s] for s in stems]
