"""Load SAM checkpoints (the official ``sam_vit_{b,l,h}_*.pth`` files or mmkd's own).

The official files are bare state dicts keyed ``image_encoder.*``,
``prompt_encoder.*``, ``mask_decoder.*``. segment_anything's builders load
them with a plain ``torch.load`` and report a mismatch as a long PyTorch
traceback; here the file is read weights-only (no code runs from it), every
key and shape is compared before anything is copied, and a mismatch names
the file, the missing and unexpected keys, the shape differences and which
official layout the file looks like (the usual mistake is a ViT-L file for
a ViT-B model).
"""
from __future__ import annotations

import re
from collections import OrderedDict
from typing import List, Mapping, Optional

import torch
from torch import nn

from mmkd.utils.checkpoint import load_state_dict_file

# (embed_dim, depth) of the official image encoders, to name a file's layout.
_OFFICIAL_ENCODERS = {(768, 12): 'vit_b', (1024, 24): 'vit_l', (1280, 32): 'vit_h'}
_MAX_LISTED = 10


def describe_sam_state_dict(state: Mapping[str, torch.Tensor]) -> str:
    """One line saying what SAM image encoder a state dict holds, e.g.
    ``'ViT image encoder embed_dim=1024, depth=24, patch 16, 64x64 tokens (official vit_l layout)'``."""
    patch = state.get('image_encoder.patch_embed.proj.weight')
    if patch is None or patch.ndim != 4:
        return 'no SAM ViT image encoder (no image_encoder.patch_embed.proj.weight)'
    embed_dim, patch_size = patch.shape[0], patch.shape[-1]
    block_ids = {int(m.group(1)) for k in state if (m := re.match(r'image_encoder\.blocks\.(\d+)\.', k))}
    depth = max(block_ids) + 1 if block_ids else 0
    text = f'ViT image encoder embed_dim={embed_dim}, depth={depth}, patch {patch_size}'
    pos = state.get('image_encoder.pos_embed')
    if pos is not None and pos.ndim == 4:
        text += f', {pos.shape[1]}x{pos.shape[2]} tokens'
    official = _OFFICIAL_ENCODERS.get((embed_dim, depth))
    return text + (f' (official {official} layout)' if official else ' (not an official SAM size)')


def _listed(keys: List[str]) -> str:
    more = f' ... and {len(keys) - _MAX_LISTED} more' if len(keys) > _MAX_LISTED else ''
    return f'{keys[:_MAX_LISTED]}{more}'


def check_sam_state_dict(model: nn.Module, state: Mapping[str, torch.Tensor], source: str = 'state dict') -> None:
    """Raise ``KeyError`` unless ``state`` has exactly ``model``'s keys with the same shapes.

    The message names ``source`` (the file), lists up to ten missing keys,
    unexpected keys and shape mismatches each, and describes both layouts.
    """
    expected = model.state_dict()
    missing = [k for k in expected if k not in state]
    unexpected = [k for k in state if k not in expected]
    mismatched = [f'{k}: file {tuple(state[k].shape)} vs model {tuple(v.shape)}'
                  for k, v in expected.items() if k in state and tuple(state[k].shape) != tuple(v.shape)]
    if not (missing or unexpected or mismatched):
        return
    parts = [f'SAM checkpoint {source} does not match the {type(model).__name__} model']
    if missing:
        parts.append(f'missing keys ({len(missing)}): {_listed(missing)}')
    if unexpected:
        parts.append(f'unexpected keys ({len(unexpected)}): {_listed(unexpected)}')
    if mismatched:
        parts.append(f'shape mismatches ({len(mismatched)}): {_listed(mismatched)}')
    parts.append(f'file: {describe_sam_state_dict(state)}; model: {describe_sam_state_dict(expected)}')
    raise KeyError('; '.join(parts))


def load_sam_checkpoint(model: nn.Module, path: str, weights_only: bool = True,
                        prefix: Optional[str] = None) -> None:
    """Load a SAM state dict from the local file ``path`` into ``model``, strictly.

    Args:
        model: a ``segment_anything`` ``Sam`` (or any module with the same keys).
        path: an official SAM checkpoint, a bare state dict or an mmengine
            checkpoint (its ``state_dict`` entry is used).
        weights_only: ``torch.load``'s safe mode; ``False`` is an opt-out for
            trusted files that pickle other objects.
        prefix: keep only keys starting with it and strip it, e.g.
            ``'student.'`` for a distillation checkpoint.

    Nothing is copied unless every key and shape matches (see
    :func:`check_sam_state_dict`).
    """
    state = load_state_dict_file(path, weights_only=weights_only, what='SAM checkpoint')
    if prefix:
        state = OrderedDict((k[len(prefix):], v) for k, v in state.items() if k.startswith(prefix))
        if not state:
            raise KeyError(f'SAM checkpoint {path!r} has no keys starting with {prefix!r}')
    check_sam_state_dict(model, state, source=repr(path))
    model.load_state_dict(state, strict=True)
