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

Features are centred first by the source domain's mean feature (per channel,
over frames and places; the same vector is subtracted from the target
features, so a shift that a style causes still counts). Without it the
cosine of ReLU features is dominated by their common positive offset: a
random CNN scores about 0.8 between any two frames in any style.
"""
from typing import Dict

import torch
import torch.nn.functional as F
from torch import Tensor


def channel_dim(features: Tensor) -> int:
    """The channel dimension: 1 of an ``(N, C, H, W)`` map, the last of an ``(N, L, C)`` token sequence."""
    return 1 if features.dim() == 4 else features.dim() - 1


def same_place_cosine(source: Tensor, target: Tensor) -> float:
    """Mean over frames and places of ``cos(source[n, :, y, x], target[n, :, y, x])``.

    ``source`` and ``target``: ``(N, C, H, W)`` maps or ``(N, L, C)`` token
    sequences of the same frames, in the same order.
    """
    if source.shape != target.shape:
        raise ValueError(f'source features {tuple(source.shape)} and target features {tuple(target.shape)} '
                         'differ in shape: compare the same level of the same backbone')
    return F.cosine_similarity(source.float(), target.float(), dim=channel_dim(source), eps=1e-8).mean().item()


def centre_by_source(source: Tensor, target: Tensor):
    """Subtract the source's mean feature (per channel, over frames and places) from both."""
    dims = [d for d in range(source.dim()) if d != channel_dim(source)]
    mean = source.float().mean(dim=dims, keepdim=True)
    return source.float() - mean, target.float() - mean


def style_invariance(source: Tensor, target: Tensor, centre: bool = True) -> Dict[str, float]:
    """``same`` (same frame) and ``other`` (next frame, the baseline) place-wise cosines; needs >= 2 frames."""
    if source.shape[0] < 2:
        raise ValueError('the other-frame baseline needs at least 2 frames')
    if centre:
        source, target = centre_by_source(source, target)
    return dict(same=same_place_cosine(source, target),
                other=same_place_cosine(source, torch.roll(target, shifts=-1, dims=0)))
