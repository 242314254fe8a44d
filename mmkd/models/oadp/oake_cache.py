"""OAKE extracted once into the teacher-feature cache (``mmkd.cache``), then read by image id.

OADP never runs CLIP while the detector trains: the object, block and global
embeddings of every training image are computed once, offline, and stored.
This module does that with the project's cache format (sharded ``.npy``
files, ``index.json`` with sizes and sha256, atomic shard writes, resumable)
through :class:`~mmkd.cache.TeacherFeatureCacheWriter` and reads it back
through :class:`~mmkd.cache.TeacherFeatureCache`.

Per image (key: the COCO image id, with the empty augmentation key, since
the embeddings describe the original image; a training step maps the stored
boxes through its own resize / flip) the cache holds, under model ``clip``:

* ``proposals`` ``(N, 4)`` float32 boxes (x1, y1, x2, y2, original image
  pixels) and ``objects`` ``(N, D)`` their object-aware embeddings;
* ``block_boxes`` ``(M, 4)`` float32 (the whole image first) and ``blocks`` ``(M, D)``;
* ``global`` ``(D,)``.

``N`` and ``M`` vary per image: read them with :meth:`OAKEFeatureCache.get`
(one image, no padding), not with the batch-stacking reader of the
feature-map caches. Embeddings are L2-normalised and stored in the cache's
dtype (float32 or float16); boxes are always float32, because float16
rounds pixel coordinates of large images by up to a pixel.

Proposals: by default the base GT boxes of the open-vocabulary training
annotation plus jittered copies (:mod:`mmkd.models.oadp.proposals`), or a
``proposal_source`` such as the RPN of a trained base-only detector
(:class:`~mmkd.models.oadp.rpn_proposals.RPNProposalSource`).

The fingerprints tie the cache to the CLIP weights (hash of the tensors),
the OAKE and proposal settings (the source and, for the RPN, the hashes of
the detector's weights and config) and the annotation file's content;
resuming or opening it with other ones is refused, naming which differ.
"""
from __future__ import annotations

import hashlib
import os.path as osp
from typing import Any, Dict, Optional, Protocol, Sequence

import numpy as np
import torch
from mmengine.logging import MMLogger
from PIL import Image
from torch import Tensor, nn

from mmkd.cache import TeacherFeatureCache, TeacherFeatureCacheWriter
from mmkd.cache.fingerprint import canonical_json, file_sha256, teacher_fingerprint
from mmkd.cache.index import recorder_signature
from mmkd.cache.sample_key import augmentation_key
from .embeddings import block_embeddings, global_embedding, object_embeddings
from .object_attention import ObjectAwareEncoder
from .proposals import gt_jitter_proposals

OAKE_MODEL = 'clip'
OAKE_OUTPUTS = ('proposals', 'objects', 'block_boxes', 'blocks', 'global')
BOX_OUTPUTS = ('proposals', 'block_boxes')


class ProposalSource(Protocol):
    """A proposal source other than GT-jitter (e.g. :class:`~mmkd.models.oadp.rpn_proposals.RPNProposalSource`)."""

    def settings(self) -> Dict[str, Any]:
        """JSON-able description of the proposals (``source`` plus what they depend on): fingerprinted."""

    def __call__(self, img_path: str, img_id: Any, image_size: Sequence[int]) -> Tensor:
        """``(N, 4)`` boxes (x1, y1, x2, y2) in original pixels of the ``(height, width)`` image."""


def oake_key(img_id: Any) -> str:
    """The cache key of an image's OAKE entry: its id, no augmentation."""
    return f'{img_id}|{augmentation_key({})}'


def oake_records() -> Dict[str, Dict[str, Any]]:
    """The recorded structure declared to the cache writer: one tensor per output."""
    return {OAKE_MODEL: {name: dict(cfg=recorder_signature(dict(type='OAKE', output=name)), spec='T',
                                    leaves=[f'{OAKE_MODEL}.{name}.0']) for name in OAKE_OUTPUTS}}


def oake_fingerprints(teacher_cfg: Dict[str, Any], clip: nn.Module, settings: Dict[str, Any],
                      ann_file: str) -> Dict[str, str]:
    """Fingerprints of an OAKE cache: CLIP config and weights, settings, proposal annotation content."""
    return {f'teacher.{OAKE_MODEL}': teacher_fingerprint(teacher_cfg, clip, 'oake'),
            'oake': hashlib.sha256(canonical_json(settings).encode()).hexdigest(),
            'annotation': file_sha256(ann_file)}


def load_clip_image(path: str, mean: Sequence[float], std: Sequence[float]) -> Tensor:
    """``(3, H, W)`` float32 RGB image from ``path``, CLIP-normalised."""
    if not osp.isfile(path):
        raise FileNotFoundError(f'OAKE: image file not found: {path!r}')
    with Image.open(path) as img:
        pixels = torch.from_numpy(np.asarray(img.convert('RGB')).copy()).permute(2, 0, 1).float() / 255.0
    return (pixels - torch.tensor(mean).view(3, 1, 1)) / torch.tensor(std).view(3, 1, 1)


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


