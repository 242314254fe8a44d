"""OADP's distillation pyramid: object, block and global losses against cached CLIP embeddings.

Wang et al., "Object-Aware Distillation Pyramid for Open-Vocabulary Object
Detection", CVPR 2023. The CLIP teacher never runs while the detector
trains: its object-aware (OAKE) embeddings of every training image were
extracted once into a cache (``tools/extract_oake_features.py``,
:class:`~mmkd.models.oadp.OAKEFeatureCache`), keyed by image id. Per batch,
for each image this distiller reads the cached entry, maps its boxes (stored
in original image pixels) into the augmented image through the sample's
metainfo (:func:`~mmkd.models.oadp.box_mapping.map_cached_boxes`: resize and
flip), RoI-pools the student's FPN features (recorded from its ``neck``
during the student's own forward, so nothing is computed twice) and adds:

* ``object``: the student's object head (``roi_head.object_head``, kept in
  the detector for the ViLD ensemble) on the cached proposals, L1 to their
  object embeddings (``ObjectDistillLoss``, OADP weight 256);
* ``block``: the block head on the cached block boxes, L1 + inner-product
  relation to the block embeddings (``BlockDistillLoss``, 128 / 8), and
  ``block_multilabel``: an asymmetric multi-label loss (16) whose labels are
  the classes of the GT boxes inside each block;
* ``global_mse``: the global head on the mean of the globally average-pooled
  FPN levels, summed squared error to the whole-image embedding
  (``GlobalDistillLoss``, 0.5), and ``global_multilabel`` (ASL, 4) on the
  image's GT classes.

Multi-label losses use the base columns only: the training annotation has
no novel boxes, so every novel label would be 0 and the loss would teach the
heads that novel classes never occur, the opposite of open vocabulary.

Switches: ``levels`` picks the levels computed (the ablation rows are
``()``, ``('object',)``, ``('object', 'block')`` and all three); a level's
heads are built only when it is on, its losses may stay configured (so one
``DistillLossWeightScheduleHook`` with the spec's warm-ups serves every
row). Loss names are fixed (``object``, ``block``, ``block_multilabel``,
``global_mse``, ``global_multilabel``; identifiers, since mmengine writes
config dicts as ``dict(name=...)``) and logged as ``distill.<name>``, like
every distiller's.

Why a sibling of :class:`ConfigurableDistiller` and not a subclass: its
losses are not a function of recorded features alone (each needs cache
entries, boxes mapped through the augmentation and RoI pooling on them), so
it implements :class:`BaseDistiller`'s ``compute_losses`` itself and shares
the rest of the contract (recorders, weight factors, loss keys).

The heads (block, global) are training-only: they live here, not in the
student, and vanish from student exports.
"""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Sequence

import torch
import torch.nn.functional as F
from mmdet.structures.bbox import bbox2roi
from torch import Tensor, nn

from mmkd.models.oadp.box_mapping import map_cached_boxes
from mmkd.models.oadp.embedding_head import CLIPEmbeddingHead  # noqa: F401  (registers it)
from mmkd.models.oadp.multilabel_targets import region_multilabels
from mmkd.models.oadp.oake_cache import OAKEFeatureCache
from mmkd.models.oadp.text_bbox_head import CLIPTextClassifier
from mmkd.registry import MODELS, scoped
from .base_distiller import BaseDistiller

LEVELS = ('object', 'block', 'global')
LEVEL_LOSSES = {'object': ('object',), 'block': ('block', 'block_multilabel'),
                'global': ('global_mse', 'global_multilabel')}
REQUIRED_LOSSES = {'object': 'object', 'block': 'block', 'global': 'global_mse'}
FPN_RECORDER = 'fpn'


