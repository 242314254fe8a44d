"""Compute OAKE for every image of an open-vocabulary training annotation into the OAKE cache.

The loop itself (skip cached images, atomic shards, resume, stop for tests)
is the cache's one extraction driver, :func:`mmkd.cache.run_extraction`;
this module gives it the images (one per batch, keyed by image id) and the
computation: the image, its proposals and :func:`~mmkd.models.oadp.oake.compute_oake`.

Proposals: by default the base GT boxes of the open-vocabulary training
annotation plus jittered copies (:mod:`mmkd.models.oadp.proposals`), or a
``proposal_source`` such as the RPN of a trained base-only detector
(:class:`~mmkd.models.oadp.rpn_proposals.RPNProposalSource`).
"""
from __future__ import annotations

import os.path as osp
from typing import Any, Dict, List, Optional, Protocol, Sequence

import torch
from mmengine.logging import MMLogger
from torch import Tensor, nn

from mmkd.cache import ComputedBatch, run_extraction, to_storage
from mmkd.datasets.coco_json import base_boxes_by_image, load_coco
from mmkd.datasets.rgb_image import load_normalized_rgb
from ..clip import clip_mean_std
from .oake import compute_oake
from .oake_cache import BOX_OUTPUTS, OAKE_MODEL, OAKE_OUTPUTS, oake_fingerprints, oake_key, oake_records
from .object_attention import ObjectAwareEncoder
from .proposals import gt_jitter_proposals


class ProposalSource(Protocol):
    """A proposal source other than GT-jitter (e.g. :class:`~mmkd.models.oadp.rpn_proposals.RPNProposalSource`)."""

    def settings(self) -> Dict[str, Any]:
        """JSON-able description of the proposals (``source`` plus what they depend on): fingerprinted."""

    def __call__(self, img_path: str, img_id: Any, image_size: Sequence[int]) -> Tensor:
        """``(N, 4)`` boxes (x1, y1, x2, y2) in original pixels of the ``(height, width)`` image."""


def extract_oake_features(teacher: nn.Module, ann_file: str, img_dir: str, cache_dir: str,
                          teacher_cfg: Dict[str, Any], num_jitter: int = 4, jitter: float = 0.15, seed: int = 0,
                          min_size: float = 4.0, block_size: float = 224, max_stride: float = 112,
                          scale_ratio: float = 8.0, background_bias: float = -100.0, dtype: str = 'float32',
                          shard_size: int = 256, batch_size: int = 512, max_images: Optional[int] = None,
                          verify_hashes: bool = True, stop_after_shards: Optional[int] = None,
                          proposal_source: Optional[ProposalSource] = None) -> Dict[str, int]:
    """Compute and cache the OAKE outputs of every image of ``ann_file``; resumes an interrupted run.

    Args:
        teacher: a :class:`~mmkd.models.clip.CLIPTeacher` (ViT image tower) with its weights loaded.
        ann_file: the open-vocabulary **training** annotation: its images are the
            ones extracted and its boxes the GT-jitter proposal source.
        img_dir: folder of the images (``file_name`` relative to it).
        teacher_cfg: how the teacher was built (``model_name`` / ``model_cfg``),
            part of its fingerprint with the hash of its weights; leave the
            checkpoint path out, so moving the file does not invalidate the cache.
        num_jitter, jitter, seed, min_size: the GT-jitter proposals (:func:`gt_jitter_proposals`).
        proposal_source: proposals from elsewhere instead of GT-jitter (its
            ``settings()`` replace the GT-jitter ones in the fingerprint), e.g.
            :class:`~mmkd.models.oadp.rpn_proposals.RPNProposalSource`.
        block_size, max_stride: block layout in original image pixels
            (OADP: 224 / 112 on images resized to about 1333 x 800).
        scale_ratio, background_bias: OAKE's adaptive square and mask attention.
        dtype: storage of the embeddings, ``'float32'`` or ``'float16'``.
        stop_after_shards: stop like an interruption after writing that many shards (tests).

    Returns counts: ``written`` and ``skipped`` (already cached) images, ``shards`` written.
    """
    if not osp.isdir(img_dir):
        raise FileNotFoundError(f'OAKE: image folder not found: {img_dir!r}')
    coco = load_coco(ann_file)
    boxes_of = base_boxes_by_image(coco, ann_file)
    images = sorted(coco['images'], key=lambda im: im['id'])[:max_images]
    clip = getattr(teacher, 'clip', teacher)
    mean, std = clip_mean_std(clip)
    settings = dict(scale_ratio=scale_ratio, block_size=block_size, max_stride=max_stride,
                    background_bias=background_bias, mean=list(mean), std=list(std),
                    proposals=dict(source='gt_jitter', num_jitter=num_jitter, jitter=jitter, seed=seed,
                                   min_size=min_size) if proposal_source is None else proposal_source.settings())
    encoder = ObjectAwareEncoder(clip.visual, background_bias=background_bias)
    device = next(clip.parameters()).device

    def encode_image(crops: Tensor) -> Tensor:
        return nn.functional.normalize(clip.encode_image(crops), dim=-1)

    def compute(info: Dict[str, Any], todo: List[int]) -> ComputedBatch:
        img_path = osp.join(img_dir, info['file_name'])
        image = load_normalized_rgb(img_path, mean, std, 'OAKE: image').to(device)
        height, width = image.shape[-2:]
        if (info.get('height'), info.get('width')) not in ((height, width), (None, None)):
            raise ValueError(f'{ann_file!r}: image {info["id"]} ({info["file_name"]}) is annotated as '
                             f'{info.get("height")}x{info.get("width")} but the file is {height}x{width}')
        if proposal_source is None:
            gt = torch.tensor(boxes_of[info['id']], dtype=torch.float32).reshape(-1, 4)
            proposals = gt_jitter_proposals(gt, (height, width), num_jitter, jitter, seed, int(info['id']),
                                            min_size)
        else:
            proposals = proposal_source(img_path, info['id'], (height, width))
        outputs = compute_oake(encoder, encode_image, image, proposals, block_size, max_stride, scale_ratio,
                               batch_size)
        # boxes stay float32 whatever the cache dtype: float16 would round pixel coordinates
        leaves = {f'{OAKE_MODEL}.{name}.0': to_storage(outputs[name], 'float32' if name in BOX_OUTPUTS else dtype,
                                                       f'OAKE output {name!r} of image {info["id"]}')
                  for name in OAKE_OUTPUTS}
        return ComputedBatch(oake_records(), [leaves])

    was_training = clip.training
    clip.eval()
    try:
        return run_extraction(cache_dir, oake_fingerprints(teacher_cfg, clip, settings, ann_file), 'img_id',
                              (([oake_key(info['id'])], info) for info in images), compute, dtype, shard_size,
                              verify_hashes, stop_after_shards, 'OAKE cache', MMLogger.get_current_instance())
    finally:
        clip.train(was_training)
