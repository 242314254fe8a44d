"""Load real open_clip / OpenAI CLIP weights from a local file into an open_clip model.

Accepted files:

* open_clip training checkpoints (``{'epoch', 'state_dict', 'optimizer', ...}``,
  keys often prefixed ``module.`` by DDP) and bare state dicts (``.pt``/``.pth``/``.bin``);
* OpenAI-layout state dicts (the key names open_clip's ``CLIP`` keeps, partly
  float16, with the extra ``input_resolution`` / ``context_length`` /
  ``vocab_size`` entries of OpenAI's files);
* ``.safetensors`` files;
* OpenAI's original JIT releases (TorchScript archives) only with
  ``allow_torchscript=True``: ``torch.jit.load`` deserialises and compiles the
  archive's TorchScript code, which a weights-only load never does, so it is
  an explicit opt-in for a trusted file.

Pickled files load with ``torch.load(weights_only=True)``; ``weights_only=False``
is an opt-out for trusted files that pickle other objects.
"""
from __future__ import annotations

import os
import zipfile
from collections import OrderedDict
from typing import Dict, List, NamedTuple, Tuple

import torch
from torch import nn

# Scalars OpenAI's CLIP files store beside the weights; no open_clip module owns them.
OPENAI_EXTRA_KEYS = ('input_resolution', 'context_length', 'vocab_size')
# Prefixes added by wrappers around the model: DDP / DataParallel, torch.compile.
WRAPPER_PREFIXES = ('module.', '_orig_mod.')


class CLIPCheckpointError(ValueError):
    """A CLIP checkpoint that cannot be read, or whose keys do not fit the model."""


class CLIPLoadResult(NamedTuple):
    missing_keys: List[str]
    unexpected_keys: List[str]
    shape_mismatches: List[Tuple[str, tuple, tuple]]


def is_torchscript_archive(path: str) -> bool:
    """TorchScript archives are zip files with a ``code/`` folder and ``constants.pkl``;
    ``torch.save`` zips hold only ``data.pkl``, ``data/`` and ``version``."""
    if not zipfile.is_zipfile(path):
        return False
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
    return any('/code/' in n or n.endswith('/constants.pkl') for n in names)


def read_clip_state_dict(path: str, weights_only: bool = True,
                         allow_torchscript: bool = False) -> Dict[str, torch.Tensor]:
    """The tensors of a CLIP checkpoint file, unwrapped and with wrapper prefixes removed."""
    if not os.path.isfile(path):
        raise FileNotFoundError(f'CLIP checkpoint file not found: {path!r}')
    if str(path).endswith('.safetensors'):
        from safetensors.torch import load_file
        obj = load_file(path, device='cpu')
    elif is_torchscript_archive(path):
        if not allow_torchscript:
            raise CLIPCheckpointError(
                f'CLIP checkpoint {path!r} is a TorchScript archive (an OpenAI JIT release). Loading it runs '
                'torch.jit.load, which compiles the code stored in the file; pass allow_torchscript=True '
                'only for a trusted file (it is read once, on CPU, for its state dict), or convert it once '
                'to a state dict with torch.save(torch.jit.load(path).state_dict(), new_path).')
        obj = torch.jit.load(path, map_location='cpu').state_dict()
    else:
        try:
            # memory-map zip-format files: a ViT-L checkpoint is not read into memory twice
            obj = torch.load(path, map_location='cpu', weights_only=weights_only, mmap=zipfile.is_zipfile(path))
        except Exception as err:  # noqa: BLE001 - re-raised with the file named
            raise CLIPCheckpointError(
                f'could not load CLIP checkpoint {path!r} with weights_only={weights_only}: {err}. '
                'If the file is trusted and pickles other objects, pass weights_only=False.') from err
    while isinstance(obj, dict) and isinstance(obj.get('state_dict'), dict):
        obj = obj['state_dict']
    if not isinstance(obj, dict) or not obj:
        raise CLIPCheckpointError(f'CLIP checkpoint {path!r} holds {type(obj).__name__}'
                                  f'{" (empty)" if isinstance(obj, dict) else ""}, not a state dict')
    state = OrderedDict()
    for key, value in obj.items():
        for prefix in WRAPPER_PREFIXES:
            if key.startswith(prefix):
                key = key[len(prefix):]
        if key in OPENAI_EXTRA_KEYS:
            continue
        if not isinstance(value, torch.Tensor):
            raise CLIPCheckpointError(f'CLIP checkpoint {path!r}: entry {key!r} is a {type(value).__name__}, '
                                      'not a tensor (is this a full training checkpoint without state_dict?)')
        state[key] = value
    return state


