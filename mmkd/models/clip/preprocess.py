"""Pixel normalisation of CLIP image towers.

mmdet images reach a model as BGR or RGB in ``[0, 255]``; CLIP expects RGB in
``[0, 1]`` normalised with the mean and std of its training set (OpenAI's for
CLIP and most open_clip models, taken from the model's preprocess config).
"""
from __future__ import annotations

from typing import Sequence, Tuple

import torch
from open_clip import OPENAI_DATASET_MEAN, OPENAI_DATASET_STD
from torch import Tensor, nn


def clip_mean_std(model: nn.Module) -> Tuple[Sequence[float], Sequence[float]]:
    """The mean and std of the model's preprocess config, OpenAI's when it has none."""
    cfg = getattr(getattr(model, 'visual', model), 'preprocess_cfg', None) or {}
    return tuple(cfg.get('mean', OPENAI_DATASET_MEAN)), tuple(cfg.get('std', OPENAI_DATASET_STD))


def clip_normalize(images: Tensor, mean: Sequence[float] = OPENAI_DATASET_MEAN,
                   std: Sequence[float] = OPENAI_DATASET_STD, value_range: float = 255.0,
                   bgr_to_rgb: bool = False) -> Tensor:
    """``(B, 3, H, W)`` images in ``[0, value_range]`` to CLIP input, float32."""
    if images.ndim != 4 or images.shape[1] != 3:
        raise ValueError(f'clip_normalize expects (B, 3, H, W) images, got shape {tuple(images.shape)}')
    images = images.float() / value_range
    if bgr_to_rgb:
        images = images.flip(1)
    mean_t = torch.tensor(mean, dtype=images.dtype, device=images.device).view(1, 3, 1, 1)
    std_t = torch.tensor(std, dtype=images.dtype, device=images.device).view(1, 3, 1, 1)
    return (images - mean_t) / std_t
