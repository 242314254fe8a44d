"""Proposals for OAKE from the RPN of a trained base-only detector.

OADP embeds the proposals of OLN, a class-agnostic proposal network trained
on the base categories. The alternative named by the issue, used here, is the
region proposal network of a two-stage detector trained on the base boxes
only (the ``oadp_none`` row: the CLIP-text Faster R-CNN without distillation).
Its RPN is class-agnostic and was never told that novel objects are
background, so novel objects can appear among its proposals, which the
GT-jitter stand-in (:mod:`mmkd.models.oadp.proposals`) cannot give.

Everything runs through mmdet: the detector is built from its config, each
image goes through the config's test pipeline (minus annotation loading),
the data preprocessor, ``extract_feat`` and ``rpn_head.predict`` in eval
mode, so the anchors, decoding, clipping to the resized image, NMS and
``max_per_img`` are the RPN's own (``model.test_cfg.rpn``). Of its output
(sorted by score), the boxes are mapped back to original image pixels through
the pipeline's ``scale_factor``, clipped to the original image, those with
``w`` or ``h`` under ``min_size`` dropped (OADP keeps ``w, h >= 4``) and the
``top_k`` highest-scoring kept.
"""
from __future__ import annotations

import copy
import os.path as osp
from typing import Any, Dict, Optional, Sequence

import torch
from mmengine.config import Config
from mmengine.dataset import Compose, pseudo_collate
from mmengine.logging import MMLogger
from mmengine.registry import DefaultScope
from torch import Tensor

from mmkd.utils.hashing import json_sha256, tensors_sha256
from ..builder import load_model_cfg
from mmkd.structures.boxes import valid_proposals

# model config entries that do not change the RPN's proposals (the RoI head's
# weights are still in the weights hash; its config may hold file paths)
_NOT_RPN_KEYS = ('roi_head', 'train_cfg', 'test_cfg')


def _is_annotation_loader(transform: Any) -> bool:
    return isinstance(transform, dict) and str(transform.get('type', '')).split('.')[-1] == 'LoadAnnotations'


