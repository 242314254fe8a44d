"""Load the official checkpoints of timm-built foundation ViTs (DINOv2, EVA02) from a local file.

The released files are not in timm's key layout:

* DINOv2 (``dinov2_vit{s,b,l,g}14[_reg4]_pretrain.pth`` of torch.hub
  ``facebookresearch/dinov2``): a bare state dict with ``mask_token``,
  ``register_tokens`` (reg4 models, whose class token is stored without its
  position embedding), SwiGLU ``mlp.w12``/``mlp.w3`` (ViT-g) and a position
  embedding for 518 px;
* EVA02 (``baaivision/EVA``): ``{'module': ...}`` or ``{'model': ...}`` with
  the MIM ``mask_token`` / ``lm_head`` and the fixed ``rope`` buffers.

timm converts both with the ``checkpoint_filter_fn`` of the model's own timm
module (``timm.models.vision_transformer`` / ``timm.models.eva``), which also
resamples the position embedding to the model's input size and the patch
embedding to its patch size. This module applies that filter to a file read
weights-only, then loads **strictly**: every key of the model must come from
the file with its shape, and a mismatch names the file and lists the keys.
"""
from __future__ import annotations

import importlib
import os
from collections import OrderedDict
from typing import Dict, Optional

import torch
from torch import nn

WRAPPER_KEYS = ('model_ema', 'model', 'module', 'state_dict', 'teacher')
WRAPPER_PREFIXES = ('module.', '_orig_mod.')
_MAX_LISTED = 10


class FoundationCheckpointError(ValueError):
    """A foundation checkpoint that cannot be read or does not fit the model."""


def read_state_dict(path: str, weights_only: bool = True) -> Dict[str, torch.Tensor]:
    """The tensors of ``path`` (``.pth``/``.pt``/``.bin`` or ``.safetensors``), unwrapped from
    training-checkpoint dicts (``model``, ``module``, ``state_dict``...) and DDP prefixes."""
    if not os.path.isfile(path):
        raise FileNotFoundError(f'foundation checkpoint file not found: {path!r}')
    if str(path).endswith('.safetensors'):
        from safetensors.torch import load_file
        obj = load_file(path, device='cpu')
    else:
        try:
            obj = torch.load(path, map_location='cpu', weights_only=weights_only)
        except Exception as err:  # noqa: BLE001 - re-raised with the file named
            raise FoundationCheckpointError(
                f'could not load foundation checkpoint {path!r} with weights_only={weights_only}: {err}. '
                'If the file is trusted and pickles other objects, pass weights_only=False.') from err
    while isinstance(obj, dict) and any(isinstance(obj.get(k), dict) for k in WRAPPER_KEYS):
        obj = next(obj[k] for k in WRAPPER_KEYS if isinstance(obj.get(k), dict))
    if not isinstance(obj, dict) or not obj:
        raise FoundationCheckpointError(f'foundation checkpoint {path!r} holds no state dict')
    state = OrderedDict()
    for key, value in obj.items():
        for prefix in WRAPPER_PREFIXES:
            if key.startswith(prefix):
                key = key[len(prefix):]
        if not isinstance(value, torch.Tensor):
            raise FoundationCheckpointError(f'foundation checkpoint {path!r}: entry {key!r} is a '
                                            f'{type(value).__name__}, not a tensor')
        state[key] = value
    return state


def timm_filter(model: nn.Module):
    """The ``checkpoint_filter_fn`` of the timm module that defines ``type(model)``."""
    module = importlib.import_module(type(model).__module__)
    filter_fn = getattr(module, 'checkpoint_filter_fn', None)
    if filter_fn is None:
        raise FoundationCheckpointError(f'{type(model).__name__} ({type(model).__module__}) has no timm '
                                        'checkpoint_filter_fn; convert the file to its keys first')
    return filter_fn


def _listed(keys) -> str:
    keys = list(keys)
    more = f' ... and {len(keys) - _MAX_LISTED} more' if len(keys) > _MAX_LISTED else ''
    return f'{keys[:_MAX_LISTED]}{more}'


def load_strict(model: nn.Module, state: Dict[str, torch.Tensor], source: str) -> None:
    """Copy ``state`` into ``model`` when its keys and shapes are exactly the model's, else raise."""
    expected = model.state_dict()
    missing = [k for k in expected if k not in state]
    unexpected = [k for k in state if k not in expected]
    mismatched = [f'{k}: file {tuple(state[k].shape)} vs model {tuple(v.shape)}'
                  for k, v in expected.items() if k in state and tuple(state[k].shape) != tuple(v.shape)]
    if missing or unexpected or mismatched:
        raise FoundationCheckpointError(
            f'checkpoint {source} does not match {type(model).__name__}: missing keys {_listed(missing)}; '
            f'unexpected keys {_listed(unexpected)}; shape mismatches {_listed(mismatched)}. '
            'Was the model built with the architecture of the checkpoint (name, depth, width, patch size)?')
    model.load_state_dict(state, strict=True)


def load_timm_foundation_checkpoint(model: nn.Module, path: str, weights_only: bool = True,
                                    prefix: Optional[str] = None) -> None:
    """Load an official DINOv2 / EVA02 file (or a timm-layout one) into the timm ``model``, strictly.

    ``prefix`` selects and strips the model's keys in a larger checkpoint
    (``'encoder.'`` for :class:`~mmkd.models.foundation.MAEPretrainer`'s).
    A model built without a classifier (``num_classes=0``) ignores a
    classifier in the file (``head.*``, EVA's ``lm_head.*``): the teacher
    uses the features, never the logits.
    """
    state = read_state_dict(path, weights_only)
    if prefix:
        state = OrderedDict((k[len(prefix):], v) for k, v in state.items() if k.startswith(prefix))
        if not state:
            raise FoundationCheckpointError(f'foundation checkpoint {path!r} has no keys starting with {prefix!r}')
    state = timm_filter(model)(dict(state), model)
    if getattr(model, 'num_classes', None) == 0:
        state = {k: v for k, v in state.items() if not k.startswith(('head.', 'lm_head.'))}
    load_strict(model, state, repr(path))
