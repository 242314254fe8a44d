"""The layouts of stage features across model families, and conversions between them.

CNN stages give maps ``(B, C, H, W)`` ('nchw'); ViT/DeiT and MLP-Mixer/ResMLP
blocks give token sequences ``(B, P + H*W, C)`` ('nlc', ``P`` prefix tokens
such as the class token); timm's Swin stages give ``(B, H, W, C)`` ('nhwc').
Connectors between heterogeneous models (FitNet regressors, OFA exit
branches) and the CKA tool describe a recorded feature with a
:class:`FeatureSpec` and convert through these helpers, so each checks the
shape it receives against what the config declared.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Tuple, Union

from torch import Tensor

from mmkd.registry import MODELS
from .base_connector import BaseConnector

LAYOUTS = ('nchw', 'nhwc', 'nlc')


def _pair(grid: Union[int, Tuple[int, int], list]) -> Tuple[int, int]:
    if isinstance(grid, int):
        return grid, grid
    grid = tuple(int(g) for g in grid)
    if len(grid) != 2:
        raise ValueError(f'grid must be an int or (height, width), got {grid}')
    return grid


@dataclass(frozen=True)
class FeatureSpec:
    """What one recorded stage feature looks like (per image, batch excluded).

    Args:
        layout: 'nchw', 'nhwc' or 'nlc'.
        channels: C, the channel / embedding width.
        grid: spatial size ``H`` (square) or ``(H, W)`` of the map or patch grid.
        prefix: number of leading non-patch tokens ('nlc' only: 1 for a ViT
            class token, 0 for MLP-Mixer).
    """
    layout: str
    channels: int
    grid: Tuple[int, int]
    prefix: int = 0

    @classmethod
    def parse(cls, spec: Union['FeatureSpec', Mapping], where: str = 'feature') -> 'FeatureSpec':
        if isinstance(spec, FeatureSpec):
            return spec
        spec = dict(spec)
        unknown = set(spec) - {'layout', 'channels', 'grid', 'prefix'}
        if unknown or not {'layout', 'channels', 'grid'} <= set(spec):
            raise ValueError(f'{where}: a feature spec is dict(layout=..., channels=..., grid=..., prefix=0), '
                             f'got keys {sorted(spec)}')
        if spec['layout'] not in LAYOUTS:
            raise ValueError(f'{where}: layout must be one of {LAYOUTS}, got {spec["layout"]!r}')
        prefix = int(spec.get('prefix', 0))
        if prefix and spec['layout'] != 'nlc':
            raise ValueError(f'{where}: prefix tokens only exist in the nlc layout, got layout {spec["layout"]!r}')
        return cls(spec['layout'], int(spec['channels']), _pair(spec['grid']), prefix)

    @property
    def is_tokens(self) -> bool:
        return self.layout in ('nhwc', 'nlc')

    def expected_shape(self) -> tuple:
        h, w = self.grid
        return {'nchw': (self.channels, h, w), 'nhwc': (h, w, self.channels),
                'nlc': (self.prefix + h * w, self.channels)}[self.layout]

    def check(self, x: Tensor, who: str) -> None:
        if tuple(x.shape[1:]) != self.expected_shape():
            raise ValueError(f'{who}: expected a {self.layout} feature of shape (B, '
                             f'{", ".join(map(str, self.expected_shape()))}) as configured, '
                             f'got {tuple(x.shape)}; fix the stage spec in the config')

    def split_tokens(self, x: Tensor, who: str) -> Tuple[Tensor, Tensor]:
        """``(prefix tokens (B, P, C), patch grid (B, H, W, C))``; P = 0 for maps."""
        self.check(x, who)
        h, w = self.grid
        if self.layout == 'nchw':
            return x.new_zeros(x.shape[0], 0, self.channels), x.permute(0, 2, 3, 1)
        if self.layout == 'nhwc':
            return x.new_zeros(x.shape[0], 0, self.channels), x
        return x[:, :self.prefix], x[:, self.prefix:].reshape(x.shape[0], h, w, self.channels)

    def to_map(self, x: Tensor, who: str) -> Tensor:
        """The patch grid as ``(B, C, H, W)``; prefix tokens are dropped."""
        if self.layout == 'nchw':
            self.check(x, who)
            return x
        _, grid = self.split_tokens(x, who)
        return grid.permute(0, 3, 1, 2).contiguous()


@MODELS.register_module()
class TokensToMap(BaseConnector):
    """Parameter-free: any layout -> ``(B, C, H, W)`` (prefix tokens dropped).

    Used on the teacher side of a hint loss when the teacher is a transformer
    or MLP, so its tokens compare with a (regressed) student map.
    """

    def __init__(self, feature: Union[FeatureSpec, Mapping]) -> None:
        super().__init__()
        self.feature = FeatureSpec.parse(feature, 'TokensToMap')

    def forward_single(self, feature: Tensor) -> Tensor:
        return self.feature.to_map(feature, 'TokensToMap')