class RPNProposalSource:
    """Class-agnostic top-k RPN proposals of one image, in original pixels.

    Args:
        detector_config: an mmdet two-stage detector config file (``model``
            with an ``rpn_head``, and a ``test_dataloader`` whose pipeline
            loads and resizes the images as the detector was evaluated).
        detector_checkpoint: its trained weights (an mmengine checkpoint or a
            bare state dict), loaded strictly.
        top_k: proposals kept per image (after NMS and the size filter); the
            RPN itself returns at most ``model.test_cfg.rpn.max_per_img``.
        min_size: smallest width and height kept, in original image pixels.
        device: where the detector runs.
        checkpoint_prefix: select and strip keys (e.g. ``'student.'`` for the
            checkpoint of a distillation run).
        weights_only: ``torch.load``'s safe mode; ``False`` opts out for trusted files.
    """

    source = 'rpn'

    def __init__(self, detector_config: str, detector_checkpoint: str, top_k: int = 50, min_size: float = 4.0,
                 device: Any = 'cpu', checkpoint_prefix: Optional[str] = None, weights_only: bool = True) -> None:
        from mmdet.utils import get_test_pipeline_cfg

        from mmkd.registry import MODELS
        from mmkd.utils.checkpoint import load_into
        if top_k < 1:
            raise ValueError(f'RPN proposals: top_k must be >= 1, got {top_k}')
        if not osp.isfile(detector_config):
            raise FileNotFoundError(f'RPN proposals: detector config not found: {detector_config!r}')
        cfg = Config.fromfile(detector_config)
        self.scope = cfg.get('default_scope', 'mmdet')
        model_cfg = load_model_cfg(dict(cfg_path=detector_config), f'proposal detector of {detector_config!r}')
        with DefaultScope.overwrite_default_scope(self.scope):
            model = MODELS.build(copy.deepcopy(model_cfg))
        if getattr(model, 'rpn_head', None) is None or not hasattr(model, 'extract_feat'):
            raise TypeError(f'RPN proposals: the model of {detector_config!r} ({type(model).__name__}) has no '
                            'rpn_head; pass a two-stage detector config (e.g. the oadp_none row)')
        if getattr(model.rpn_head, 'test_cfg', None) is None:
            raise KeyError(f'RPN proposals: {detector_config!r} has no model.test_cfg.rpn (NMS and max_per_img '
                           'of the proposals)')
        load_into(model, detector_checkpoint, weights_only=weights_only, strict=True, prefix=checkpoint_prefix,
                  what='proposal detector checkpoint')
        self.model = model.to(device).eval()
        try:
            pipeline_cfg = get_test_pipeline_cfg(cfg)
        except (AttributeError, KeyError, RuntimeError) as err:
            raise KeyError(f'RPN proposals: {detector_config!r} has no test_dataloader.dataset.pipeline '
                           f'({err})') from None
        # proposals need no annotation: drop its loading (an image id with no GT entry would fail it)
        self.pipeline_cfg = [t for t in pipeline_cfg if not _is_annotation_loader(t)]
        with DefaultScope.overwrite_default_scope(self.scope):
            self.pipeline = Compose(self.pipeline_cfg)
        self.top_k, self.min_size = int(top_k), float(min_size)
        self.detector_config = detector_config
        max_per_img = self.model.rpn_head.test_cfg.get('max_per_img')
        if max_per_img is not None and max_per_img < self.top_k:
            MMLogger.get_current_instance().warning(
                f'RPN proposals: top_k={self.top_k} but {detector_config!r} has '
                f'model.test_cfg.rpn.max_per_img={max_per_img}: at most {max_per_img} proposals per image')
        self.weights_sha256 = tensors_sha256(self.model.state_dict())
        rpn_cfg = {k: v for k, v in model_cfg.items() if k not in _NOT_RPN_KEYS}
        rpn_cfg['test_cfg.rpn'] = self.model.rpn_head.test_cfg
        self.config_sha256 = json_sha256(dict(model=rpn_cfg, pipeline=self.pipeline_cfg))

    def settings(self) -> Dict[str, Any]:
        """What the proposals depend on (part of the OAKE cache fingerprint)."""
        return dict(source=self.source, detector_weights=self.weights_sha256, detector_config=self.config_sha256,
                    top_k=self.top_k, min_size=self.min_size)

    @torch.no_grad()
    def predict(self, img_path: str, img_id: Any = None) -> Dict[str, Any]:
        """The RPN's raw output on one image, in the model's (resized) input space.

        ``{'bboxes': (N, 4), 'scores': (N,), 'scale_factor': (w, h), 'ori_shape': (h, w)}``
        (after mmdet's NMS and ``max_per_img``, sorted by score).
        """
        if not osp.isfile(img_path):
            raise FileNotFoundError(f'RPN proposals: image file not found: {img_path!r}')
        with DefaultScope.overwrite_default_scope(self.scope):
            data = self.pipeline(dict(img_path=img_path, img_id=img_id))
        batch = self.model.data_preprocessor(pseudo_collate([data]), False)
        sample = batch['data_samples'][0]
        if sample.metainfo.get('flip'):
            raise ValueError(f'RPN proposals: the test pipeline of {self.detector_config!r} flipped {img_path!r}; '
                             'proposals are mapped back through scale_factor only, remove the flip')
        features = self.model.extract_feat(batch['inputs'])
        result = self.model.rpn_head.predict(features, batch['data_samples'], rescale=False)[0]
        return dict(bboxes=result.bboxes.float(), scores=result.scores.float(),
                    scale_factor=tuple(float(s) for s in sample.metainfo.get('scale_factor', (1.0, 1.0))),
                    ori_shape=tuple(int(s) for s in sample.metainfo['ori_shape']))

    def __call__(self, img_path: str, img_id: Any = None, image_size: Optional[Sequence[int]] = None) -> Tensor:
        """``(N <= top_k, 4)`` float32 proposals (x1, y1, x2, y2) in original pixels, best first, on the CPU.

        ``image_size`` ``(height, width)``: the original image (default: the pipeline's ``ori_shape``).
        """
        raw = self.predict(img_path, img_id)
        height, width = image_size if image_size is not None else raw['ori_shape']
        scale_w, scale_h = raw['scale_factor']
        boxes = raw['bboxes'].cpu() / torch.tensor([scale_w, scale_h, scale_w, scale_h])
        limit = torch.tensor([float(width), float(height)] * 2)
        boxes = torch.minimum(boxes.clamp(min=0), limit)
        return boxes[valid_proposals(boxes, self.min_size)][:self.top_k].contiguous()
