"""Zero-shot classification with CLIP: the check that a (small, self-trained) CLIP is a usable teacher.

A crop is assigned the category whose prompt-ensembled text embedding has
the largest cosine similarity with the crop's image embedding, among all
categories (base and novel together, as a detector's classifier sees them).
Accuracy is reported over all crops and per group of categories (base / novel),
as :class:`~mmkd.evaluation.ZeroShotAccuracy` reports it in training.
"""
from __future__ import annotations

from typing import Dict, Mapping, Optional, Sequence

import torch
import torch.nn.functional as F
from torch import Tensor

from mmkd.evaluation.metrics.zero_shot_accuracy import grouped_accuracy


def zero_shot_predictions(image_embeddings: Tensor, text_embeddings: Tensor) -> Tensor:
    """``(N,)`` category indices: argmax over ``(C, D)`` text embeddings of the cosine similarity."""
    if image_embeddings.ndim != 2 or text_embeddings.ndim != 2 \
            or image_embeddings.shape[1] != text_embeddings.shape[1]:
        raise ValueError(f'zero-shot classification needs (N, D) image and (C, D) text embeddings, got '
                         f'{tuple(image_embeddings.shape)} and {tuple(text_embeddings.shape)}')
    sims = F.normalize(image_embeddings.float(), dim=-1) @ F.normalize(text_embeddings.float(), dim=-1).T
    return sims.argmax(dim=1)


def zero_shot_accuracy(image_embeddings: Tensor, labels: Tensor, text_embeddings: Tensor,
                       groups: Optional[Mapping[str, Sequence[int]]] = None) -> Dict[str, float]:
    """Top-1 accuracy over all crops (``'all'``) and over the crops whose label is in each group.

    ``groups`` maps a name (``'base'``, ``'novel'``) to category indices; a
    group without crops gets ``nan`` (no evidence), not 0.
    """
    labels = torch.as_tensor(labels).long().reshape(-1)
    if len(labels) != len(image_embeddings):
        raise ValueError(f'zero_shot_accuracy: {len(image_embeddings)} image embeddings but {len(labels)} labels')
    if len(labels) and (labels.min() < 0 or labels.max() >= len(text_embeddings)):
        raise ValueError(f'zero_shot_accuracy: labels must lie in [0, {len(text_embeddings)}), got '
                         f'[{int(labels.min())}, {int(labels.max())}]')
    return grouped_accuracy(zero_shot_predictions(image_embeddings, text_embeddings), labels, groups)
