"""A timm backbone as a SAM image encoder (a TinySAM-style student).

TinySAM and MobileSAM replace SAM's ViT-H by a small network (TinyViT-5M)
that must produce SAM's embedding, ``(256, 64, 64)`` for 1024 px input, so
SAM's prompt encoder and mask decoder (and the teacher's embedding) fit it
unchanged. This wrapper takes one feature map of any timm model through
timm's own ``features_only`` interface and maps it there with SAM's neck
design (1x1 conv, LayerNorm2d, 3x3 conv, LayerNorm2d). A feature map of
another size is resized bilinearly before the neck, so a backbone whose
stride differs from the embedding's still fits.
"""
from __future__ import annotations

from typing import Optional

import timm
import torch.nn.functional as F
from segment_anything.modeling.common import LayerNorm2d
from torch import Tensor, nn

from mmkd.registry import MODELS


@MODELS.register_module()
class TimmSamImageEncoder(nn.Module):
    """Args:
        model_name: a timm model name (``'vit_tiny_patch16_224'``,
            ``'tiny_vit_5m_224'``, ``'resnet18'``...), built without
            pretrained weights (nothing is downloaded).
        img_size: the square input size SAM pads images to.
        embedding_size: side of the square output embedding (SAM: 64 at
            1024 px, i.e. ``img_size / 16``).
        out_chans: embedding channels (SAM's prompt embedding dim, 256).
        feature_index: which of timm's feature maps to use (``out_indices``;
            ``-1`` is the deepest).
        timm_kwargs: passed to ``timm.create_model``, e.g. a ViT's
            ``dict(img_size=128, patch_size=8, depth=4, embed_dim=128)``
            (a separate dict: ``img_size`` here is SAM's, not timm's).
    """

    def __init__(self, model_name: str, img_size: int, embedding_size: int, out_chans: int = 256,
                 feature_index: int = -1, timm_kwargs: Optional[dict] = None) -> None:
        super().__init__()
        timm_kwargs = dict(timm_kwargs or {})
        if timm_kwargs.pop('pretrained', False):
            raise ValueError('TimmSamImageEncoder builds without pretrained weights (no downloads); load a local '
                             'checkpoint into the SAM model instead')
        self.img_size = img_size
        self.embedding_size = embedding_size
        self.backbone = timm.create_model(model_name, pretrained=False, features_only=True,
                                          out_indices=(feature_index,), **timm_kwargs)
        in_chans = self.backbone.feature_info.channels()[-1]
        self.neck = nn.Sequential(
            nn.Conv2d(in_chans, out_chans, kernel_size=1, bias=False),
            LayerNorm2d(out_chans),
            nn.Conv2d(out_chans, out_chans, kernel_size=3, padding=1, bias=False),
            LayerNorm2d(out_chans),
        )

    def forward(self, x: Tensor) -> Tensor:
        feat = self.backbone(x)[-1]
        if feat.shape[-2:] != (self.embedding_size, self.embedding_size):
            feat = F.interpolate(feat, size=(self.embedding_size, self.embedding_size), mode='bilinear',
                                 align_corners=False)
        return self.neck(feat)
