"""Masked-autoencoder pre-training of a small timm ViT: the project's stand-in for a foundation model.

GKD distils a foundation model (DINOv2, EVA02) whose robustness comes from
self-supervised pre-training on web-scale images of every style. No such
weights can be downloaded here, so the project pre-trains a small ViT itself,
self-supervised, on an unlabeled pool that covers many appearance styles.
**Users with real foundation weights skip this**: they give
``FoundationTeacher(name='dinov2_vitb14', checkpoint=<official file>)``.

The objective is MAE's (He et al., CVPR 2022): a random ``mask_ratio`` of the
patches is dropped, the encoder sees only the visible ones (plus the class
token), a light decoder fills in mask tokens and predicts the pixels of every
patch, and the loss is the mean squared error on the masked patches of the
per-patch-normalised pixels (``norm_pix_loss``). It trains through mmengine's
Runner like any model (``loss`` mode returns ``loss_mae``); the encoder is a
stock timm ViT under ``encoder``, so its weights load into
``FoundationTeacher(family='timm', ..., checkpoint=..., checkpoint_prefix='encoder.')``.
"""
from __future__ import annotations

from typing import Optional

import torch
from mmengine.model import BaseModel
from torch import Tensor, nn

from mmkd.registry import MODELS
from .token_student import IMAGENET_MEAN, IMAGENET_STD, create_timm_backbone, is_vit, vit_tokens


def patchify(images: Tensor, patch: int) -> Tensor:
    """``(B, 3, H, W)`` -> ``(B, N, patch * patch * 3)`` in row-major patch order."""
    b, c, h, w = images.shape
    x = images.reshape(b, c, h // patch, patch, w // patch, patch)
    return x.permute(0, 2, 4, 3, 5, 1).reshape(b, (h // patch) * (w // patch), patch * patch * c)


@MODELS.register_module()
class MAEPretrainer(BaseModel):
    """Args:
        arch / arch_cfg: the timm ViT to pre-train (the future teacher).
        mask_ratio: share of patches hidden from the encoder (MAE: 0.75).
        decoder_dim / decoder_depth / decoder_heads: the light decoder.
        norm_pix_loss: regress per-patch-normalised pixels (MAE's better variant).
    """

    def __init__(self, arch: str, arch_cfg: Optional[dict] = None, mask_ratio: float = 0.75,
                 decoder_dim: int = 128, decoder_depth: int = 2, decoder_heads: int = 4, norm_pix_loss: bool = True,
                 data_preprocessor: Optional[dict] = None, init_cfg: Optional[dict] = None) -> None:
        from timm.models.vision_transformer import Block
        if data_preprocessor is None:
            data_preprocessor = dict(type='ImgDataPreprocessor', mean=IMAGENET_MEAN, std=IMAGENET_STD,
                                     bgr_to_rgb=True)
        super().__init__(data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        self.encoder = create_timm_backbone(arch, arch_cfg, 'MAEPretrainer')
        if not is_vit(self.encoder) or getattr(self.encoder, 'cls_token', None) is None \
                or getattr(self.encoder, 'num_prefix_tokens', 1) != 1 or getattr(self.encoder, 'no_embed_class', False):
            raise ValueError(f'MAEPretrainer: {arch!r} must be a timm ViT with one class token sharing the '
                             'position embedding (vit_*/deit_* without registers)')
        if not 0 < mask_ratio < 1:
            raise ValueError(f'MAEPretrainer: mask_ratio must be in (0, 1), got {mask_ratio}')
        self.mask_ratio, self.norm_pix_loss = mask_ratio, norm_pix_loss
        patch = self.encoder.patch_embed.patch_size
        self.patch = patch[0] if isinstance(patch, (tuple, list)) else patch
        num_patches = self.encoder.patch_embed.num_patches
        dim = self.encoder.embed_dim
        self.decoder_embed = nn.Linear(dim, decoder_dim)
        self.mask_token = nn.Parameter(torch.zeros(1, 1, decoder_dim))
        self.decoder_pos_embed = nn.Parameter(torch.zeros(1, 1 + num_patches, decoder_dim))
        self.decoder_blocks = nn.Sequential(*[Block(decoder_dim, decoder_heads) for _ in range(decoder_depth)])
        self.decoder_norm = nn.LayerNorm(decoder_dim)
        self.decoder_pred = nn.Linear(decoder_dim, self.patch * self.patch * 3)
        nn.init.normal_(self.mask_token, std=0.02)
        nn.init.normal_(self.decoder_pos_embed, std=0.02)

    def init_weights(self) -> None:
        """timm and the decoder are initialised when built; nothing to redo."""

    def encode_visible(self, images: Tensor, keep: Tensor) -> Tensor:
        """Encoder tokens ``(B, 1 + K, C)`` of the class token and the kept patches ``keep`` ``(B, K)``."""
        enc = self.encoder
        x = enc.patch_embed(images) + enc.pos_embed[:, 1:]
        x = torch.gather(x, 1, keep.unsqueeze(-1).expand(-1, -1, x.shape[-1]))
        cls = (enc.cls_token + enc.pos_embed[:, :1]).expand(x.shape[0], -1, -1)
        x = enc.norm_pre(torch.cat([cls, x], dim=1))
        return enc.norm(enc.blocks(x))

    def loss(self, images: Tensor) -> dict:
        b = images.shape[0]
        n = self.encoder.patch_embed.num_patches
        num_keep = max(1, int(round(n * (1 - self.mask_ratio))))
        order = torch.rand(b, n, device=images.device).argsort(dim=1)
        keep, restore = order[:, :num_keep], order.argsort(dim=1)
        latent = self.decoder_embed(self.encode_visible(images, keep))
        masked = self.mask_token.expand(b, n - num_keep, -1)
        patches = torch.gather(torch.cat([latent[:, 1:], masked], dim=1), 1,
                               restore.unsqueeze(-1).expand(-1, -1, latent.shape[-1]))
        x = torch.cat([latent[:, :1], patches], dim=1) + self.decoder_pos_embed
        pred = self.decoder_pred(self.decoder_norm(self.decoder_blocks(x)))[:, 1:]
        target = patchify(images, self.patch)
        if self.norm_pix_loss:
            target = (target - target.mean(-1, keepdim=True)) / (target.var(-1, keepdim=True) + 1e-6).sqrt()
        is_masked = torch.ones(b, n, device=images.device)
        is_masked[:, :num_keep] = 0
        is_masked = torch.gather(is_masked, 1, restore)
        per_patch = ((pred - target) ** 2).mean(-1)
        return dict(loss_mae=(per_patch * is_masked).sum() / is_masked.sum())

    def forward(self, inputs: Tensor, data_samples: Optional[list] = None, mode: str = 'tensor'):
        if mode == 'loss':
            return self.loss(inputs)
        if mode == 'tensor':
            return vit_tokens(self.encoder, self.encoder.forward_features(inputs))
        raise ValueError(f"MAEPretrainer: mode must be 'loss' or 'tensor', got {mode!r}")
