"""The student-side generator of MGD: align, random mask, generation block.

Yang et al., "Masked Generative Distillation", ECCV 2022; same layout as
mmrazor's ``MGDConnector``.
"""
from __future__ import annotations

import torch
from torch import Tensor, nn

from mmkd.registry import MODELS
from .base_connector import BaseConnector
from .channel_align import channel_align


@MODELS.register_module()
class MGDConnector(BaseConnector):
    """``G(align(F_s) * M)``: the student feature, randomly masked, regenerated.

    Args:
        student_channels / teacher_channels: a 1x1 align conv (with bias) maps
            the student to the teacher's channels, only when they differ.
        lambda_mgd: the fraction of positions zeroed: ``M = 0`` where
            ``rand > 1 - lambda_mgd``, else 1 (not rescaled). The mask is drawn
            per sample on every call, with ``torch.rand`` on the feature's
            device, and only in training mode; in eval mode nothing is masked.
        mask_on_channel: mask channels (``rand(N, C, 1, 1)``, classification)
            instead of spatial positions (``rand(N, 1, H, W)``, det/seg).

    The generation block is ``Conv3x3 -> ReLU -> Conv3x3`` on the teacher's
    channels (padding 1). One connector applied to a tuple of FPN levels is a
    generator shared across the levels.
    """

    def __init__(self, student_channels: int, teacher_channels: int, lambda_mgd: float = 0.65,
                 mask_on_channel: bool = False) -> None:
        super().__init__()
        if not 0.0 <= lambda_mgd <= 1.0:
            raise ValueError(f'MGDConnector: lambda_mgd must lie in [0, 1], got {lambda_mgd}')
        self.student_channels = student_channels
        self.teacher_channels = teacher_channels
        self.lambda_mgd = lambda_mgd
        self.mask_on_channel = mask_on_channel
        self.align = channel_align(student_channels, teacher_channels)
        self.generation = nn.Sequential(
            nn.Conv2d(teacher_channels, teacher_channels, kernel_size=3, padding=1),
            nn.ReLU(inplace=True),
            nn.Conv2d(teacher_channels, teacher_channels, kernel_size=3, padding=1))

    def random_mask(self, feature: Tensor) -> Tensor:
        """A fresh 0/1 mask broadcastable to ``feature`` (spatial or per channel)."""
        N, C, H, W = feature.shape
        shape = (N, C, 1, 1) if self.mask_on_channel else (N, 1, H, W)
        rand = torch.rand(shape, device=feature.device)
        return torch.where(rand > 1 - self.lambda_mgd, 0.0, 1.0).to(feature.dtype)

    def forward_single(self, feature: Tensor) -> Tensor:
        if feature.dim() != 4 or feature.shape[1] != self.student_channels:
            raise ValueError(f'MGDConnector expects (N, {self.student_channels}, H, W) features, '
                             f'got shape {tuple(feature.shape)}')
        feature = self.align(feature)
        if self.training:
            feature = feature * self.random_mask(feature)
        return self.generation(feature)
