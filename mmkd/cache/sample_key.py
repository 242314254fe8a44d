"""Which cache entry holds a data sample's teacher features.

A key is ``<sample id>|<augmentation key>``:

* the sample id is mmdet's ``img_id`` when the sample has one, else its
  ``img_path`` relative to the dataset's ``data_root`` (so moving the data
  does not invalidate the cache);
* the augmentation key is the canonical JSON of the metainfo that transforms
  record about the geometry they applied: ``img_shape``, ``scale_factor``,
  ``flip``, ``flip_direction`` and, when a pipeline packs them, crop and
  homography information.

A horizontally flipped input therefore has a different key from the same
image unflipped, and a training step looks up exactly the variant it drew.
Random transforms that leave no trace in the metainfo (photometric jitter,
crops without recorded offsets) cannot be keyed; extraction refuses
pipelines that contain them (see ``extract.unrecorded_random_transforms``).
"""
from __future__ import annotations

import json
import os.path as osp
from typing import Any, Iterable, Mapping, Optional, Tuple

# metainfo entries that describe the geometry of the input, when present
AUGMENTATION_KEYS = ('img_shape', 'scale_factor', 'flip', 'flip_direction',
                     'crop_bbox', 'crop_box', 'homography_matrix')


def _plain(value: Any) -> Any:
    """JSON-friendly, rounded copy of a metainfo value (floats from transforms wobble)."""
    if hasattr(value, 'tolist'):  # numpy arrays and scalars, tensors
        value = value.tolist()
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, float):
        return round(value, 6)
    return value


def augmentation_key(metainfo: Mapping[str, Any]) -> str:
    return json.dumps({k: _plain(metainfo[k]) for k in AUGMENTATION_KEYS if k in metainfo},
                      sort_keys=True, separators=(',', ':'))


def _norm(path: str) -> str:
    return osp.normpath(path).replace('\\', '/')


def id_kind_of(metainfo: Mapping[str, Any]) -> str:
    if 'img_id' in metainfo:
        return 'img_id'
    if 'img_path' in metainfo:
        return 'img_path'
    raise KeyError('teacher cache: a data sample has neither img_id nor img_path in its metainfo, '
                   f'so it has no stable id; its metainfo keys: {sorted(metainfo)}')


class SampleKeys:
    """Makes keys for data samples.

    At extraction ``data_root`` is the dataset's root and ids are made
    relative to it. At training the reader passes the ids stored in the cache
    instead (``known_ids``): the training ``data_root`` may differ, so the
    part of ``img_path`` that matches a stored id is found once (longest
    matching path suffix) and the prefix before it is reused for later samples.
    """

    def __init__(self, id_kind: str, data_root: Optional[str] = None,
                 known_ids: Optional[Iterable[str]] = None) -> None:
        self.id_kind = id_kind
        self.data_root = _norm(data_root) + '/' if data_root else None
        self.known_ids = set(known_ids) if known_ids is not None else None
        self._prefix: Optional[str] = None

    def sample_id(self, metainfo: Mapping[str, Any]) -> str:
        if self.id_kind == 'img_id':
            if 'img_id' not in metainfo:
                raise KeyError(f'teacher cache keyed by img_id, but a data sample has none '
                               f'(metainfo keys: {sorted(metainfo)})')
            return str(metainfo['img_id'])
        path = _norm(str(metainfo['img_path']))
        if self.known_ids is None:  # extraction
            if self.data_root and path.startswith(self.data_root):
                return path[len(self.data_root):]
            return path
        if self._prefix is not None and path.startswith(self._prefix) \
                and path[len(self._prefix):] in self.known_ids:
            return path[len(self._prefix):]
        parts = path.split('/')
        for start in range(len(parts)):
            candidate = '/'.join(parts[start:])
            if candidate in self.known_ids:
                self._prefix = '/'.join(parts[:start]) + '/' if start else ''
                return candidate
        return path  # not in the cache: a miss

    def key(self, metainfo: Mapping[str, Any]) -> str:
        return f'{self.sample_id(metainfo)}|{augmentation_key(metainfo)}'


def split_key(key: str) -> Tuple[str, str]:
    """``(sample id, augmentation key)`` of a key (the augmentation key is a JSON object)."""
    sample_id, _, aug = key.rpartition('|{')
    return sample_id, '{' + aug