def _base_boxes_by_image(coco: dict, ann_file: str, logger: MMLogger) -> Dict[Any, list]:
    categories = {c['id']: c for c in coco['categories']}
    for ann in coco['annotations']:
        if ann.get('category_id') not in categories:
            raise KeyError(f'{ann_file!r}: annotation {ann.get("id")!r} has category_id {ann.get("category_id")!r}, '
                           'which is not in its categories')
    novel = sorted({categories[a['category_id']]['name'] for a in coco['annotations']
                    if categories[a['category_id']].get('split') == 'novel'})
    if novel:
        raise ValueError(f'OAKE proposals: {ann_file!r} has boxes of novel categories {novel}; the proposal '
                         'source is the open-vocabulary training annotation (base boxes only, written by '
                         'mmkd.datasets.write_ov_split), so novel boxes must not be in it')
    if not any('split' in c for c in coco['categories']):
        logger.warning(f'OAKE proposals: the categories of {ann_file!r} carry no base/novel "split" tags; '
                       'every box is used as a proposal source (pass the open-vocabulary training annotation)')
    boxes: Dict[Any, list] = {im['id']: [] for im in coco['images']}
    for ann in coco['annotations']:
        if ann.get('iscrowd', 0):
            continue
        if ann.get('image_id') not in boxes:
            raise KeyError(f'{ann_file!r}: annotation {ann.get("id")!r} refers to image {ann.get("image_id")!r}, '
                           'which is not in its images')
        x, y, w, h = ann['bbox']
        boxes[ann['image_id']].append([x, y, x + w, y + h])
    return boxes


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
    from mmkd.datasets.clip_pairs import load_coco
    from mmkd.models.clip import clip_mean_std
    logger = MMLogger.get_current_instance()
    if not osp.isdir(img_dir):
        raise FileNotFoundError(f'OAKE: image folder not found: {img_dir!r}')
    coco = load_coco(ann_file)
    boxes_of = _base_boxes_by_image(coco, ann_file, logger)
    images = sorted(coco['images'], key=lambda im: im['id'])[:max_images]
    clip = getattr(teacher, 'clip', teacher)
    mean, std = clip_mean_std(clip)
    settings = dict(scale_ratio=scale_ratio, block_size=block_size, max_stride=max_stride,
                    background_bias=background_bias, mean=list(mean), std=list(std),
                    proposals=dict(source='gt_jitter', num_jitter=num_jitter, jitter=jitter, seed=seed,
                                   min_size=min_size) if proposal_source is None else proposal_source.settings())
    writer = TeacherFeatureCacheWriter(cache_dir, oake_fingerprints(teacher_cfg, clip, settings, ann_file),
                                       'img_id', dtype, shard_size, verify_hashes, logger)
    writer.set_records(oake_records())
    encoder = ObjectAwareEncoder(clip.visual, background_bias=background_bias)
    device = next(clip.parameters()).device
    was_training = clip.training
    clip.eval()

    def encode_image(crops: Tensor) -> Tensor:
        return nn.functional.normalize(clip.encode_image(crops), dim=-1)

    stats = dict(written=0, skipped=0, shards=0)
    try:
        for info in images:
            key = oake_key(info['id'])
            if key in writer:
                stats['skipped'] += 1
                continue
            img_path = osp.join(img_dir, info['file_name'])
            image = load_clip_image(img_path, mean, std).to(device)
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
            outputs = compute_oake(encoder, encode_image, image, proposals, block_size, max_stride,
                                   scale_ratio, batch_size)
            leaves = {}
            for name in OAKE_OUTPUTS:
                value = outputs[name].detach().cpu()
                value = value.float() if name in BOX_OUTPUTS else value.to(getattr(torch, dtype))
                leaves[f'{OAKE_MODEL}.{name}.0'] = value.numpy()
            writer.add(key, leaves)
            stats['written'] += 1
            if stop_after_shards is not None and writer.shards_written >= stop_after_shards:
                logger.warning(f'OAKE: stopped after {writer.shards_written} shard(s) as asked; the cache is '
                               'incomplete')
                stats['shards'] = writer.shards_written
                return stats
        writer.finish()
    finally:
        clip.train(was_training)
    stats['shards'] = writer.shards_written
    logger.info(f'OAKE cache {cache_dir!r}: {stats["written"]} images written, {stats["skipped"]} already '
                f'cached, {len(writer.index.shards)} shards')
    return stats


class OAKEFeatureCache:
    """Read an OAKE cache by image id.

    Args:
        cache_dir: written by :func:`extract_oake_features`.
        fingerprints: :func:`oake_fingerprints` of the current teacher and
            settings; a cache made with other ones is refused (``None``: no check).
        verify_hashes: check every shard's sha256 at open (sizes always are).
    """

    def __init__(self, cache_dir: str, fingerprints: Optional[Dict[str, str]] = None,
                 verify_hashes: bool = False) -> None:
        recorders = {OAKE_MODEL: {name: dict(type='OAKE', output=name) for name in OAKE_OUTPUTS}}
        self.cache = TeacherFeatureCache(cache_dir, fingerprints, recorders, verify_hashes=verify_hashes)
        self.cache_dir = cache_dir

    def __len__(self) -> int:
        return len(self.cache)

    def __contains__(self, img_id: Any) -> bool:
        return oake_key(img_id) in self.cache

    def get(self, img_id: Any, device: Optional[torch.device] = None) -> Dict[str, Tensor]:
        """``{'proposals', 'objects', 'block_boxes', 'blocks', 'global'}`` of one image (float32)."""
        location = self.cache.locate([oake_key(img_id)])[0]
        if location is None:
            raise KeyError(f'OAKE cache {self.cache_dir!r} has no entry for image id {img_id!r}')
        return self.cache.read_sample(location, device=device)[OAKE_MODEL]
