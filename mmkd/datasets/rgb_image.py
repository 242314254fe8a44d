"""Read an image file as an RGB tensor, and normalise it the way a model expects.

Shared by the CLIP image-text pairs (which keep decoded images as uint8 and
normalise per draw) and the OAKE extraction (which normalises once per image).
"""
from __future__ import annotations

import os.path as osp
from typing import Sequence

import numpy as np
import torch
from PIL import Image
from torch import Tensor


def read_rgb(path: str, what: str = 'image') -> Tensor:
    """``(3, H, W)`` uint8 RGB pixels of the file at ``path`` (``what`` names it in the error)."""
    if not osp.isfile(path):
        raise FileNotFoundError(f'{what} file not found: {path!r}')
    with Image.open(path) as img:
        return torch.from_numpy(np.asarray(img.convert('RGB')).copy()).permute(2, 0, 1)


def normalize_rgb(pixels: Tensor, mean: Sequence[float], std: Sequence[float]) -> Tensor:
    """``(pixels / 255 - mean) / std`` as float32, ``mean`` and ``std`` per RGB channel in ``[0, 1]`` units."""
    mean_t = torch.as_tensor(mean, dtype=torch.float32).view(3, 1, 1)
    std_t = torch.as_tensor(std, dtype=torch.float32).view(3, 1, 1)
    return (pixels.float() / 255.0 - mean_t) / std_t


def load_normalized_rgb(path: str, mean: Sequence[float], std: Sequence[float], what: str = 'image') -> Tensor:
    """``(3, H, W)`` float32 image of ``path``, normalised with ``mean`` / ``std``."""
    return normalize_rgb(read_rgb(path, what), mean, std)
