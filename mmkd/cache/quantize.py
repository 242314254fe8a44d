"""int8 storage of teacher features: symmetric, one scale per channel per sample.

A feature map is stored as ``q = round(x / s)`` in int8 with ``s = max|x| / 127``
taken over each channel of each sample (the first per-sample axis: the ``C``
of a ``C x H x W`` map, the token of an ``N x D`` sequence), so a channel with
small values keeps its own resolution instead of the whole map's. Reading
gives ``q * s`` in the teacher's dtype; round-to-nearest makes the error of
every element at most ``s / 2``. The scales are stored beside the values as a
leaf named ``<leaf>.scale`` (float32, one per channel).

Leaves with fewer than two per-sample dimensions (a vector, a scalar) have no
channels to scale separately; they are stored as float16. Non-floating leaves
(indices, counts) are stored as they are.
"""
from __future__ import annotations

from typing import Dict

import torch

SCALE_SUFFIX = '.scale'
QMAX = 127


def quantize_int8(batch: torch.Tensor, where: str) -> Dict[str, torch.Tensor]:
    """``batch`` (``B, C, ...``, floating) -> ``{'': int8 values, SCALE_SUFFIX: float32 (B, C) scales}``.

    Refuses non-finite values (int8 has no inf/NaN), naming ``where``.
    """
    x = batch.detach().float()
    if not bool(torch.isfinite(x).all()):
        raise ValueError(f'teacher cache: {where} has inf or NaN values, which int8 storage cannot hold; '
                         'use --dtype float32')
    amax = x.abs().flatten(2).amax(dim=2) if x.dim() > 2 else x.abs()
    scale = amax / QMAX
    safe = torch.where(scale > 0, scale, torch.ones_like(scale))
    q = torch.round(x / safe.view(*scale.shape, *[1] * (x.dim() - 2))).clamp_(-QMAX, QMAX)
    return {'': q.to(torch.int8), SCALE_SUFFIX: scale}


def dequantize_int8(values: torch.Tensor, scales: torch.Tensor, dtype: torch.dtype) -> torch.Tensor:
    """``values`` (int8, ``[B,] C, ...``) times ``scales`` (``[B,] C``) in ``dtype``.

    ``scales`` has the same leading dimensions as ``values`` up to the channel axis.
    """
    extra = values.dim() - scales.dim()
    return values.to(dtype) * scales.to(dtype).view(*scales.shape, *[1] * extra)
