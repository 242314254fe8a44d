"""Which patches of which samples the student sees masked (iBOT / DINOv2-style masked view).

GKD masks a share of the *samples* of a batch (``mask_probability``, 0.5) and,
in each of them, a share of the *patches* (``mask_ratio``, 0.5); with
``mask_first_n`` the masked samples are the first ones of the batch (the
sampler has shuffled it already). The count per masked sample is exact,
``round(patch_ratio * N)``, and the positions are uniformly random (the
reference draws blocks; uniform patches keep the share exact at any grid).
"""
from __future__ import annotations

from typing import Optional

import torch
from torch import Tensor


def check_ratio(value: float, what: str) -> float:
    value = float(value)
    if not 0.0 <= value <= 1.0:
        raise ValueError(f'{what} must be in [0, 1], got {value}')
    return value


def sample_patch_masks(batch_size: int, num_patches: int, sample_ratio: float = 0.5, patch_ratio: float = 0.5,
                       first_n: bool = True, generator: Optional[torch.Generator] = None,
                       device: Optional[torch.device] = None) -> Tensor:
    """A boolean ``(batch_size, num_patches)`` mask, True = masked.

    ``round(sample_ratio * batch_size)`` samples are masked (the first ones
    with ``first_n``, else a random subset), each on exactly
    ``round(patch_ratio * num_patches)`` random patches.
    """
    check_ratio(sample_ratio, 'mask sample_ratio')
    check_ratio(patch_ratio, 'mask patch_ratio')
    masks = torch.zeros(batch_size, num_patches, dtype=torch.bool)
    num_samples = int(round(sample_ratio * batch_size))
    num_masked = int(round(patch_ratio * num_patches))
    if num_samples == 0 or num_masked == 0:
        return masks.to(device)
    rows = torch.arange(num_samples) if first_n else torch.randperm(batch_size, generator=generator)[:num_samples]
    for row in rows.tolist():
        masks[row, torch.randperm(num_patches, generator=generator)[:num_masked]] = True
    return masks.to(device)
