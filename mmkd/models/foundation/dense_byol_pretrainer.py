"""Dense self-distillation (BYOL across views and styles) of a small timm ViT: the project's stand-in foundation model.

Why not MAE alone: GKD's premise is a teacher whose *frozen* features already
carry domain-robust semantics (DINOv2, EVA02). MAE features need fine-tuning
to be useful, and the project's 600-iteration MAE teacher, frozen under a
segmentation head, did worse on the unseen styles than a random ViT.
DINOv2's frozen features owe their robustness to joint-embedding
self-distillation: the representation of a region must not change when the
crop, colour, blur or style of the view changes.

The objective is BYOL's (Grill et al., NeurIPS 2020) applied per place, with
crop correspondence (as PixPro / VICRegL do for dense features):

* a **target view** (a random box of the image, ``global_area`` of it, at the
  encoder's size, mildly shifted) goes through the **target encoder**, an
  exponential moving average (``momentum``) of the online one, without
  gradient;
* an **online view**: a random box *inside* the target box
  (``local_area`` of it), resampled at ``local_size``, drawn from a **twin**
  of the image (the same frame rendered in another style, a 6-channel batch,
  image then twin; see ``mmkd.LoadStyleTwin``; a 3-channel batch uses the
  image itself) under strong photometric shifts (:mod:`.view_augment`:
  colour, low light, haze, blur, sensor noise);
* ``points`` random points of the online view; the online encoder's patch
  features there (bilinear on the token map), through a predictor MLP, must
  match the target encoder's features at the *same places* of the target
  view: ``L = mean(2 - 2 cos(predictor(online), target))``.

The EMA target and the predictor keep the features from collapsing onto a
constant without negatives (BYOL). A first try with a dense InfoNCE between
two strongly shifted views stalled at chance level from the MAE start.

Why crops and not two copies of one geometry: with identical geometry a
patch-level objective can be met from the position embedding alone. The
online view is zoomed and shifted inside the target view, so a place sits at
another position and scale in each: only content identifies it.

The online encoder is a stock timm ViT under ``encoder`` (``dynamic_img_size``
so views of other sizes resample the position embedding); its weights load
into ``FoundationTeacher(family='timm', ..., checkpoint_prefix='encoder.')``.
It may start from an MAE run's encoder (``init_ckpt``); the target encoder
starts as its copy.
"""
from __future__ import annotations

import copy
from typing import Optional, Sequence, Tuple

import torch
import torch.nn.functional as F
from mmengine.model import BaseModel
from torch import Tensor, nn

from mmkd.registry import MODELS
from mmkd.utils.checkpoint import load_into
from .token_student import create_timm_backbone, is_vit, vit_tokens
from .view_augment import compose, crop_views, photometric_shift, sample_at, sample_crops, view_to_image

CLIP_MEAN = (122.7709383, 116.7460125, 104.09373615)
CLIP_STD = (68.5005327, 66.6321579, 70.3231630)


def cosine_regression(preds: Tensor, targets: Tensor) -> Tensor:
    """BYOL's loss, ``mean(2 - 2 cos(p, t))`` over rows of ``(M, D)``: 0 when aligned, 2 orthogonal, 4 opposite."""
    if preds.shape != targets.shape or preds.dim() != 2:
        raise ValueError(f'cosine_regression: preds and targets must be (M, D) of one shape, got '
                         f'{tuple(preds.shape)} and {tuple(targets.shape)}')
    return (2 - 2 * F.cosine_similarity(preds, targets, dim=-1)).mean()


def predictor_mlp(dim: int, hidden_dim: int) -> nn.Sequential:
    """BYOL's predictor: Linear - BatchNorm - ReLU - Linear, back to the feature width."""
    return nn.Sequential(nn.Linear(dim, hidden_dim), nn.BatchNorm1d(hidden_dim), nn.ReLU(inplace=True),
                         nn.Linear(hidden_dim, dim))


