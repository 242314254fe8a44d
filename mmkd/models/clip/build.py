"""Build open_clip models (image and text towers) without downloading anything.

Two ways to name a model:

* an open_clip model name (``'ViT-B-32'``, ``'ViT-B-16'``, ...): the
  architecture of a real CLIP, randomly initialised; weights come from a local
  file through :func:`~mmkd.models.clip.load_clip_checkpoint`;
* a config dict (``embed_dim``, ``vision_cfg``, ``text_cfg`` as open_clip's
  :class:`open_clip.CLIP` takes them), or the name of one of
  :data:`SMALL_CLIP_CONFIGS`, small enough to train contrastively on 2 CPU cores.

``pretrained`` is always ``None`` (this project runs offline), and the
``hf-hub:`` schema is refused because it would fetch a config and weights.
"""
from __future__ import annotations

import copy
import difflib
from typing import Any, Dict, Optional

import open_clip
from torch import nn

# Small CLIPs for the embedded data: a ViT image tower on 64 px inputs (8x8 patch
# grid) and a 4-layer text tower. The text tower keeps CLIP's vocabulary
# (49408 BPE tokens, open_clip's bundled SimpleTokenizer) so prompts tokenise
# exactly as for a real CLIP; a context of 32 tokens fits every category prompt.
SMALL_CLIP_CONFIGS: Dict[str, Dict[str, Any]] = {
    'mmkd-tiny-vit-64': dict(
        embed_dim=128,
        vision_cfg=dict(image_size=64, patch_size=8, width=128, head_width=32, layers=4, mlp_ratio=4.0),
        text_cfg=dict(context_length=32, vocab_size=49408, width=128, heads=4, layers=4)),
    'mmkd-small-vit-128': dict(
        embed_dim=256,
        vision_cfg=dict(image_size=128, patch_size=16, width=256, head_width=64, layers=6, mlp_ratio=4.0),
        text_cfg=dict(context_length=32, vocab_size=49408, width=256, heads=4, layers=6)),
}


def build_open_clip(model_name: Optional[str] = None, model_cfg: Optional[Dict[str, Any]] = None,
                    **create_kwargs: Any) -> nn.Module:
    """Return a randomly initialised open_clip model (``open_clip.CLIP`` or ``CustomTextCLIP``).

    Args:
        model_name: an open_clip model name or a key of :data:`SMALL_CLIP_CONFIGS`.
        model_cfg: a config dict instead of a name; ``custom_text=True`` in it
            builds ``CustomTextCLIP`` (text tower under ``text.``), otherwise ``CLIP``.
        create_kwargs: passed to ``open_clip.create_model`` for named models
            (``force_image_size``, ``force_quick_gelu``, ``precision``...).
    """
    if (model_name is None) == (model_cfg is None):
        raise ValueError('build_open_clip: give exactly one of model_name and model_cfg, got '
                         f'model_name={model_name!r}, model_cfg={model_cfg!r}')
    if model_name is not None and model_name in SMALL_CLIP_CONFIGS:
        model_cfg, model_name = SMALL_CLIP_CONFIGS[model_name], None
    if model_cfg is not None:
        if create_kwargs:
            raise ValueError('build_open_clip: create_kwargs only apply to open_clip model names; put '
                             f'{sorted(create_kwargs)} into model_cfg instead')
        return _build_from_cfg(model_cfg)
    if model_name.startswith('hf-hub:'):
        raise ValueError(f'build_open_clip: model_name={model_name!r} would download from the Hugging Face '
                         'hub; use an open_clip model name plus a local checkpoint')
    known = open_clip.list_models()
    if not model_name.startswith('local-dir:') and model_name.replace('/', '-') not in known:
        close = difflib.get_close_matches(model_name, known + list(SMALL_CLIP_CONFIGS), n=5)
        raise ValueError(f'build_open_clip: unknown model_name {model_name!r}; closest: {close}')
    for key in ('pretrained', 'pretrained_image', 'pretrained_text'):
        if create_kwargs.get(key):
            raise ValueError(f'build_open_clip: {key}={create_kwargs[key]!r} would download weights; '
                             'load a local checkpoint with load_clip_checkpoint instead')
        create_kwargs.pop(key, None)
    return open_clip.create_model(model_name, pretrained=None, pretrained_image=False,
                                  pretrained_text=False, **create_kwargs)


def _build_from_cfg(model_cfg: Dict[str, Any]) -> nn.Module:
    cfg = copy.deepcopy(dict(model_cfg))
    missing = [k for k in ('embed_dim', 'vision_cfg', 'text_cfg') if k not in cfg]
    if missing:
        raise KeyError(f'build_open_clip: model_cfg lacks {missing}; it needs embed_dim, vision_cfg and '
                       'text_cfg (open_clip CLIP arguments)')
    hf_keys = [k for k in ('hf_model_name', 'hf_tokenizer_name') if cfg['text_cfg'].get(k)]
    if hf_keys or cfg['vision_cfg'].get('timm_model_pretrained'):
        raise ValueError(f'build_open_clip: model_cfg asks for pretrained towers that need a download '
                         f'({hf_keys or ["vision_cfg.timm_model_pretrained"]})')
    cls = open_clip.CustomTextCLIP if cfg.pop('custom_text', False) else open_clip.CLIP
    try:
        return cls(**cfg)
    except TypeError as err:
        raise TypeError(f'build_open_clip: model_cfg does not fit {cls.__name__}: {err}') from err


def build_clip_tokenizer(model: nn.Module) -> open_clip.SimpleTokenizer:
    """CLIP's BPE tokenizer (bundled with open_clip, no download) at the model's context length.

    Models whose text tower needs a Hugging Face tokenizer (SigLIP, mT5 towers)
    are refused: their vocabulary is not bundled.
    """
    vocab = getattr(model, 'vocab_size', None)
    if vocab != 49408:
        raise ValueError(f'build_clip_tokenizer: {type(model).__name__} has a text vocabulary of {vocab} '
                         'tokens, not CLIP BPE (49408); its tokenizer is not bundled with open_clip')
    return open_clip.SimpleTokenizer(context_length=model.context_length)
