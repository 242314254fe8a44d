"""Faster R-CNN box head that classifies with CLIP text embeddings (open-vocabulary student).

An open-vocabulary detector cannot have a learned weight row per class: it
never sees a box of a novel class. Instead (ViLD, OADP) a region feature is
projected into CLIP's embedding space and compared with the frozen text
embeddings of every category's prompts; a novel category then only needs its
name. Background has no name, so it gets a learned embedding.

``logits = scale * [normalize(W x) . t_c for each class c ; normalize(W x) . normalize(b)]``

* ``W``: :class:`NormalizedLinear` (``in_features -> D``, output L2-normalised:
  the region embedding that object distillation compares with CLIP's);
* ``t_c``: L2-normalised text embeddings ``(C, D)``, fixed (a buffer);
* ``b``: the learned background embedding, L2-normalised at every use;
* ``scale``: ``1 / temperature``, ``1 / 0.007`` in training and ``1 / 0.01``
  in evaluation (OADP's ViLD classifier);
* novel columns are ``-inf`` in training, so the softmax over base classes and
  background is that of a base-only detector and no gradient pushes the
  novel embeddings away from base boxes; in evaluation they are finite
  (``mask_novel_in_eval=True`` keeps them ``-inf`` there too: the closed-set
  detector on the base classes, a diagnostic of what the base detector knows
  apart from the open-vocabulary columns).

Background is the last column, mmdet's convention (label ``num_classes``).

**Novel scoring at test.** With every column finite at test, one softmax over
all of them lets a never-trained novel column take the probability mass of
every box, background included: with few classes in a small embedding space
a novel text embedding can sit close to the projected features of all
regions, and the base classes' scores then collapse although the base
detector is intact. ``novel_scoring='split'`` keeps the base classes and the
background on the softmax they were trained with (novel columns excluded)
and leaves the novel classes their scores of the joint softmax::

    p_b   = softmax(logits[base + bg])           # base classes and background, as trained
    p_n   = softmax(logits[all columns])[n]      # each novel class, as in ViLD/OADP
    probs = [p_b, p_n] / sum                     # renormalised (sum = 1 + sum_n p_n)

so a novel column can at most halve a base score, never erase it. The novel
scores are not gated by the trained background: that head was trained to
call novel objects background (their anchors are negatives), so gating would
erase exactly the detections open-vocabulary evaluation looks for.
``'joint'`` is the single softmax of ViLD/OADP. The head returns log-probabilities for ``'split'``, so
mmdet's softmax (and the ViLD ensemble) sees exactly ``probs``.

This module imports mmdet, which ``import mmkd`` does not (mmseg-only and
classification runs stay light); a config that uses the head registers it with
``custom_imports = dict(imports=['mmkd.models.oadp.text_bbox_head'], allow_failed_imports=False)``.
"""
from __future__ import annotations

import os.path as osp
from typing import Any, Optional, Sequence, Union

import torch
import torch.nn.functional as F
from mmdet.models.roi_heads.bbox_heads import Shared2FCBBoxHead
from torch import Tensor, nn

from mmkd.registry import MODELS

TextEmbeddings = Union[str, Tensor, Sequence[Sequence[float]]]
NOVEL_SCORING = ('joint', 'split')


def load_text_embeddings(source: TextEmbeddings, class_names: Optional[Sequence[str]] = None,
                         weights_only: bool = True) -> Tensor:
    """``(C, D)`` float32 text embeddings from a tensor, a nested list, or a ``.pth`` file.

    A file holds a tensor, or a dict with ``'embeddings'`` and optionally
    ``'classes'`` (as ``mmkd.ExportCLIPHook`` writes); with ``class_names``
    given, the file's class list must equal it, so a column never means
    another class than the config thinks.
    """
    where = 'text_embeddings'
    classes = None
    if isinstance(source, str):
        if not osp.isfile(source):
            raise FileNotFoundError(f'text_embeddings file not found: {source!r}')
        obj = torch.load(source, map_location='cpu', weights_only=weights_only)
        where = f'text_embeddings file {source!r}'
        if isinstance(obj, dict):
            if 'embeddings' not in obj:
                raise KeyError(f'{where} is a dict without an "embeddings" entry (keys: {sorted(obj)})')
            classes = obj.get('classes')
            obj = obj['embeddings']
        source = obj
    embeddings = torch.as_tensor(source, dtype=torch.float32)
    if embeddings.ndim != 2 or embeddings.shape[0] == 0:
        raise ValueError(f'{where} must be a (num_classes, dim) matrix, got shape {tuple(embeddings.shape)}')
    if class_names is not None and classes is not None and list(classes) != list(class_names):
        raise ValueError(f'{where} has classes {list(classes)}, the config expects {list(class_names)}')
    return embeddings


class NormalizedLinear(nn.Linear):
    """A linear layer whose output is L2-normalised (OADP's ``NormalizedLinear``)."""

    def forward(self, x: Tensor) -> Tensor:
        return F.normalize(super().forward(x), dim=-1)


