"""How much a backbone's dense features change when only the appearance of a frame changes.

A domain-generalisation benchmark renders the same frame (layout and labels)
in several styles. A backbone whose features at one place stay the same across
styles lets a head trained on the source style transfer; this is what a
foundation teacher should pass on in GKD. Two numbers per style pair:

* ``same``: mean cosine similarity between the source and the target feature
  *at the same place of the same frame*;
* ``other``: the same, but against the target feature of *another frame* at
  that place (frame ``i`` against frame ``i + 1``): the similarity that the
  position and the style alone explain.

``same`` close to 1 and well above ``other`` means a style-invariant feature.
"""
from typing import Dict

import torch
import torch.nn.functional as F
from torch import Tensor


def same_place_cosine(source: Tensor, target: Tensor) -> float:
    """Mean over frames and places of ``cos(source[n, :, y, x], target[n, :, y, x])``.

    ``source`` and ``target``: ``(N, C, H, W)`` maps or ``(N, L, C)`` token
    sequences of the same frames, in the same order.
    """
    if source.shape != target.shape:
        raise ValueError(f'source features {tuple(source.shape)} and target features {tuple(target.shape)} '
                         'differ in shape: compare the same level of the same backbone')
    channel_dim = 1 if source.dim() == 4 else -1
    return F.cosine_similarity(source.float(), target.float(), dim=channel_dim, eps=1e-8).mean().item()


def style_invariance(source: Tensor, target: Tensor) -> Dict[str, float]:
    """``same`` (same frame) and ``other`` (next frame, the baseline) place-wise cosines; needs >= 2 frames."""
    if source.shape[0] < 2:
        raise ValueError('the other-frame baseline needs at least 2 frames')
    return dict(same=same_place_cosine(source, target),
                other=same_place_cosine(source, torch.roll(target, shifts=-1, dims=0)))