@MODELS.register_module()
class DenseBYOLPretrainer(BaseModel):
    """Args:
        arch / arch_cfg: the timm ViT to pre-train (the future teacher); ``img_size`` is the target view's size.
        pixel_mean / pixel_std: the encoder's input normalisation (RGB, 0-255 units; default OpenAI CLIP's).
        local_size: ``(h, w)`` of the online views (multiples of the patch size); default the encoder's size.
        num_local: online views per image.
        global_area / local_area: box area shares (low, high); an online box is a share of the target box.
        log_aspect: aspect ratio jitter of the boxes, ``exp(U(-a, a))``.
        points: sampled points per online view.
        hidden_dim: the predictor's hidden width.
        momentum: EMA momentum of the target encoder.
        global_shift / local_shift: keyword arguments of :func:`photometric_shift` for the target and the
            online views (default: its defaults). A mild target view (as DINO's asymmetric views) asks the
            strongly shifted online view to match a mostly clean one: the source -> target direction of
            domain generalisation.
        init_ckpt / init_prefix: a local checkpoint to start the encoder from (e.g. an MAE run, ``'encoder.'``).
        data_preprocessor: default stacks the batch only (BGR, 0-255, 3 or 6 channels); the model
            converts, augments and normalises itself, because the crops and shifts happen per view.
    """

    def __init__(self, arch: str, arch_cfg: Optional[dict] = None, pixel_mean: Sequence[float] = CLIP_MEAN,
                 pixel_std: Sequence[float] = CLIP_STD, local_size: Optional[Sequence[int]] = None,
                 num_local: int = 1, global_area: Sequence[float] = (0.5, 1.0),
                 local_area: Sequence[float] = (0.25, 0.7), log_aspect: float = 0.2, points: int = 32,
                 hidden_dim: int = 512, momentum: float = 0.99, global_shift: Optional[dict] = None,
                 local_shift: Optional[dict] = None, init_ckpt: Optional[str] = None,
                 init_prefix: Optional[str] = 'encoder.', data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[dict] = None) -> None:
        if data_preprocessor is None:
            data_preprocessor = dict(type='ImgDataPreprocessor')
        super().__init__(data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        self.encoder = create_timm_backbone(arch, dict(arch_cfg or {}, dynamic_img_size=True), 'DenseBYOLPretrainer')
        if not is_vit(self.encoder) or getattr(self.encoder, 'cls_token', None) is None:
            raise ValueError(f'DenseBYOLPretrainer: {arch!r} must be a timm ViT with a class token')
        patch = self.encoder.patch_embed.patch_size
        self.patch = patch[0] if isinstance(patch, (tuple, list)) else patch
        self.global_size = tuple(self.encoder.patch_embed.img_size)
        self.local_size = tuple(int(s) for s in (local_size or self.global_size))
        if len(self.local_size) != 2 or any(s % self.patch for s in self.local_size):
            raise ValueError(f'DenseBYOLPretrainer: local_size {self.local_size} must be (h, w), multiples '
                             f'of the patch size {self.patch}')
        if num_local < 1 or points < 1:
            raise ValueError(f'DenseBYOLPretrainer: num_local and points must be >= 1, got {num_local}, {points}')
        if not 0 <= momentum < 1:
            raise ValueError(f'DenseBYOLPretrainer: momentum must be in [0, 1), got {momentum}')
        self.num_local, self.points, self.momentum = num_local, points, momentum
        self.global_area, self.local_area, self.log_aspect = tuple(global_area), tuple(local_area), log_aspect
        self.global_shift, self.local_shift = dict(global_shift or {}), dict(local_shift or {})
        self.register_buffer('pixel_mean', torch.tensor(pixel_mean, dtype=torch.float32).view(1, 3, 1, 1), False)
        self.register_buffer('pixel_std', torch.tensor(pixel_std, dtype=torch.float32).view(1, 3, 1, 1), False)
        self.predictor = predictor_mlp(self.encoder.embed_dim, hidden_dim)
        self.target = copy.deepcopy(self.encoder).requires_grad_(False)
        self.init_ckpt, self.init_prefix = init_ckpt, init_prefix

    def init_weights(self) -> None:
        """Load ``init_ckpt`` into the encoder when given, and start the target encoder as its copy."""
        if self.init_ckpt:
            load_into(self.encoder, self.init_ckpt, prefix=self.init_prefix, what='DenseBYOLPretrainer init_ckpt')
        self.target.load_state_dict(self.encoder.state_dict())

    @torch.no_grad()
    def update_target(self) -> None:
        """``target = m * target + (1 - m) * online`` (run before each step's forward: one step of lag)."""
        for t, o in zip(self.target.parameters(), self.encoder.parameters()):
            t.mul_(self.momentum).add_(o.detach(), alpha=1 - self.momentum)

    # ------------------------------------------------------------ inputs
    def split(self, inputs: Tensor) -> Tuple[Tensor, Tensor]:
        """A stacked BGR 0-255 batch ``(B, 3 or 6, H, W)`` -> (image, twin) as ``[0, 1]`` RGB; no twin: the image."""
        if inputs.dim() != 4 or inputs.shape[1] not in (3, 6):
            raise ValueError('DenseBYOLPretrainer: inputs must be (B, 3, H, W) images or (B, 6, H, W) '
                             f'image + style twin, got {tuple(inputs.shape)}')
        rgb = inputs.float().view(inputs.shape[0], -1, 3, *inputs.shape[2:]).flip(2) / 255.0
        return rgb[:, 0], rgb[:, -1]

    def encode(self, encoder: nn.Module, rgb: Tensor) -> Tensor:
        """``[0, 1]`` RGB views -> the patch map ``(B, C, h, w)`` after the final norm."""
        x = (rgb * 255.0 - self.pixel_mean) / self.pixel_std
        tokens = vit_tokens(encoder, encoder.forward_features(x))
        h, w = rgb.shape[2] // self.patch, rgb.shape[3] // self.patch
        return tokens[:, 1:].transpose(1, 2).reshape(rgb.shape[0], -1, h, w)

    # -------------------------------------------------------------- loss
    def loss(self, inputs: Tensor) -> dict:
        image, twin = self.split(inputs)
        b, dev = image.shape[0], image.device
        self.update_target()
        outer = sample_crops(b, self.global_area, self.log_aspect, device=dev)
        with torch.no_grad():
            target_map = self.encode(self.target, photometric_shift(crop_views(image, outer, self.global_size),
                                                                    **self.global_shift))
        losses = []
        for _ in range(self.num_local):
            inner = sample_crops(b, self.local_area, self.log_aspect, device=dev)  # in the target view's frame
            view = photometric_shift(crop_views(twin, compose(outer, inner), self.local_size), **self.local_shift)
            online_pts = 2 * torch.rand(b, self.points, 2, device=dev) - 1
            target_pts = view_to_image(inner, online_pts)  # the same places in the target view
            preds = self.predictor(sample_at(self.encode(self.encoder, view), online_pts).flatten(0, 1))
            losses.append(cosine_regression(preds, sample_at(target_map, target_pts).flatten(0, 1)))
        return dict(loss_dense=torch.stack(losses).mean())

    def forward(self, inputs: Tensor, data_samples: Optional[list] = None, mode: str = 'tensor'):
        if mode == 'loss':
            return self.loss(inputs)
        if mode == 'tensor':
            image, _ = self.split(inputs)
            x = (image * 255.0 - self.pixel_mean) / self.pixel_std
            return vit_tokens(self.encoder, self.encoder.forward_features(x))
        raise ValueError(f"DenseBYOLPretrainer: mode must be 'loss' or 'tensor', got {mode!r}")
