"""OAKE of one image: the five outputs OADP distils, computed with a CLIP teacher.

* ``proposals`` ``(N, 4)`` boxes (x1, y1, x2, y2, image pixels) and
  ``objects`` ``(N, D)`` their object-aware embeddings (adaptive square crop,
  background masked in the attention: :mod:`.object_attention`);
* ``block_boxes`` ``(M, 4)`` (the whole image first) and ``blocks`` ``(M, D)``,
  the embeddings of sliding blocks (:mod:`.blocks`);
* ``global`` ``(D,)``, the whole image's embedding.

:mod:`.oake_extraction` computes them for every training image into the
cache that :mod:`.oake_cache` reads.
"""
from __future__ import annotations

from typing import Dict

import torch
from torch import Tensor

from .embeddings import block_embeddings, global_embedding, object_embeddings
from .object_attention import ObjectAwareEncoder


@torch.no_grad()
def compute_oake(encoder: ObjectAwareEncoder, encode_image, image: Tensor, proposals: Tensor,
                 block_size: float = 224, max_stride: float = 112, scale_ratio: float = 8.0,
                 batch_size: int = 512) -> Dict[str, Tensor]:
    """The five OAKE outputs of one CLIP-normalised ``(3, H, W)`` image (see the module docstring)."""
    input_size = tuple(encoder.visual.image_size)
    proposals = proposals.float().to(image.device)
    block_boxes, blocks = block_embeddings(encode_image, image, input_size, block_size, max_stride, batch_size)
    return {'proposals': proposals,
            'objects': object_embeddings(encoder, image, proposals, scale_ratio, batch_size),
            'block_boxes': block_boxes, 'blocks': blocks,
            'global': global_embedding(encode_image, image, input_size)}