def _adapt_to_model(state: Dict[str, torch.Tensor], model: nn.Module,
                    resize_position_embeddings: bool) -> Dict[str, torch.Tensor]:
    """The layout differences open_clip itself tolerates, applied with open_clip's helpers."""
    from open_clip.model import convert_to_custom_text_state_dict, resize_pos_embed, resize_text_pos_embed
    if 'positional_embedding' in state and not hasattr(model, 'positional_embedding') and hasattr(model, 'text'):
        state = convert_to_custom_text_state_dict(state)  # CLIP layout into CustomTextCLIP
    for name in ('logit_scale', 'logit_bias'):
        param = getattr(model, name, None)
        if name in state and isinstance(param, torch.Tensor) and state[name].numel() == param.numel():
            state[name] = state[name].reshape(param.shape)  # scalar vs 1-d, both exist in the wild
    if resize_position_embeddings:
        resize_pos_embed(state, model)
        resize_text_pos_embed(state, model)
    return state


def compare_state_dict(model: nn.Module, state: Dict[str, torch.Tensor]) -> CLIPLoadResult:
    """Keys the model has and the file lacks, keys the file has and the model lacks, and shape mismatches."""
    expected = model.state_dict()
    missing = [k for k in expected if k not in state]
    unexpected = [k for k in state if k not in expected]
    mismatched = [(k, tuple(state[k].shape), tuple(v.shape)) for k, v in expected.items()
                  if k in state and tuple(state[k].shape) != tuple(v.shape)]
    return CLIPLoadResult(missing, unexpected, mismatched)


def _listing(keys: list, limit: int = 10) -> str:
    shown = ', '.join(str(k) for k in keys[:limit])
    return f'[{shown}{f", ... ({len(keys) - limit} more)" if len(keys) > limit else ""}]'


def load_clip_checkpoint(model: nn.Module, path: str, strict: bool = True, weights_only: bool = True,
                         allow_torchscript: bool = False,
                         resize_position_embeddings: bool = False) -> CLIPLoadResult:
    """Load the CLIP weights in ``path`` into ``model`` (an open_clip ``CLIP``/``CustomTextCLIP``).

    Args:
        strict: every model key must be in the file with the same shape and the
            file must have no other keys; otherwise :class:`CLIPCheckpointError`
            names the file and lists the missing, unexpected and mis-shaped keys.
            With ``strict=False`` the matching tensors load and the lists are returned.
        weights_only: ``torch.load`` safety; ``False`` only for trusted files.
        allow_torchscript: accept OpenAI's JIT archives (trusted files only).
        resize_position_embeddings: interpolate the image / text position
            embeddings to the model's grid and context (open_clip's own
            resizing), to use e.g. 224 px weights at another input size.
    """
    state = read_clip_state_dict(path, weights_only=weights_only, allow_torchscript=allow_torchscript)
    state = _adapt_to_model(state, model, resize_position_embeddings)
    result = compare_state_dict(model, state)
    if strict and (result.missing_keys or result.unexpected_keys or result.shape_mismatches):
        mismatches = [f'{k}: file {f} vs model {m}' for k, f, m in result.shape_mismatches]
        raise CLIPCheckpointError(
            f'CLIP checkpoint {path!r} does not match {type(model).__name__} '
            f'({len(state)} tensors in the file, {len(model.state_dict())} in the model): '
            f'missing keys (in the model, not the file) {_listing(result.missing_keys)}; '
            f'unexpected keys (in the file, not the model) {_listing(result.unexpected_keys)}; '
            f'shape mismatches {_listing(mismatches)}. Was the model built with the same open_clip name or '
            'config as the checkpoint?')
    bad = {k for k, _, _ in result.shape_mismatches}
    model.load_state_dict({k: v for k, v in state.items() if k not in bad and k not in result.unexpected_keys},
                          strict=False)
    return result
