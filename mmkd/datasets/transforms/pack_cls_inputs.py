"""Pack a loaded, augmented image and its label into model inputs (classification).

The classification counterpart of mmdet's ``PackDetInputs``: loading,
resizing and flipping are mmcv's own transforms; this last step turns the
result dict into ``inputs`` (a CHW uint8 tensor, normalised later by the data
preprocessor on the batch) and a :class:`~mmkd.structures.ClsDataSample`.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np
import torch
from mmcv.transforms import BaseTransform

from mmkd.registry import TRANSFORMS
from mmkd.structures import ClsDataSample


@TRANSFORMS.register_module()
class PackClsInputs(BaseTransform):
    """Args:
        meta_keys: keys of the results dict copied into the sample's metainfo
            (those missing are skipped).
    """

    def __init__(self, meta_keys: Sequence[str] = ('sample_idx', 'img_path', 'ori_shape', 'img_shape',
                                                    'scale_factor', 'flip', 'flip_direction')) -> None:
        self.meta_keys = tuple(meta_keys)

    def transform(self, results: dict) -> dict:
        if 'img' not in results:
            raise KeyError('PackClsInputs needs an "img" entry: put LoadImageFromFile before it')
        img = np.asarray(results['img'])
        if img.ndim == 2:
            img = img[:, :, None]
        inputs = torch.from_numpy(np.ascontiguousarray(img.transpose(2, 0, 1)))
        sample = ClsDataSample(metainfo={k: results[k] for k in self.meta_keys if k in results})
        if 'gt_label' in results:
            sample.gt_label = results['gt_label']
        return dict(inputs=inputs, data_samples=sample)

    def __repr__(self) -> str:
        return f'{type(self).__name__}(meta_keys={self.meta_keys})'
