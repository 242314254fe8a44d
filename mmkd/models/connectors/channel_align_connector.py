"""The channel-align connector: MGD's, FGD's and ACAM-KD's 1x1 conv ``phi``."""
from __future__ import annotations

from torch import Tensor

from mmkd.registry import MODELS
from .base_connector import BaseConnector
from .channel_align import channel_align


@MODELS.register_module()
class ChannelAlignConnector(BaseConnector):
    """``Conv2d(student_channels, teacher_channels, 1)`` with bias, or the identity when
    the widths match: the align conv FGD and ACAM-KD put before their losses.

    A plain ``nn.Conv2d`` with PyTorch's default initialisation, as in the
    methods' reference code (``ConvConnector`` uses mmcv's ConvModule and its
    Kaiming initialisation instead).
    """

    def __init__(self, student_channels: int, teacher_channels: int) -> None:
        super().__init__()
        self.student_channels = student_channels
        self.teacher_channels = teacher_channels
        self.align = channel_align(student_channels, teacher_channels)

    def forward_single(self, feature: Tensor) -> Tensor:
        if feature.dim() != 4 or feature.shape[1] != self.student_channels:
            raise ValueError(f'ChannelAlignConnector expects (N, {self.student_channels}, H, W) student features, '
                             f'got shape {tuple(feature.shape)}')
        return self.align(feature)
