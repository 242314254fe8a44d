"""Dense contrastive pre-training of a small timm ViT across views and styles: the project's stand-in foundation model.

Why not MAE alone: GKD's premise is a teacher whose *frozen* features already
carry domain-robust semantics (DINOv2, EVA02). MAE features need fine-tuning
to be useful, and the project's 600-iteration MAE teacher, frozen under a
segmentation head, did worse on the unseen styles than a random ViT.
DINOv2's frozen features owe their quality to joint-embedding objectives:
the representation of a region must not change when the view's crop,
colour, blur or style changes, while staying distinct from other regions.

The objective (dense InfoNCE with crop correspondence, as in DenseCL /
PixPro / VICRegL, plus a global InfoNCE as in SimCLR):

* a **global view** (a random box of the image, 0.4-1 of its area, at the
  encoder's native size) and ``num_local`` **local views** (random boxes
  *inside* the global box, resampled at a smaller size, e.g. half), each
  with its own flip and photometric shift (:mod:`.view_augment`: colour,
  low light, haze, blur, sensor noise);
* the local views may come from a **twin** of the image, the same frame
  rendered in another style (a 6-channel batch, image then twin; see
  ``mmkd.LoadStyleTwin``), the stand-in for the appearance variety a
  foundation model sees on the web. Only images, never labels;
* ``points`` random points per local view; their patch features (bilinear
  on the token map) are projected by an MLP and must pick their own
  location in the global view among all the batch's points:
  ``L_dense = InfoNCE(q_local, k_global; tau)``, symmetric;
* ``L_global = InfoNCE`` between the class tokens of local and global views
  of the same image against the other images of the batch (own MLP).

Why crops and not two copies of one geometry: with identical geometry in
both views a patch-level objective is solved by the position embedding
alone (a patch finds its twin by position). A local view is zoomed and
shifted inside the global one, so the same place sits at a different
position and scale in each view, and at the same position in other images
(negatives): only content identifies it.

The encoder is a stock timm ViT under ``encoder`` (``dynamic_img_size`` so
the smaller local views resample the position embedding); its weights load
into ``FoundationTeacher(family='timm', ..., checkpoint_prefix='encoder.')``.
It may start from an MAE run's encoder (``init_ckpt``).
"""
from __future__ import annotations

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


def info_nce(queries: Tensor, keys: Tensor, temperature: float) -> Tensor:
    """Symmetric InfoNCE: row ``i`` of ``queries`` ``(M, D)`` matches row ``i`` of ``keys``; all other rows
    are negatives. Inputs are L2-normalised here. ``0.5 * (CE(q k^T / t) + CE(k q^T / t))``."""
    if queries.shape != keys.shape or queries.dim() != 2:
        raise ValueError(f'info_nce: queries and keys must be (M, D) of one shape, got {tuple(queries.shape)} '
                         f'and {tuple(keys.shape)}')
    logits = F.normalize(queries, dim=-1) @ F.normalize(keys, dim=-1).t() / temperature
    labels = torch.arange(logits.shape[0], device=logits.device)
    return 0.5 * (F.cross_entropy(logits, labels) + F.cross_entropy(logits.t(), labels))


def projection_mlp(in_dim: int, hidden_dim: int, out_dim: int) -> nn.Sequential:
    return nn.Sequential(nn.Linear(in_dim, hidden_dim), nn.GELU(), nn.Linear(hidden_dim, out_dim))


