"""The OAKE cache: OADP's CLIP embeddings stored once in the teacher-feature cache, read by image id.

OADP never runs CLIP while the detector trains: the object, block and global
embeddings (:mod:`.oake`) of every training image are computed once, offline
(:mod:`.oake_extraction`), and stored in the project's cache format (sharded
``.npy`` files, ``index.json`` with sizes and sha256, atomic shard writes,
resumable; :mod:`mmkd.cache`). This module is that format: the key of an
image, the declared structure, the fingerprints and the reader.

Per image (key: the COCO image id, with the empty augmentation key, since
the embeddings describe the original image; a training step maps the stored
boxes through its own resize / flip) the cache holds, under model ``clip``,
the five OAKE outputs. ``N`` and ``M`` vary per image: read them with
:meth:`OAKEFeatureCache.get` (one image, no padding), not with the
batch-stacking reader of the feature-map caches. Embeddings are L2-normalised
and stored in the cache's dtype (float32 or float16); boxes are always
float32, because float16 rounds pixel coordinates of large images by up to a
pixel.

The fingerprints tie the cache to the CLIP weights (hash of the tensors),
the OAKE and proposal settings (the source and, for the RPN, the hashes of
the detector's weights and config) and the annotation file's content;
resuming or opening it with other ones is refused, naming which differ.
"""
from __future__ import annotations

from typing import Any, Dict, Optional

import torch
from torch import Tensor, nn

from mmkd.cache import TeacherFeatureCache
from mmkd.cache.fingerprint import teacher_fingerprint
from mmkd.cache.index import recorder_signature
from mmkd.cache.sample_key import augmentation_key
from mmkd.utils.hashing import file_sha256, json_sha256

OAKE_MODEL = 'clip'
OAKE_OUTPUTS = ('proposals', 'objects', 'block_boxes', 'blocks', 'global')
BOX_OUTPUTS = ('proposals', 'block_boxes')


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
            'oake': json_sha256(settings),
            'annotation': file_sha256(ann_file)}


class OAKEFeatureCache:
    """Read an OAKE cache by image id.

    Args:
        cache_dir: written by :func:`~mmkd.models.oadp.oake_extraction.extract_oake_features`.
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