@MODELS.register_module()
class OADPDistiller(BaseDistiller):
    """Args:
        cache_dir: the OAKE cache of the training annotation (opened at the first step).
        levels: pyramid levels computed, a subset of ``('object', 'block', 'global')``.
        losses: ``{name: loss cfg}`` with names from the module docstring;
            each enabled level needs its L1/MSE loss, the multi-label ones are optional.
        block_head / global_head: :class:`~mmkd.models.oadp.embedding_head.CLIPEmbeddingHead`
            configs (needed when their level is on).
        max_objects_per_image: random subset of the cached proposals per image
            and step (``None``: all); bounds the cost on images with many proposals.
        block_inside_thr: a GT box counts for a block when this fraction of it is inside.
        neck: module path of the student's FPN (its outputs are recorded).
        verify_hashes: check every cache shard's sha256 when opening it.
    """

    def __init__(self, cache_dir: str, levels: Sequence[str] = LEVELS, losses: Optional[Dict[str, dict]] = None,
                 block_head: Optional[dict] = None, global_head: Optional[dict] = None,
                 max_objects_per_image: Optional[int] = None, block_inside_thr: float = 0.5,
                 neck: str = 'neck', verify_hashes: bool = False, init_cfg: Optional[dict] = None) -> None:
        levels = tuple(levels)
        unknown = [lv for lv in levels if lv not in LEVELS]
        if unknown or len(set(levels)) != len(levels):
            raise ValueError(f'OADPDistiller: levels must be distinct names from {LEVELS}, got {levels}')
        losses = dict(losses or {})
        known = [n for lv in LEVELS for n in LEVEL_LOSSES[lv]]
        bad = sorted(set(losses) - set(known))
        if bad:
            raise KeyError(f'OADPDistiller: unknown losses {bad}; OADP losses are named {known}')
        missing = [REQUIRED_LOSSES[lv] for lv in levels if REQUIRED_LOSSES[lv] not in losses]
        if missing:
            raise KeyError(f'OADPDistiller: levels {levels} need the losses {missing} in `losses`')
        super().__init__(recorders=dict(student={FPN_RECORDER: dict(type='ModuleOutputs', source=neck)}),
                         losses=losses, init_cfg=init_cfg)
        self.levels = levels
        self.heads = nn.ModuleDict()
        for level, cfg in (('block', block_head), ('global', global_head)):
            if level not in levels:
                continue
            if cfg is None:
                raise KeyError(f'OADPDistiller: level {level!r} is on but {level}_head is not configured')
            self.heads[level] = MODELS.build(scoped(cfg))
        if max_objects_per_image is not None and max_objects_per_image < 1:
            raise ValueError(f'OADPDistiller: max_objects_per_image must be >= 1 or None, got {max_objects_per_image}')
        self.max_objects_per_image = max_objects_per_image
        self.block_inside_thr = float(block_inside_thr)
        self.cache_dir, self.verify_hashes = cache_dir, verify_hashes
        self._cache: Optional[OAKEFeatureCache] = None
        self._models: Dict[str, nn.Module] = {}  # a plain dict: the student is not a submodule of the distiller

    # ------------------------------------------------------------------ build
    def prepare(self, models: Dict[str, nn.Module]) -> None:
        """Attach the FPN recorder and check the student has what each level needs."""
        super().prepare(models)
        student = models['student']
        roi_head = getattr(student, 'roi_head', None)
        classifier = getattr(getattr(roi_head, 'bbox_head', None), 'fc_cls', None)
        if not isinstance(classifier, CLIPTextClassifier):
            raise TypeError('OADPDistiller: the student must be a two-stage detector whose roi_head.bbox_head.fc_cls '
                            'is a CLIPTextClassifier (mmkd.CLIPTextShared2FCBBoxHead), got '
                            f'{type(classifier).__name__}')
        if 'object' in self.levels and getattr(roi_head, 'object_head', None) is None:
            raise KeyError('OADPDistiller: level "object" needs the student roi_head to have an object_head '
                           '(type=mmkd.ViLDEnsembleRoIHead, object_head=dict(type=mmkd.CLIPEmbeddingHead, ...))')
        dim = classifier.text_embeddings.shape[1]
        heads = dict(self.heads.items())
        if 'object' in self.levels:
            heads['object'] = roi_head.object_head
        for level, head in heads.items():
            if getattr(head, 'embed_dim', dim) != dim:
                raise ValueError(f'OADPDistiller: the {level} head embeds into {head.embed_dim} dimensions, the '
                                 f'student\'s text embeddings have {dim}')
        self._models['student'] = student

    @property
    def cache(self) -> OAKEFeatureCache:
        if self._cache is None:
            self._cache = OAKEFeatureCache(self.cache_dir, verify_hashes=self.verify_hashes)
        return self._cache

    # -------------------------------------------------------------- compute
    def _read(self, data_samples: List[Any], device: torch.device) -> List[Dict[str, Tensor]]:
        """The cached entry of each sample, boxes mapped into its augmented image."""
        entries = []
        for sample in data_samples:
            meta = sample.metainfo
            if 'img_id' not in meta:
                raise KeyError(f'OADPDistiller: a data sample has no img_id (metainfo keys {sorted(meta)}); the OAKE '
                               f'cache {self.cache_dir!r} is keyed by it')
            entry = dict(self.cache.get(meta['img_id'], device=device))
            where = f'image id {meta["img_id"]}'
            for name in ('proposals', 'block_boxes'):
                entry[name] = map_cached_boxes(entry[name], meta, where)
            entries.append(entry)
        return entries

    def _roi_features(self, feats: Sequence[Tensor], boxes: List[Tensor]) -> Tensor:
        extractor = self._models['student'].roi_head.bbox_roi_extractor
        return extractor(tuple(feats[:extractor.num_inputs]), bbox2roi(boxes))

    def _object_loss(self, feats, entries: List[Dict[str, Tensor]]) -> Tensor:
        boxes, targets = [], []
        for entry in entries:
            proposals, objects = entry['proposals'], entry['objects']
            if self.max_objects_per_image is not None and len(proposals) > self.max_objects_per_image:
                keep = torch.randperm(len(proposals), device=proposals.device)[:self.max_objects_per_image]
                proposals, objects = proposals[keep], objects[keep]
            boxes.append(proposals)
            targets.append(objects)
        head = self._models['student'].roi_head.object_head
        preds = head(self._roi_features(feats, boxes))
        if len(preds) == 0:  # no proposal in the batch: a zero that still reaches the head (DDP)
            return preds.sum() * 0
        return self.losses['object'](preds, torch.cat(targets).to(preds.dtype))

    def _multilabel(self, name: str, head: CLIPEmbeddingHead, preds: Tensor, labels: Tensor) -> Tensor:
        classifier = self._models['student'].roi_head.bbox_head.fc_cls
        base = ~classifier.novel_mask[:classifier.num_classes]
        logits = head.multilabel_logits(preds, classifier.text_embeddings)
        return self.losses[name](logits[:, base], labels[:, base])

    def _block_losses(self, feats, entries, data_samples) -> Dict[str, Tensor]:
        head = self.heads['block']
        preds = head(self._roi_features(feats, [e['block_boxes'] for e in entries]))
        out = {'block': self.losses['block'](preds, torch.cat([e['blocks'] for e in entries]).to(preds.dtype))}
        if self.active('block_multilabel'):
            num_classes = self._models['student'].roi_head.bbox_head.fc_cls.num_classes
            labels = torch.cat([
                region_multilabels(e['block_boxes'], s.gt_instances.bboxes.to(preds.device).float(),
                                   s.gt_instances.labels.to(preds.device), num_classes, self.block_inside_thr)
                for e, s in zip(entries, data_samples)])
            out['block_multilabel'] = self._multilabel('block_multilabel', head, preds, labels)
        return out

    def _global_losses(self, feats, entries, data_samples) -> Dict[str, Tensor]:
        head = self.heads['global']
        pooled = torch.stack([F.adaptive_avg_pool2d(level, 1).flatten(1) for level in feats]).mean(0)
        preds = head(pooled)
        targets = torch.stack([e['global'] for e in entries]).to(preds.dtype)
        out = {'global_mse': self.losses['global_mse'](preds, targets)}
        if self.active('global_multilabel'):
            classifier = self._models['student'].roi_head.bbox_head.fc_cls
            labels = preds.new_zeros(len(data_samples), classifier.num_classes)
            for i, sample in enumerate(data_samples):
                labels[i, sample.gt_instances.labels.long().to(preds.device)] = 1.0
            out['global_multilabel'] = self._multilabel('global_multilabel', head, preds, labels)
        return out

    def compute_losses(self, data_samples: Optional[List[Any]] = None) -> Dict[str, Tensor]:
        """Weighted OADP losses of the batch whose student forward was just recorded."""
        if not data_samples:
            raise ValueError('OADPDistiller.compute_losses needs the batch data samples (image ids, metainfo, GT)')
        active = [lv for lv in self.levels if any(self.active(n) for n in LEVEL_LOSSES[lv])]
        losses: Dict[str, Tensor] = {}
        if active:
            feats = self.recorder_managers['student'].get(FPN_RECORDER)
            if isinstance(feats, Tensor):
                feats = (feats,)
            entries = self._read(data_samples, feats[0].device)
            raw: Dict[str, Tensor] = {}
            if 'object' in active:
                raw['object'] = self._object_loss(feats, entries)
            if 'block' in active:
                raw.update(self._block_losses(feats, entries, data_samples))
            if 'global' in active:
                raw.update(self._global_losses(feats, entries, data_samples))
            losses = self.weighted(raw)
        self.reset_recorders()
        return losses
