"""GKD's query-based soft distillation (QSD) head.

Lv et al., "Generalizable Knowledge Distillation from Vision Foundation
Models for Semantic Segmentation", CVPR 2026. With student tokens ``S``
``(B, N, C_s)`` and the teacher's tokens ``T`` ``(B, N, C_t)`` of the same image:

    Q = Linear_q(LN(S)),  V = Linear_v(LN(S))      (B, N, C_t)
    K = T                                          (raw teacher tokens, no projection, no gradient)
    A = softmax_j(Q K^T)                           (B, N, N), one head, no 1/sqrt(d) scaling
    out = A V                                      (B, N, C_t)

Each student token queries the teacher's token set and retrieves a mixture of
(projected) student values, which the loss regresses onto the teacher: the
student selects which of the teacher's spatial knowledge to match instead of
matching every token one to one. For the class token alone (``N = 1``) the
softmax is 1 and ``out = V``. The scaling is a knob (``scale``) because the
reference omits it; its default (1.0) follows the reference.

The head is a connector that also reads the teacher's tokens: wire it with
``dict(model='student', recorder=..., connector='qsd',
connector_inputs=dict(keys=('teacher', 'tokens')))``.
"""
from __future__ import annotations

import torch
from torch import Tensor, nn

from mmkd.registry import MODELS
from .token_select import TOKEN_PARTS, select_tokens


@MODELS.register_module()
class QSDHead(nn.Module):
    """Args:
        in_channels: student width ``C_s``.
        out_channels: teacher width ``C_t``.
        part: the tokens of both sequences that take part: ``'patches'``,
            ``'cls'`` (the class token alone) or ``'all'``.
        num_prefix: leading non-patch tokens of both sequences.
        scale: multiplies ``Q K^T`` before the softmax (the reference: 1.0).
    """

    def __init__(self, in_channels: int, out_channels: int, part: str = 'patches', num_prefix: int = 1,
                 scale: float = 1.0) -> None:
        super().__init__()
        if part not in TOKEN_PARTS:
            raise ValueError(f'QSDHead: part must be one of {TOKEN_PARTS}, got {part!r}')
        self.in_channels, self.out_channels = in_channels, out_channels
        self.part, self.num_prefix, self.scale = part, num_prefix, float(scale)
        self.norm = nn.LayerNorm(in_channels)
        self.proj_q = nn.Linear(in_channels, out_channels)
        self.proj_v = nn.Linear(in_channels, out_channels)

    def _select(self, student: Tensor, keys: Tensor):
        s = select_tokens(student, self.part, self.num_prefix, 'QSDHead student tokens')
        k = select_tokens(keys, self.part, self.num_prefix, 'QSDHead teacher tokens (keys)')
        if s.shape[-1] != self.in_channels or k.shape[-1] != self.out_channels or s.shape[:2] != k.shape[:2]:
            raise ValueError(f'QSDHead({self.in_channels} -> {self.out_channels}, part={self.part!r}): student '
                             f'tokens {tuple(s.shape)} and teacher tokens {tuple(k.shape)} must be (B, N, '
                             f'{self.in_channels}) and (B, N, {self.out_channels}) with the same B and N (the '
                             'same patch grid)')
        return s, k.detach()

    def _softmax(self, q: Tensor, k: Tensor) -> Tensor:
        return torch.softmax(torch.bmm(q.float(), k.float().transpose(1, 2)) * self.scale, dim=-1)

    def attention(self, student: Tensor, keys: Tensor) -> Tensor:
        """``A = softmax(Q K^T)`` ``(B, N, N)``, computed in float32."""
        s, k = self._select(student, keys)
        return self._softmax(self.proj_q(self.norm(s)), k)

    def forward(self, student: Tensor, keys: Tensor) -> Tensor:
        s, k = self._select(student, keys)
        x = self.norm(s)
        attn = self._softmax(self.proj_q(x), k)
        v = self.proj_v(x)
        return torch.bmm(attn.to(v.dtype), v)
