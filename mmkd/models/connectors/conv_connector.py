"""1x1 (or kxk) convolution adapters between student and teacher channels."""
from __future__ import annotations

from typing import Optional

from mmcv.cnn import ConvModule
from torch import Tensor

from mmkd.registry import MODELS
from .base_connector import BaseConnector


@MODELS.register_module()
class ConvConnector(BaseConnector):
    """``ConvModule(in_channels, out_channels, kernel_size)``: conv (+ norm + act).

    The default is a plain 1x1 conv with bias, the FitNet regressor / the
    channel-align conv of MGD and CWD. Add ``norm_cfg=dict(type='BN')`` and
    ``act_cfg=dict(type='ReLU')`` for a ConvModule adapter.
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int = 1,
                 norm_cfg: Optional[dict] = None, act_cfg: Optional[dict] = None,
                 bias: bool | str = 'auto') -> None:
        super().__init__()
        self.in_channels = in_channels
        self.conv = ConvModule(in_channels, out_channels, kernel_size, padding=kernel_size // 2,
                               bias=bias, norm_cfg=norm_cfg, act_cfg=act_cfg)

    def forward_single(self, feature: Tensor) -> Tensor:
        if feature.dim() != 4 or feature.shape[1] != self.in_channels:
            raise ValueError(f'ConvConnector expects (N, {self.in_channels}, H, W) features, '
                             f'got shape {tuple(feature.shape)}')
        return self.conv(feature)
