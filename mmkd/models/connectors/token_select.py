"""Pick the class token or the patch tokens of a ``(B, P + N, C)`` token sequence.

Foundation-model teachers and token students (``mmkd.FoundationTeacher``,
``mmkd.MaskedTokenStudent``) record one sequence: ``P`` prefix tokens (the
class token) then ``N`` patch tokens. Losses on the image-level token and on
the patch tokens read the same recorder through this parameter-free connector.
"""
from __future__ import annotations

from torch import Tensor

from mmkd.registry import MODELS
from .base_connector import BaseConnector

TOKEN_PARTS = ('cls', 'patches', 'all')


def select_tokens(tokens: Tensor, part: str, num_prefix: int = 1, who: str = 'tokens') -> Tensor:
    """``'cls'``: ``(B, 1, C)`` the first token; ``'patches'``: ``(B, N, C)``; ``'all'``: unchanged."""
    if tokens.dim() != 3:
        raise ValueError(f'{who}: expected a (B, tokens, C) sequence, got shape {tuple(tokens.shape)}')
    if part == 'cls':
        if num_prefix < 1:
            raise ValueError(f'{who}: part="cls" needs a class token (num_prefix >= 1)')
        return tokens[:, :1]
    if part == 'patches':
        if tokens.shape[1] <= num_prefix:
            raise ValueError(f'{who}: {tokens.shape[1]} token(s), none after the {num_prefix} prefix token(s)')
        return tokens[:, num_prefix:]
    if part == 'all':
        return tokens
    raise ValueError(f'{who}: part must be one of {TOKEN_PARTS}, got {part!r}')


@MODELS.register_module()
class TokenSelect(BaseConnector):
    """Args:
        part: ``'cls'``, ``'patches'`` or ``'all'``.
        num_prefix: leading non-patch tokens (1: the class token).
    """

    def __init__(self, part: str, num_prefix: int = 1) -> None:
        super().__init__()
        if part not in TOKEN_PARTS:
            raise ValueError(f'TokenSelect: part must be one of {TOKEN_PARTS}, got {part!r}')
        self.part, self.num_prefix = part, num_prefix

    def forward_single(self, feature: Tensor) -> Tensor:
        return select_tokens(feature, self.part, self.num_prefix, 'TokenSelect')
