"""Resize a feature map to a fixed size or scale (no parameters)."""
from __future__ import annotations

from typing import Optional, Sequence

import torch.nn.functional as F
from torch import Tensor

from mmkd.registry import MODELS
from .base_connector import BaseConnector


@MODELS.register_module()
class ResizeConnector(BaseConnector):
    """Interpolate to ``size=(H, W)`` or by ``scale_factor``.

    Used where student and teacher strides differ (a student with output
    stride 16 against a teacher with output stride 8).
    """

    def __init__(self, size: Optional[Sequence[int]] = None, scale_factor: Optional[float] = None,
                 mode: str = 'bilinear', align_corners: Optional[bool] = False) -> None:
        super().__init__()
        if (size is None) == (scale_factor is None):
            raise ValueError('ResizeConnector needs exactly one of size or scale_factor')
        self.size = tuple(size) if size is not None else None
        self.scale_factor = scale_factor
        self.mode = mode
        self.align_corners = align_corners if mode in ('bilinear', 'bicubic') else None

    def forward_single(self, feature: Tensor) -> Tensor:
        return F.interpolate(feature, size=self.size, scale_factor=self.scale_factor,
                             mode=self.mode, align_corners=self.align_corners)
