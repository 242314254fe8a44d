"""A head that maps region (or whole-image) features into CLIP's embedding space.

OADP's three pyramid levels each have one: the object head (on RoI features
of proposals; kept in the detector, since the ViLD ensemble uses it at
inference), the block head (RoI features of the sliding blocks) and the
global head (pooled FPN features). Each ends in a :class:`NormalizedLinear`,
so its output is compared directly with the teacher's L2-normalised OAKE
embeddings, and scores categories by cosine similarity with their text
embeddings, the same way the detector's classifier does.

``forward(x)``: ``(N, C, S, S)`` or ``(N, C)`` features -> flatten -> ``num_fcs``
x (Linear + ReLU) -> ``NormalizedLinear`` -> ``(N, embed_dim)``.

``multilabel_logits(e, text)``: ``e @ normalize(text)^T / temperature + bias``,
per-category logits for a sigmoid multi-label loss; the learned scalar bias
lets the head say "absent" for every category of a region (cosine
similarities of unrelated embeddings are not 0), which a softmax need not.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from mmengine.model import BaseModule
from torch import Tensor, nn

from mmkd.registry import MODELS
from .text_bbox_head import NormalizedLinear


@MODELS.register_module()
class CLIPEmbeddingHead(BaseModule):
    """Args:
        in_channels: channels of the input features.
        embed_dim: CLIP embedding size (the OAKE cache's and the text embeddings').
        roi_feat_size: spatial side of the input (7 for RoIAlign 7x7, 1 for pooled vectors).
        num_fcs, fc_out_channels: hidden layers before the projection (Shared2FC: 2 x 1024).
        temperature: of :meth:`multilabel_logits`.
        with_logit_bias: learn the bias of :meth:`multilabel_logits`; ``False``
            for a head without a multi-label loss (the object head), so no
            parameter is left without a gradient (DDP).
    """

    def __init__(self, in_channels: int, embed_dim: int, roi_feat_size: int = 7, num_fcs: int = 2,
                 fc_out_channels: int = 1024, temperature: float = 0.07, with_logit_bias: bool = True,
                 init_cfg=None) -> None:
        super().__init__(init_cfg)
        if temperature <= 0:
            raise ValueError(f'CLIPEmbeddingHead: temperature must be > 0, got {temperature}')
        self.in_channels, self.roi_feat_size, self.embed_dim = in_channels, roi_feat_size, embed_dim
        layers, width = [], in_channels * roi_feat_size * roi_feat_size
        for _ in range(num_fcs):
            layers += [nn.Linear(width, fc_out_channels), nn.ReLU(inplace=True)]
            width = fc_out_channels
        self.fcs = nn.Sequential(*layers)
        self.projection = NormalizedLinear(width, embed_dim)
        self.logit_bias = nn.Parameter(torch.zeros(())) if with_logit_bias else None
        self.temperature = float(temperature)

    def forward(self, x: Tensor) -> Tensor:
        expected = self.in_channels * self.roi_feat_size ** 2
        flat = x.flatten(1)
        if flat.shape[1] != expected:
            raise ValueError(f'CLIPEmbeddingHead: expected features of {self.in_channels} x {self.roi_feat_size} x '
                             f'{self.roi_feat_size} = {expected} values per row, got shape {tuple(x.shape)}')
        return self.projection(self.fcs(flat))

    def multilabel_logits(self, embeddings: Tensor, text_embeddings: Tensor) -> Tensor:
        text = F.normalize(text_embeddings.to(embeddings.dtype), dim=-1)
        logits = embeddings @ text.T / self.temperature
        return logits if self.logit_bias is None else logits + self.logit_bias
