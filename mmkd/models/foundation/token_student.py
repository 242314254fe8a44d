"""A timm backbone as a feature-distillation student: token outputs, and a masked second view.

Task-agnostic feature distillation (GKD stage 1, Proteus) has no task head:
the student's "task" is to produce tokens that match the teacher's. This
model gives any timm backbone that shape:

* ``tensor`` mode returns the token features ``(B, 1 + N, C)``, the class
  token then the ``N`` patch tokens after the final norm (the layout of
  :class:`~mmkd.models.foundation.FoundationTeacher`), through the identity
  module ``tokens``, which the distiller records. A ViT gives them directly;
  a CNN's last feature map is laid out as tokens (bilinearly resized to
  ``token_grid`` when its grid differs, e.g. a stride-32 ResNet against a
  patch-16 teacher; ``output_stride=16`` in ``arch_cfg`` avoids the resize),
  with its global average as the class token.
* ``loss`` mode runs the student **twice** on the batch: the plain view, then
  the masked view, where a share of the samples has a share of its patches
  replaced by a learned mask token (:func:`sample_patch_masks`). Both pass
  through ``tokens``, so a recorder with ``record_idx=0`` reads the plain
  view and one with ``record_idx=1`` the masked view. It returns no task loss:
  the distiller's losses are the whole objective.

Why here and not in the algorithm: the teacher must see the *unmasked*
image (its tokens are the targets, and only then can they be read from the
teacher-feature cache), and only the student knows where a mask token goes
(after a ViT's patch embedding, as in iBOT/DINOv2; on the input pixels of a
CNN, which has no token stage). Keeping both views inside the student leaves
``MultiTeacherDistill`` unchanged and lets any distiller read either view by
``record_idx``. With ``mask_sample_ratio=0`` there is one view only (plain
feature distillation baselines).
"""
from __future__ import annotations

from typing import Any, Optional, Sequence

import torch
import torch.nn.functional as F
from mmengine.model import BaseModel
from torch import Tensor, nn

from mmkd.registry import MODELS
from mmkd.utils.checkpoint import load_into
from .patch_masking import check_ratio, sample_patch_masks

IMAGENET_MEAN = (123.675, 116.28, 103.53)
IMAGENET_STD = (58.395, 57.12, 57.375)


def create_timm_backbone(arch: str, arch_cfg: Optional[dict], who: str) -> nn.Module:
    """``timm.create_model(arch, num_classes=0, **arch_cfg)``, never downloading."""
    import timm
    arch_cfg = dict(arch_cfg or {})
    if arch_cfg.pop('pretrained', False):
        raise ValueError(f'{who}: pretrained=True would download weights; load a local file instead')
    if not timm.is_model(arch):
        raise KeyError(f'{who}: unknown timm model {arch!r}; similar: {timm.list_models(f"*{arch[:6]}*")[:8]}')
    return timm.create_model(arch, pretrained=False, num_classes=0, **arch_cfg)


def is_vit(model: nn.Module) -> bool:
    """A timm transformer with a patch embedding and blocks (ViT, DeiT, DINOv2, EVA)."""
    return hasattr(model, 'patch_embed') and hasattr(model, 'blocks')


def vit_tokens(model: nn.Module, features: Tensor) -> Tensor:
    """timm ``forward_features`` output -> ``(B, 1 + N, C)``: class token (or patch mean), patches."""
    prefix = getattr(model, 'num_prefix_tokens', 1)
    patches = features[:, prefix:]
    cls = features[:, :1] if getattr(model, 'cls_token', None) is not None else patches.mean(1, keepdim=True)
    return torch.cat([cls, patches], dim=1)


