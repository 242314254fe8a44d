"""Faster R-CNN RoI head with a CLIP object head and ViLD's score ensemble at inference.

The detection head (:class:`CLIPTextShared2FCBBoxHead`) learns base classes
from boxes; it is good on base categories and weak on novel ones, which it
never saw. The object head (:class:`CLIPEmbeddingHead`) learns nothing from
boxes: OADP's object distillation trains it to reproduce CLIP's object-aware
embeddings, so its cosine scores against the text embeddings carry CLIP's
knowledge of novel categories. ViLD (Gu et al., ICLR 2022) combines them per
class with a weighted geometric mean that trusts the detection head on base
classes and the object head on novel ones. With ``p = softmax(detection
logits)`` over the C classes + background, ``q = softmax(e_obj . t_c / T)``
over the C classes (``e_obj`` the object embedding, ``t_c`` the text
embeddings, ``T = object_temperature``) and ``lambda = ensemble_weight``::

    s_c = p_c^lambda       * q_c^(1 - lambda)   if c is a base class
    s_c = p_c^(1 - lambda) * q_c^lambda         if c is a novel class
    s_bg = max(0, 1 - sum_c s_c)

(ViLD: ``lambda = 2/3``.) mmdet's box head applies a softmax to whatever it
is given, so the head returns ``log(s)``; ``softmax(log s) = s / sum(s)``,
which is ``s`` itself whenever ``sum_c s_c <= 1`` (almost always: each
group's sum is at most 1 by Hoelder's inequality, and it takes confident,
disagreeing heads for the two groups together to pass 1); otherwise the
class scores of that box are renormalised to sum to 1 (``s_bg = 0``).

In training the head is mmdet's ``StandardRoIHead`` unchanged (the object
head is trained by the distiller, :class:`~mmkd.models.distillers.oadp_distiller.OADPDistiller`,
on the cached OAKE proposals), and the detection logits of novel classes
stay ``-inf``; in evaluation every column is finite.

Registered in mmkd; configs import it with ``custom_imports`` (it imports mmdet).
"""
from __future__ import annotations

from typing import Optional

import torch
from mmdet.models.roi_heads import StandardRoIHead
from torch import Tensor

from mmkd.registry import MODELS, scoped
from .embedding_head import CLIPEmbeddingHead  # noqa: F401  (registers the object head)
from .text_bbox_head import CLIPTextClassifier


def vild_ensemble_scores(det_logits: Tensor, object_logits: Tensor, novel_mask: Tensor,
                         ensemble_weight: float = 2.0 / 3.0) -> Tensor:
    """``(N, C + 1)`` ensembled probabilities (module docstring) of ``(N, C + 1)`` detection logits
    (background last) and ``(N, C)`` object-head logits; ``novel_mask`` is ``(C,)`` bool."""
    num_classes = object_logits.shape[-1]
    if det_logits.shape[-1] != num_classes + 1 or novel_mask.shape != (num_classes,):
        raise ValueError(f'vild_ensemble_scores: expected detection logits (N, {num_classes} + 1) and a novel mask '
                         f'({num_classes},) for object logits {tuple(object_logits.shape)}, got '
                         f'{tuple(det_logits.shape)} and {tuple(novel_mask.shape)}')
    if not 0 <= ensemble_weight <= 1:
        raise ValueError(f'vild_ensemble_scores: ensemble_weight must be in [0, 1], got {ensemble_weight}')
    p = det_logits.float().softmax(-1)
    q = object_logits.float().softmax(-1)
    exponent = torch.full((num_classes,), float(ensemble_weight), device=p.device)
    exponent[novel_mask.to(p.device)] = 1.0 - ensemble_weight
    classes = p[:, :num_classes].pow(exponent) * q.pow(1.0 - exponent)
    background = (1.0 - classes.sum(-1, keepdim=True)).clamp(min=0)
    scores = torch.cat([classes, background], dim=-1)
    return scores / scores.sum(-1, keepdim=True)


@MODELS.register_module()
class ViLDEnsembleRoIHead(StandardRoIHead):
    """Args:
        object_head: :class:`CLIPEmbeddingHead` config on the RoI features
            (``in_channels`` x ``roi_feat_size``\\ ^2 of the ``bbox_roi_extractor``);
            ``None``: a plain ``StandardRoIHead`` (no ensemble).
        ensemble_weight: ViLD's ``lambda`` (module docstring).
        object_temperature: of the object head's softmax over classes (ViLD/OADP: 0.01).
        The other arguments are ``StandardRoIHead``'s; ``bbox_head`` must be a
        :class:`CLIPTextShared2FCBBoxHead` (its text embeddings and novel
        classes are the ensemble's).
    """

    def __init__(self, object_head: Optional[dict] = None, ensemble_weight: float = 2.0 / 3.0,
                 object_temperature: float = 0.01, **kwargs) -> None:
        super().__init__(**kwargs)
        if not 0 <= ensemble_weight <= 1:
            raise ValueError(f'ViLDEnsembleRoIHead: ensemble_weight must be in [0, 1], got {ensemble_weight}')
        if object_temperature <= 0:
            raise ValueError(f'ViLDEnsembleRoIHead: object_temperature must be > 0, got {object_temperature}')
        self.ensemble_weight, self.object_temperature = float(ensemble_weight), float(object_temperature)
        self.object_head = None
        if object_head is not None:
            classifier = getattr(self.bbox_head, 'fc_cls', None)
            if not isinstance(classifier, CLIPTextClassifier):
                raise TypeError('ViLDEnsembleRoIHead: the object head needs a bbox_head whose fc_cls is a '
                                f'CLIPTextClassifier (mmkd.CLIPTextShared2FCBBoxHead), got '
                                f'{type(classifier).__name__}')
            self.object_head = MODELS.build(scoped({'type': 'CLIPEmbeddingHead', **object_head}))
            dim = classifier.text_embeddings.shape[1]
            if getattr(self.object_head, 'embed_dim', dim) != dim:
                raise ValueError(f'ViLDEnsembleRoIHead: object_head embed_dim {self.object_head.embed_dim} differs '
                                 f'from the text embeddings of the bbox head ({dim})')

    @property
    def text_classifier(self) -> CLIPTextClassifier:
        return self.bbox_head.fc_cls

    def object_logits(self, object_embeddings: Tensor) -> Tensor:
        """``(N, C)`` cosine scores of object embeddings against the class text embeddings, over T."""
        text = self.text_classifier.text_embeddings.to(object_embeddings.dtype)
        return object_embeddings @ text.T / self.object_temperature

    def _bbox_forward(self, x, rois: Tensor) -> dict:
        results = super()._bbox_forward(x, rois)
        if self.training or self.object_head is None:
            return results
        embeddings = self.object_head(results['bbox_feats'])
        classifier = self.text_classifier
        scores = vild_ensemble_scores(results['cls_score'], self.object_logits(embeddings),
                                      classifier.novel_mask[:classifier.num_classes], self.ensemble_weight)
        # mmdet's box head softmaxes cls_score: log-probabilities come back unchanged
        results['cls_score'] = scores.clamp(min=torch.finfo(scores.dtype).tiny).log()
        results['object_embeddings'] = embeddings
        return results
