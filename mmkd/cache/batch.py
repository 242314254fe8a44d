"""Stack per-sample cached arrays into one batch tensor.

Samples of one batch may have been cached from batches of different padded
sizes, so their feature maps can differ in size. They are zero-padded at the
end of every dimension (bottom/right for ``C, H, W``), mmdet's and mmseg's
convention for padding inputs. This reproduces the live teacher exactly only
when the padded batch shape at training equals the one at extraction (true
for fixed-size inputs such as the embedded sets and fixed-size crops); with
mixed image sizes the live teacher would see a differently padded input and
compute slightly different border features.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np
import torch


def pad_stack(arrays: Sequence[np.ndarray]) -> np.ndarray:
    """``arrays`` (same ndim) -> one array ``(len(arrays), *max shape)``, zero-padded."""
    first = arrays[0]
    shape = tuple(max(sizes) for sizes in zip(*(a.shape for a in arrays))) if len(arrays) > 1 else first.shape
    out = np.zeros((len(arrays),) + tuple(shape), dtype=first.dtype)
    for i, a in enumerate(arrays):
        if a.shape == shape:
            out[i] = a
        else:
            out[(i,) + tuple(slice(0, n) for n in a.shape)] = a
    return out


def pad_stack_tensors(tensors: Sequence[torch.Tensor]) -> torch.Tensor:
    """:func:`pad_stack` for tensors (entries prefetched by dataloader workers)."""
    first = tensors[0]
    if all(t.shape == first.shape for t in tensors):
        return torch.stack(list(tensors))
    shape = tuple(max(sizes) for sizes in zip(*(t.shape for t in tensors)))
    out = first.new_zeros((len(tensors),) + shape)
    for i, t in enumerate(tensors):
        out[(i,) + tuple(slice(0, n) for n in t.shape)] = t
    return out
