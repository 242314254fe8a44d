"""OFA-KD exit branches: project one student stage feature into the logits space.

Hao et al., "One-for-All: Bridge the Gap Between Heterogeneous Architectures
in Knowledge Distillation", NeurIPS 2023. Intermediate features of a CNN and
of a ViT share no layout, no grid and no meaning channel by channel, so
hint losses between them fail; logits mean the same thing for every family.
Each branch therefore turns a student stage into class logits, which are
then distilled from the teacher's logits (``mmkd.OFALoss``).

The branch follows the reference code (``distillers/ofa.py``):

* CNN student ('nchw'), stage ``k < K``: ``K - k`` separable-conv blocks, each
  halving the grid (``dw3x3/2 -> pw1x1 -> BN -> ReLU -> dw3x3 -> pw1x1 -> BN ->
  ReLU``, channels doubling, the last giving ``max(D_s, D_t)``), then global
  average pooling and a linear layer. Stage ``K``: a 1x1 conv to
  ``max(D_s, D_t)``, pooling, linear.
* Token student ('nlc' ViT/MLP, 'nhwc' Swin): patch-merging layers until the
  grid is about ``target_grid`` (7 in the paper), ``max(K - k, 1)`` transformer
  blocks of width ``D_s`` with ``num_heads`` heads, then the class token (when
  the model has one) or the token average, and a linear layer.

``D_s`` / ``D_t`` are the widths of the student's / teacher's last stage. The
branches live in the distiller, so they train with the student and are absent
from the exported student checkpoint.
"""
from __future__ import annotations

import math
from typing import Mapping, Union

import torch
from timm.layers import SeparableConvNormAct, trunc_normal_
from timm.models.swin_transformer import PatchMerging
from timm.models.vision_transformer import Block
from torch import Tensor, nn

from mmkd.registry import MODELS
from .base_connector import BaseConnector
from .feature_layout import FeatureSpec


def sep_conv(in_channels: int, out_channels: int) -> nn.Sequential:
    """The reference ``SepConv``: two depthwise-separable conv-BN-ReLU, the first with stride 2."""
    return nn.Sequential(SeparableConvNormAct(in_channels, in_channels, 3, stride=2),
                         SeparableConvNormAct(in_channels, out_channels, 3, stride=1))


def init_branch_weights(module: nn.Module) -> None:
    """The reference initialisation: Kaiming (fan-out) convs, unit BN, truncated-normal linears."""
    for m in module.modules():
        if isinstance(m, nn.Conv2d):
            nn.init.kaiming_normal_(m.weight, mode='fan_out', nonlinearity='relu')
        elif isinstance(m, nn.BatchNorm2d):
            nn.init.ones_(m.weight)
            nn.init.zeros_(m.bias)
        elif isinstance(m, nn.Linear):
            trunc_normal_(m.weight, std=.02)
            if m.bias is not None:
                nn.init.zeros_(m.bias)


class _MergeStep(nn.Module):
    """timm's Swin patch merging ((B, H, W, C) -> (B, H/2, W/2, C')) plus an activation."""

    def __init__(self, in_dim: int, out_dim: int, act: bool) -> None:
        super().__init__()
        self.merge = PatchMerging(in_dim, out_dim)
        self.act = nn.GELU() if act else nn.Identity()

    def forward(self, x: Tensor) -> Tensor:
        return self.act(self.merge(x))


@MODELS.register_module()
class OFABranch(BaseConnector):
    """Args:
        feature: :class:`FeatureSpec` of the student stage this branch reads.
        stage: 1-based index of that stage among the ``num_stages`` tapped stages.
        num_stages: K, the number of stages the student is split into (4 in the paper).
        student_dim: D_s, width of the student's last stage.
        teacher_dim: D_t, width of the teacher's last stage (CNN branches use max(D_s, D_t)).
        num_classes: logits size.
        target_grid: token branches merge patches until the grid side is
            below ``2 * target_grid`` (the paper: 7, i.e. 7x7 tokens at 224 px).
        num_heads: heads of the branch's transformer blocks (token branches).

    Output: ``(B, num_classes)`` logits.
    """

    def __init__(self, feature: Union[FeatureSpec, Mapping], stage: int, num_stages: int, student_dim: int,
                 teacher_dim: int, num_classes: int, target_grid: int = 7, num_heads: int = 4) -> None:
        super().__init__()
        if not 1 <= stage <= num_stages:
            raise ValueError(f'OFABranch: stage must be in 1..{num_stages}, got {stage}')
        self.feature = FeatureSpec.parse(feature, f'OFABranch (stage {stage})')
        self.stage = stage
        if self.feature.is_tokens:
            self._build_token_branch(num_stages, student_dim, num_classes, target_grid, num_heads)
        else:
            self._build_cnn_branch(num_stages, max(student_dim, teacher_dim), num_classes)
        init_branch_weights(self)

    # ------------------------------------------------------------------ CNN
    def _build_cnn_branch(self, num_stages: int, hidden: int, num_classes: int) -> None:
        channels = self.feature.channels
        if self.stage < num_stages:
            blocks = []
            for i in range(num_stages - self.stage):
                out = hidden if i == num_stages - self.stage - 1 else channels * 2
                blocks.append(sep_conv(channels, out))
                channels *= 2
            self.downsample = nn.Sequential(*blocks)
        else:
            self.downsample = nn.Conv2d(channels, hidden, 1)
        self.head = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(hidden, num_classes))

    # --------------------------------------------------------------- tokens
    def _build_token_branch(self, num_stages: int, hidden: int, num_classes: int, target_grid: int,
                            num_heads: int) -> None:
        if hidden % num_heads:
            raise ValueError(f'OFABranch (stage {self.stage}): student_dim {hidden} is not divisible by '
                             f'num_heads {num_heads}')
        in_dim = self.feature.channels
        side = min(self.feature.grid)
        num_merges = max(int(math.log2(side / target_grid)), 0)  # as the reference: 0 below target
        self.merges = nn.Sequential(*[
            _MergeStep(in_dim if i == 0 else hidden, hidden, act=i < num_merges - 1)
            for i in range(num_merges)])
        # width changes without merging (and for prefix tokens, which are not merged)
        needs_proj = in_dim != hidden
        self.patch_proj = nn.Linear(in_dim, hidden) if needs_proj and not num_merges else nn.Identity()
        self.prefix_proj = nn.Linear(in_dim, hidden) if needs_proj else nn.Identity()
        self.blocks = nn.Sequential(*[Block(dim=hidden, num_heads=num_heads)
                                      for _ in range(max(num_stages - self.stage, 1))])
        self.fc = nn.Linear(hidden, num_classes)

    def forward_single(self, feature: Tensor) -> Tensor:
        who = f'OFABranch (stage {self.stage})'
        if not self.feature.is_tokens:
            self.feature.check(feature, who)
            return self.head(self.downsample(feature))
        prefix, grid = self.feature.split_tokens(feature, who)
        grid = self.merges(grid)
        tokens = self.patch_proj(grid.flatten(1, 2))
        has_prefix = prefix.shape[1] > 0
        if has_prefix:
            tokens = torch.cat([self.prefix_proj(prefix), tokens], dim=1)
        tokens = self.blocks(tokens)
        pooled = tokens[:, 0] if has_prefix else tokens.mean(1)  # class token, else average
        return self.fc(pooled)
