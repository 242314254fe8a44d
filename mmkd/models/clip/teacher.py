"""A CLIP model as a frozen teacher: build by name or config, load local weights, freeze."""
from __future__ import annotations

from typing import Any, Dict, Optional, Sequence

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from mmkd.registry import MODELS
from .build import build_clip_tokenizer, build_open_clip
from .checkpoint import load_clip_checkpoint
from .prompts import DEFAULT_PROMPT_TEMPLATES, category_text_embeddings


@MODELS.register_module()
class CLIPTeacher(nn.Module):
    """An open_clip model (image and text towers) with mmkd's teacher conventions.

    Args:
        model_name / model_cfg: see :func:`~mmkd.models.clip.build_open_clip`.
        ckpt: local checkpoint (open_clip, OpenAI state dict or safetensors),
            loaded strictly; ``None`` keeps the random initialisation (tests,
            or a small CLIP about to be trained).
        ckpt_weights_only / allow_torchscript / resize_position_embeddings:
            see :func:`~mmkd.models.clip.load_clip_checkpoint`.
        frozen: no gradients and always in eval mode (``train()`` is a no-op),
            as every mmkd teacher; ``False`` for training the CLIP itself.
        create_kwargs: extra ``open_clip.create_model`` arguments for named models.
    """

    def __init__(self, model_name: Optional[str] = None, model_cfg: Optional[Dict[str, Any]] = None,
                 ckpt: Optional[str] = None, ckpt_weights_only: bool = True, allow_torchscript: bool = False,
                 resize_position_embeddings: bool = False, frozen: bool = True,
                 create_kwargs: Optional[Dict[str, Any]] = None) -> None:
        super().__init__()
        self.clip = build_open_clip(model_name, model_cfg, **(create_kwargs or {}))
        if ckpt is not None:
            load_clip_checkpoint(self.clip, ckpt, weights_only=ckpt_weights_only,
                                 allow_torchscript=allow_torchscript,
                                 resize_position_embeddings=resize_position_embeddings)
        self.frozen = frozen
        if frozen:
            self.clip.requires_grad_(False)
            self.clip.eval()
        self._tokenizer = None

    def train(self, mode: bool = True) -> 'CLIPTeacher':
        return super().train(False if self.frozen else mode)

    @property
    def visual(self) -> nn.Module:
        return self.clip.visual

    @property
    def image_size(self) -> tuple:
        return tuple(self.clip.visual.image_size)

    @property
    def tokenizer(self):
        if self._tokenizer is None:
            self._tokenizer = build_clip_tokenizer(self.clip)
        return self._tokenizer

    def encode_image(self, images: Tensor, normalize: bool = True) -> Tensor:
        """``(B, 3, S, S)`` CLIP-normalised images (see ``clip_normalize``) to ``(B, embed_dim)``."""
        with torch.set_grad_enabled(not self.frozen and torch.is_grad_enabled()):
            features = self.clip.encode_image(images)
        return F.normalize(features, dim=-1) if normalize else features

    def encode_text(self, texts: Sequence[str], normalize: bool = True) -> Tensor:
        tokens = self.tokenizer(list(texts)).to(next(self.clip.parameters()).device)
        with torch.set_grad_enabled(not self.frozen and torch.is_grad_enabled()):
            features = self.clip.encode_text(tokens)
        return F.normalize(features, dim=-1) if normalize else features

    def embed_categories(self, names: Sequence[str],
                         templates: Sequence[str] = DEFAULT_PROMPT_TEMPLATES) -> Tensor:
        """Prompt-ensembled text embeddings ``(len(names), embed_dim)`` (see ``category_text_embeddings``)."""
        return category_text_embeddings(self.clip, names, templates, tokenizer=self.tokenizer)

    def forward(self, images: Tensor) -> Tensor:
        return self.encode_image(images)