@MODELS.register_module()
class DenseContrastPretrainer(BaseModel):
    """Args:
        arch / arch_cfg: the timm ViT to pre-train (the future teacher); ``img_size`` is the global view's size.
        pixel_mean / pixel_std: the encoder's input normalisation (RGB, 0-255 units; default OpenAI CLIP's).
        local_size: ``(h, w)`` of the local views (multiples of the patch size).
        num_local: local views per image.
        global_area / local_area: box area shares (low, high); a local box is a share of the global box.
        log_aspect: aspect ratio jitter of the boxes, ``exp(U(-a, a))``.
        points: sampled points per local view.
        hidden_dim / proj_dim: the projection MLPs.
        temperature: InfoNCE temperature.
        global_weight: weight of ``loss_global`` (``loss_dense`` has weight 1).
        init_ckpt / init_prefix: a local checkpoint to start the encoder from (e.g. an MAE run, ``'encoder.'``).
        data_preprocessor: default stacks the batch only (BGR, 0-255, 3 or 6 channels); the model
            converts, augments and normalises itself, because the crops and shifts happen per view.
    """

    def __init__(self, arch: str, arch_cfg: Optional[dict] = None, pixel_mean: Sequence[float] = CLIP_MEAN,
                 pixel_std: Sequence[float] = CLIP_STD, local_size: Sequence[int] = (64, 128), num_local: int = 2,
                 global_area: Sequence[float] = (0.4, 1.0), local_area: Sequence[float] = (0.1, 0.35),
                 log_aspect: float = 0.2, points: int = 16, hidden_dim: int = 512, proj_dim: int = 128,
                 temperature: float = 0.2, global_weight: float = 0.5, init_ckpt: Optional[str] = None,
                 init_prefix: Optional[str] = 'encoder.', data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[dict] = None) -> None:
        if data_preprocessor is None:
            data_preprocessor = dict(type='ImgDataPreprocessor')
        super().__init__(data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        self.encoder = create_timm_backbone(arch, dict(arch_cfg or {}, dynamic_img_size=True),
                                            'DenseContrastPretrainer')
        if not is_vit(self.encoder) or getattr(self.encoder, 'cls_token', None) is None:
            raise ValueError(f'DenseContrastPretrainer: {arch!r} must be a timm ViT with a class token')
        patch = self.encoder.patch_embed.patch_size
        self.patch = patch[0] if isinstance(patch, (tuple, list)) else patch
        self.global_size = tuple(self.encoder.patch_embed.img_size)
        self.local_size = tuple(int(s) for s in local_size)
        if any(s % self.patch for s in self.local_size) or len(self.local_size) != 2:
            raise ValueError(f'DenseContrastPretrainer: local_size {tuple(local_size)} must be (h, w), multiples '
                             f'of the patch size {self.patch}')
        if num_local < 1 or points < 1:
            raise ValueError(f'DenseContrastPretrainer: num_local and points must be >= 1, got {num_local}, {points}')
        self.num_local, self.points = num_local, points
        self.global_area, self.local_area, self.log_aspect = tuple(global_area), tuple(local_area), log_aspect
        self.temperature, self.global_weight = temperature, global_weight
        self.register_buffer('pixel_mean', torch.tensor(pixel_mean, dtype=torch.float32).view(1, 3, 1, 1), False)
        self.register_buffer('pixel_std', torch.tensor(pixel_std, dtype=torch.float32).view(1, 3, 1, 1), False)
        dim = self.encoder.embed_dim
        self.dense_head = projection_mlp(dim, hidden_dim, proj_dim)
        self.global_head = projection_mlp(dim, hidden_dim, proj_dim)
        self.init_ckpt, self.init_prefix = init_ckpt, init_prefix

    def init_weights(self) -> None:
        """Load ``init_ckpt`` into the encoder when given; the heads keep their construction init."""
        if self.init_ckpt:
            load_into(self.encoder, self.init_ckpt, prefix=self.init_prefix,
                      what='DenseContrastPretrainer init_ckpt')

    # ------------------------------------------------------------ inputs
    def split(self, inputs: Tensor) -> Tuple[Tensor, Tensor]:
        """A stacked BGR 0-255 batch ``(B, 3 or 6, H, W)`` -> (image, twin) as ``[0, 1]`` RGB; no twin: the image."""
        if inputs.dim() != 4 or inputs.shape[1] not in (3, 6):
            raise ValueError('DenseContrastPretrainer: inputs must be (B, 3, H, W) images or (B, 6, H, W) '
                             f'image + style twin, got {tuple(inputs.shape)}')
        rgb = inputs.float().view(inputs.shape[0], -1, 3, *inputs.shape[2:]).flip(2) / 255.0
        return rgb[:, 0], rgb[:, -1]

    def encode(self, rgb: Tensor) -> Tuple[Tensor, Tensor]:
        """``[0, 1]`` RGB views -> (class token ``(B, C)``, patch map ``(B, C, h, w)``) after the final norm."""
        x = (rgb * 255.0 - self.pixel_mean) / self.pixel_std
        tokens = vit_tokens(self.encoder, self.encoder.forward_features(x))
        h, w = rgb.shape[2] // self.patch, rgb.shape[3] // self.patch
        patches = tokens[:, 1:].transpose(1, 2).reshape(rgb.shape[0], -1, h, w)
        return tokens[:, 0], patches

    # -------------------------------------------------------------- loss
    def loss(self, inputs: Tensor) -> dict:
        image, twin = self.split(inputs)
        b, dev = image.shape[0], image.device
        global_box = sample_crops(b, self.global_area, self.log_aspect, device=dev)
        g_cls, g_map = self.encode(photometric_shift(crop_views(image, global_box, self.global_size)))
        dense, glob = [], []
        for _ in range(self.num_local):
            inner = sample_crops(b, self.local_area, self.log_aspect, device=dev)  # in the global view's frame
            l_cls, l_map = self.encode(photometric_shift(crop_views(twin, compose(global_box, inner),
                                                                    self.local_size)))
            local_pts = 2 * torch.rand(b, self.points, 2, device=dev) - 1
            global_pts = view_to_image(inner, local_pts)  # the same places in the global view
            q = self.dense_head(sample_at(l_map, local_pts).flatten(0, 1))
            k = self.dense_head(sample_at(g_map, global_pts).flatten(0, 1))
            dense.append(info_nce(q, k, self.temperature))
            glob.append(info_nce(self.global_head(l_cls), self.global_head(g_cls), self.temperature))
        return dict(loss_dense=torch.stack(dense).mean(),
                    loss_global=self.global_weight * torch.stack(glob).mean())

    def forward(self, inputs: Tensor, data_samples: Optional[list] = None, mode: str = 'tensor'):
        if mode == 'loss':
            return self.loss(inputs)
        if mode == 'tensor':
            image, _ = self.split(inputs)
            x = (image * 255.0 - self.pixel_mean) / self.pixel_std
            return vit_tokens(self.encoder, self.encoder.forward_features(x))
        raise ValueError(f"DenseContrastPretrainer: mode must be 'loss' or 'tensor', got {mode!r}")
