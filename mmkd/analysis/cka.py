"""Linear CKA between the stage features of a teacher and a student.

Kornblith et al., "Similarity of Neural Network Representations Revisited",
ICML 2019. OFA-KD (Hao et al., 2023) uses it to show that a CNN and a ViT
learn dissimilar intermediate features, which is why hint losses (FitNet)
transfer badly between families and OFA distils in the logits space instead.

For feature matrices ``X (n, p)`` and ``Y (n, q)`` of the same ``n`` images
(each image's feature flattened), with centred Gram matrices
``K = Xc Xc^T`` and ``L = Yc Yc^T``::

    CKA(X, Y) = <K, L>_F / (||K||_F ||L||_F)

This is the standard (biased) HSIC estimator, not the unbiased one of
Nguyen et al.; it is 1 for identical features, invariant to orthogonal
transforms and isotropic scaling of either side, and near 0 for independent
features when ``n`` is much larger than the feature rank. The Gram form costs
``O(n^2 (p + q))`` and never builds ``p x q`` matrices, so full-resolution
stage maps are fine for a few thousand images.
"""
from __future__ import annotations

from typing import Dict, Iterable, List, Sequence

import torch
from torch import Tensor, nn

from mmkd.models.recorders import RecorderManager


def _centred_gram(x: Tensor) -> Tensor:
    x = x.reshape(x.shape[0], -1).double()
    x = x - x.mean(dim=0, keepdim=True)
    return x @ x.T


def linear_cka(x: Tensor, y: Tensor) -> float:
    """Linear CKA of two feature sets of the same images (first dim = images)."""
    if x.shape[0] != y.shape[0]:
        raise ValueError(f'linear_cka: both feature sets need the same number of images, '
                         f'got {x.shape[0]} and {y.shape[0]}')
    if x.shape[0] < 2:
        raise ValueError('linear_cka needs at least 2 images')
    k, l = _centred_gram(x), _centred_gram(y)
    denom = k.norm() * l.norm()
    if denom == 0:
        raise ValueError('linear_cka: a feature set is constant over the images (zero variance)')
    return float((k * l).sum() / denom)


def cka_matrix(teacher_feats: Sequence[Tensor], student_feats: Sequence[Tensor]) -> Tensor:
    """``(len(teacher), len(student))`` matrix of linear CKA between every stage pair."""
    return torch.tensor([[linear_cka(t, s) for s in student_feats] for t in teacher_feats])


@torch.no_grad()
def collect_stage_features(model: nn.Module, sources: Sequence[str], batches: Iterable[dict],
                           model_name: str = 'model') -> List[Tensor]:
    """Run ``model`` (an mmengine model in eval mode) on ``batches`` and return,
    per module path in ``sources``, the outputs of all images stacked on dim 0
    (flattened per image, float32, on the CPU)."""
    manager = RecorderManager(model, {str(i): dict(type='ModuleOutputs', source=s)
                                      for i, s in enumerate(sources)}, model_name)
    collected: Dict[int, List[Tensor]] = {i: [] for i in range(len(sources))}
    model.eval()
    try:
        for batch in batches:
            data = model.data_preprocessor(batch, False)
            with manager.recording():
                model(data['inputs'], data.get('data_samples'), mode='tensor')
            for i in range(len(sources)):
                value = manager.get(str(i))
                if not isinstance(value, Tensor):
                    raise TypeError(f'{model_name} stage {sources[i]!r} returned {type(value).__name__}, '
                                    'not a tensor (does the module run more than once per forward?)')
                collected[i].append(value.detach().float().flatten(1).cpu())
    finally:
        manager.detach()
    if not collected[0]:
        raise ValueError('collect_stage_features: no batches')
    return [torch.cat(collected[i]) for i in range(len(sources))]