@MODELS.register_module()
class MaskedTokenStudent(BaseModel):
    """Args:
        arch: timm model name (``'vit_small_patch16_224'``, ``'resnet18'``...).
        arch_cfg: ``timm.create_model`` kwargs (``img_size``, ``depth``, ``embed_dim``, ``output_stride``...).
        token_grid: ``(h, w)`` patch grid of the tokens; a ViT's is its own
            (given, it must agree), a CNN needs it (the teacher's grid).
        mask_sample_ratio / mask_patch_ratio / mask_first_n: the masked view
            (GKD: 0.5, 0.5, True); ``mask_sample_ratio=0`` disables it.
        init_ckpt / init_prefix: a local checkpoint to start from (timm keys
            of the backbone, after removing ``init_prefix``).
        data_preprocessor: default mmengine's ``ImgDataPreprocessor`` with
            ImageNet mean/std and BGR->RGB.
    """

    def __init__(self, arch: str, arch_cfg: Optional[dict] = None, token_grid: Optional[Sequence[int]] = None,
                 mask_sample_ratio: float = 0.5, mask_patch_ratio: float = 0.5, mask_first_n: bool = True,
                 init_ckpt: Optional[str] = None, init_prefix: Optional[str] = None,
                 data_preprocessor: Optional[dict] = None, init_cfg: Optional[dict] = None) -> None:
        if data_preprocessor is None:
            data_preprocessor = dict(type='ImgDataPreprocessor', mean=IMAGENET_MEAN, std=IMAGENET_STD,
                                     bgr_to_rgb=True)
        super().__init__(data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        self.arch = arch
        self.backbone = create_timm_backbone(arch, arch_cfg, 'MaskedTokenStudent')
        self.vit = is_vit(self.backbone)
        if self.vit:
            own = tuple(self.backbone.patch_embed.grid_size)
            if token_grid is not None and tuple(token_grid) != own:
                raise ValueError(f'MaskedTokenStudent({arch}): token_grid {tuple(token_grid)} differs from the '
                                 f"ViT's patch grid {own}; set arch_cfg img_size/patch_size instead")
            self.token_grid = own
            self.embed_dim = self.backbone.embed_dim
            self.mask_token = nn.Parameter(torch.zeros(1, 1, self.embed_dim))
            self.backbone.patch_embed.register_forward_hook(self._mask_patch_embeddings)
        else:
            if token_grid is None:
                raise ValueError(f'MaskedTokenStudent({arch}): a CNN needs token_grid=(h, w), the patch grid '
                                 'its features are laid out on (the teacher\'s)')
            self.token_grid = tuple(int(g) for g in token_grid)
            self.embed_dim = self.backbone.num_features
            self.mask_token = nn.Parameter(torch.zeros(1, 3, 1, 1))  # a learned pixel colour
        self.mask_sample_ratio = check_ratio(mask_sample_ratio, 'MaskedTokenStudent mask_sample_ratio')
        self.mask_patch_ratio = check_ratio(mask_patch_ratio, 'MaskedTokenStudent mask_patch_ratio')
        self.mask_first_n = mask_first_n
        self.init_ckpt, self.init_prefix = init_ckpt, init_prefix
        self.tokens = nn.Identity()  # the recorded output, (B, 1 + N, C)
        self._masks: Optional[Tensor] = None
        self.last_masks: Optional[Tensor] = None

    @property
    def num_patches(self) -> int:
        return self.token_grid[0] * self.token_grid[1]

    def init_weights(self) -> None:
        """Load ``init_ckpt`` when given; otherwise keep timm's initialisation from construction."""
        if self.init_ckpt:
            load_into(self.backbone, self.init_ckpt, prefix=self.init_prefix, what='MaskedTokenStudent init_ckpt')

    # ------------------------------------------------------------- masking
    def _mask_patch_embeddings(self, module: nn.Module, inputs: Any, output: Tensor) -> Optional[Tensor]:
        """Forward hook on the ViT's patch embedding: masked patches become the mask token
        (before position embeddings are added, as in iBOT/DINOv2)."""
        if self._masks is None:
            return None
        if output.dim() != 3 or output.shape[1] != self._masks.shape[1]:
            raise ValueError(f'MaskedTokenStudent: patch embedding output {tuple(output.shape)} does not fit the '
                             f'masks {tuple(self._masks.shape)} (a (B, N, C) token sequence is needed)')
        return torch.where(self._masks.unsqueeze(-1), self.mask_token.to(output.dtype), output)

    def _mask_pixels(self, inputs: Tensor, masks: Tensor) -> Tensor:
        grid = masks.view(-1, 1, *self.token_grid).float()
        pixels = F.interpolate(grid, size=inputs.shape[-2:], mode='nearest').bool()
        return torch.where(pixels, self.mask_token.to(inputs.dtype), inputs)

    def sample_masks(self, batch_size: int, device: torch.device) -> Tensor:
        return sample_patch_masks(batch_size, self.num_patches, self.mask_sample_ratio, self.mask_patch_ratio,
                                  self.mask_first_n, device=device)

    # ------------------------------------------------------------- running
    def encode(self, inputs: Tensor, masks: Optional[Tensor] = None) -> Tensor:
        """Tokens ``(B, 1 + N, C)`` of ``inputs``; ``masks`` ``(B, N)`` bool masks patches."""
        if self.vit:
            self._masks = masks
            try:
                return vit_tokens(self.backbone, self.backbone.forward_features(inputs))
            finally:
                self._masks = None
        if masks is not None:
            inputs = self._mask_pixels(inputs, masks)
        feats = self.backbone.forward_features(inputs)
        cls = feats.mean((2, 3)).unsqueeze(1)
        if tuple(feats.shape[-2:]) != self.token_grid:
            feats = F.interpolate(feats, size=self.token_grid, mode='bilinear', align_corners=False)
        return torch.cat([cls, feats.flatten(2).transpose(1, 2)], dim=1)

    def forward(self, inputs: Tensor, data_samples: Optional[list] = None, mode: str = 'tensor') -> Any:
        if mode == 'tensor':
            return self.tokens(self.encode(inputs))
        if mode == 'loss':
            self.tokens(self.encode(inputs))  # call 0: the plain view
            self.last_masks = None
            if self.mask_sample_ratio > 0 and self.mask_patch_ratio > 0:
                self.last_masks = self.sample_masks(inputs.shape[0], inputs.device)
                self.tokens(self.encode(inputs, self.last_masks))  # call 1: the masked view
            return {}
        raise ValueError(f"MaskedTokenStudent has no task head: mode must be 'tensor' or 'loss', got {mode!r}")