@MODELS.register_module()
class CLIPTextClassifier(nn.Module):
    """Cosine classifier against fixed CLIP text embeddings plus a learned background (module docstring).

    Args:
        in_features: region feature size (set by mmdet's box head).
        out_features: ``num_classes + 1`` (set by mmdet's box head); checked
            against the number of text embeddings.
        text_embeddings: ``(num_classes, D)``; see :func:`load_text_embeddings`.
        novel_classes: indices of the novel classes (``-inf`` in training).
        train_temperature / test_temperature: logits are similarities divided by these.
        mask_novel_in_eval: keep the novel columns ``-inf`` in evaluation too
            (closed-set diagnostic; off for open-vocabulary evaluation).
        novel_scoring: ``'joint'`` (one softmax over every column, ViLD/OADP)
            or ``'split'`` (base classes and background from the softmax they
            were trained with; module docstring). Evaluation only.
    """

    def __init__(self, in_features: int, out_features: int, text_embeddings: TextEmbeddings,
                 novel_classes: Sequence[int] = (), train_temperature: float = 0.007,
                 test_temperature: float = 0.01, class_names: Optional[Sequence[str]] = None,
                 mask_novel_in_eval: bool = False, novel_scoring: str = 'joint') -> None:
        super().__init__()
        embeddings = load_text_embeddings(text_embeddings, class_names)
        num_classes, dim = embeddings.shape
        if out_features != num_classes + 1:
            raise ValueError(f'CLIPTextClassifier: the box head asks for {out_features} outputs (num_classes + 1 '
                             f'background) but text_embeddings has {num_classes} classes; set the head\'s '
                             f'num_classes={num_classes}')
        novel = sorted({int(i) for i in novel_classes})
        if novel and (novel[0] < 0 or novel[-1] >= num_classes):
            raise ValueError(f'CLIPTextClassifier: novel_classes {novel} must be indices in [0, {num_classes})')
        if len(novel) == num_classes:
            raise ValueError('CLIPTextClassifier: every class is novel; training would have no class to learn')
        for name, value in (('train_temperature', train_temperature), ('test_temperature', test_temperature)):
            if value <= 0:
                raise ValueError(f'CLIPTextClassifier: {name} must be > 0, got {value}')
        self.projection = NormalizedLinear(in_features, dim)
        self.register_buffer('text_embeddings', F.normalize(embeddings, dim=-1))
        self.background_embedding = nn.Parameter(F.normalize(torch.randn(dim), dim=0))
        novel_mask = torch.zeros(num_classes + 1, dtype=torch.bool)
        novel_mask[novel] = True
        self.register_buffer('novel_mask', novel_mask, persistent=False)
        self.train_temperature, self.test_temperature = float(train_temperature), float(test_temperature)
        self.mask_novel_in_eval = bool(mask_novel_in_eval)
        if novel_scoring not in NOVEL_SCORING:
            raise ValueError(f'CLIPTextClassifier: novel_scoring must be one of {NOVEL_SCORING}, got {novel_scoring!r}')
        self.novel_scoring = novel_scoring

    @property
    def num_classes(self) -> int:
        return self.text_embeddings.shape[0]

    def forward(self, x: Tensor) -> Tensor:
        region = self.projection(x)
        classes = torch.cat([self.text_embeddings, F.normalize(self.background_embedding, dim=0)[None]])
        logits = region @ classes.to(region.dtype).T
        logits = logits / (self.train_temperature if self.training else self.test_temperature)
        if not bool(self.novel_mask.any()):
            return logits
        if self.training or self.mask_novel_in_eval:
            return logits.masked_fill(self.novel_mask, float('-inf'))
        if self.novel_scoring == 'split':
            return split_novel_log_probs(logits, self.novel_mask)
        return logits


def split_novel_log_probs(logits: Tensor, novel_mask: Tensor) -> Tensor:
    """``log`` of the ``'split'`` probabilities (module docstring) of ``(N, C + 1)`` logits, background last;
    ``novel_mask`` is ``(C + 1,)`` bool (background never novel)."""
    logits = logits.float()
    probs = logits.masked_fill(novel_mask, float('-inf')).softmax(-1)  # base + background, as trained
    probs = torch.where(novel_mask, logits.softmax(-1), probs)  # novel: the joint softmax
    probs = probs / probs.sum(-1, keepdim=True)
    return probs.clamp(min=torch.finfo(probs.dtype).tiny).log()


@MODELS.register_module()
class CLIPTextShared2FCBBoxHead(Shared2FCBBoxHead):
    """mmdet's ``Shared2FCBBoxHead`` with :class:`CLIPTextClassifier` as ``fc_cls``.

    Args:
        text_embeddings, novel_classes, train_temperature, test_temperature,
        class_names, mask_novel_in_eval, novel_scoring: see :class:`CLIPTextClassifier`.
        The other arguments are ``Shared2FCBBoxHead``'s (``num_classes`` must
        equal the number of text embeddings; OADP regresses class-agnostically,
        ``reg_class_agnostic=True``, since novel classes have no regression rows).
    """

    def __init__(self, text_embeddings: TextEmbeddings, novel_classes: Sequence[int] = (),
                 train_temperature: float = 0.007, test_temperature: float = 0.01,
                 class_names: Optional[Sequence[str]] = None, mask_novel_in_eval: bool = False,
                 novel_scoring: str = 'joint', **kwargs: Any) -> None:
        if 'cls_predictor_cfg' in kwargs:
            raise ValueError('CLIPTextShared2FCBBoxHead builds its own cls_predictor_cfg (CLIPTextClassifier); '
                             'do not set it')
        embeddings = load_text_embeddings(text_embeddings, class_names)  # read the file once
        kwargs['cls_predictor_cfg'] = dict(type='mmkd.CLIPTextClassifier', text_embeddings=embeddings,
                                           novel_classes=tuple(novel_classes),
                                           train_temperature=train_temperature, test_temperature=test_temperature,
                                           mask_novel_in_eval=mask_novel_in_eval, novel_scoring=novel_scoring)
        super().__init__(**kwargs)
