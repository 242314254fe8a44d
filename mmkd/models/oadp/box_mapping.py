"""Map boxes cached in original image pixels into a training sample's augmented frame.

The OAKE cache stores proposals and block boxes once per image, in the
pixels of the image file (the embeddings describe the original image). A
training step sees the image after its pipeline has resized and maybe
flipped it, so before RoI-pooling the student's features the cached boxes go
through the same geometric transform. mmdet records that transform in the
sample's metainfo two ways:

* ``homography_matrix`` (``Resize``, ``RandomFlip``, ``RandomCrop``... each
  left-multiply their 3x3 matrix): exact for every geometric transform mmdet
  records, used when present (add it to ``PackDetInputs``' ``meta_keys``);
* otherwise ``scale_factor`` ``(w_scale, h_scale)`` then ``flip`` /
  ``flip_direction`` about ``img_shape``: exact for the usual
  ``Resize`` + ``RandomFlip`` pipelines, the only ones it accepts silently.

The result is clipped to ``img_shape``; boxes are mmdet ``HorizontalBoxes``
operations, the ones mmdet applies to the GT boxes of the same sample.
"""
from __future__ import annotations

from typing import Any, Mapping

import numpy as np
import torch
from mmdet.structures.bbox import HorizontalBoxes
from torch import Tensor


def map_cached_boxes(boxes: Tensor, metainfo: Mapping[str, Any], where: str = 'sample') -> Tensor:
    """``(N, 4)`` boxes (x1, y1, x2, y2, original pixels) in the augmented image of ``metainfo``.

    ``where`` names the sample in error messages (e.g. its image id).
    """
    if boxes.ndim != 2 or boxes.shape[-1] != 4:
        raise ValueError(f'map_cached_boxes ({where}): expected (N, 4) boxes, got shape {tuple(boxes.shape)}')
    if 'img_shape' not in metainfo:
        raise KeyError(f'map_cached_boxes ({where}): the metainfo has no img_shape (keys: {sorted(metainfo)})')
    mapped = HorizontalBoxes(boxes.float().clone())
    if metainfo.get('homography_matrix') is not None:
        matrix = metainfo['homography_matrix']
        matrix = torch.as_tensor(np.asarray(matrix, dtype=np.float32) if not isinstance(matrix, Tensor) else matrix)
        if matrix.shape != (3, 3):
            raise ValueError(f'map_cached_boxes ({where}): homography_matrix must be 3x3, got {tuple(matrix.shape)}')
        mapped.project_(matrix.to(boxes.device, torch.float32))
    else:
        if 'scale_factor' not in metainfo:
            raise KeyError(f'map_cached_boxes ({where}): the metainfo has neither homography_matrix nor '
                           f'scale_factor (keys: {sorted(metainfo)}); keep them in PackDetInputs meta_keys')
        w_scale, h_scale = (float(v) for v in metainfo['scale_factor'][:2])
        mapped.rescale_((w_scale, h_scale))
        if metainfo.get('flip', False):
            direction = metainfo.get('flip_direction') or 'horizontal'
            if direction not in ('horizontal', 'vertical', 'diagonal'):
                raise ValueError(f'map_cached_boxes ({where}): unknown flip_direction {direction!r}')
            mapped.flip_(tuple(metainfo['img_shape'][:2]), direction)
    mapped.clip_(tuple(metainfo['img_shape'][:2]))
    return mapped.tensor
