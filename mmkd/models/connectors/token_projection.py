"""``Linear(LayerNorm(x))`` over the channels of a token sequence: a student-to-teacher width map.

The plain feature-distillation heads of Proteus (Zhang et al., 2024) and the
value/query projections of GKD's query heads are this map; as a connector it
regresses student tokens ``(B, L, C_s)`` onto teacher tokens ``(B, L, C_t)``.
"""
from __future__ import annotations

from torch import Tensor, nn

from mmkd.registry import MODELS
from .base_connector import BaseConnector
from .token_select import TOKEN_PARTS, select_tokens


@MODELS.register_module()
class TokenProjection(BaseConnector):
    """Args:
        in_channels / out_channels: student and teacher widths.
        part: which tokens to project (``'all'``, ``'cls'``, ``'patches'``).
        num_prefix: leading non-patch tokens of the sequence.
    """

    def __init__(self, in_channels: int, out_channels: int, part: str = 'all', num_prefix: int = 1) -> None:
        super().__init__()
        if part not in TOKEN_PARTS:
            raise ValueError(f'TokenProjection: part must be one of {TOKEN_PARTS}, got {part!r}')
        self.part, self.num_prefix = part, num_prefix
        self.norm = nn.LayerNorm(in_channels)
        self.proj = nn.Linear(in_channels, out_channels)

    def forward_single(self, feature: Tensor) -> Tensor:
        tokens = select_tokens(feature, self.part, self.num_prefix, 'TokenProjection')
        if tokens.shape[-1] != self.norm.normalized_shape[0]:
            raise ValueError(f'TokenProjection: expected {self.norm.normalized_shape[0]} channels, '
                             f'got shape {tuple(tokens.shape)}')
        return self.proj(self.norm(tokens))
