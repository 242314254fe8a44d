"""Check the data files a config reads before anything is built.

A data root that does not exist or an annotation file that is cut short
otherwise fails deep inside a dataset class, with ``json``'s
``Expecting ',' delimiter: line 1 column 1206`` (no file named) or
``KeyError: 'categories'``. This names the config key and the file.
"""
from __future__ import annotations

import json
import os
import os.path as osp
from typing import Any, Iterator, Mapping, Sequence, Tuple

#: annotation files up to this size are parsed in full; larger ones only checked for a complete JSON document
FULL_PARSE_BYTES = 64 * 2 ** 20


def dataset_specs(cfg: Mapping[str, Any], splits: Sequence[str]) -> Iterator[Tuple[str, Mapping[str, Any]]]:
    """``(config key, dataset dict)`` of the splits' datasets, through wrappers (``dataset`` / ``datasets``)."""
    def walk(spec, key):
        if not isinstance(spec, Mapping):
            return
        yield key, spec
        if isinstance(spec.get('dataset'), Mapping):
            yield from walk(spec['dataset'], f'{key}.dataset')
        for i, child in enumerate(spec.get('datasets') or []):
            yield from walk(child, f'{key}.datasets[{i}]')

    for split in splits:
        loader = cfg.get(f'{split}_dataloader')
        if isinstance(loader, Mapping) and isinstance(loader.get('dataset'), Mapping):
            yield from walk(loader['dataset'], f'{split}_dataloader.dataset')


def check_data_files(cfg: Mapping[str, Any], splits: Sequence[str]) -> None:
    """Raise naming the key and path of a missing data root, a missing or damaged annotation file."""
    for key, spec in dataset_specs(cfg, splits):
        data_root = spec.get('data_root')
        if isinstance(data_root, str) and data_root and '://' not in data_root and not osp.isdir(data_root):
            raise FileNotFoundError(f'{key}.data_root: data folder not found: {data_root!r} (set it with '
                                    '--cfg-options data_root=PATH)')
        ann_file = spec.get('ann_file')
        if not isinstance(ann_file, str) or not ann_file or '://' in ann_file:
            continue
        path = ann_file if osp.isabs(ann_file) or not data_root else osp.join(data_root, ann_file)
        if not osp.isfile(path):
            raise FileNotFoundError(f'{key}.ann_file: annotation file not found: {path!r}')
        if path.endswith('.json'):
            check_json(path, key, coco='coco' in str(spec.get('type', '')).lower())


def check_json(path: str, key: str, coco: bool = False) -> None:
    """The file is one complete JSON document (and, for COCO datasets, has the COCO sections)."""
    size = osp.getsize(path)
    if size > FULL_PARSE_BYTES:  # only the ends: a file cut short has no closing bracket
        with open(path, 'rb') as f:
            head = f.read(1).strip()
            f.seek(max(0, size - 64))
            tail = f.read().strip()
        if not head or tail[-1:] != {b'{': b'}', b'[': b']'}.get(head[:1]):
            raise ValueError(f'{key}.ann_file {path!r} is not valid JSON: it does not end where it should '
                             '(cut short by an interrupted copy?)')
        return
    try:
        with open(path, encoding='utf-8') as f:
            data = json.load(f)
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise ValueError(f'{key}.ann_file {path!r} is not valid JSON ({err}; {size} bytes: cut short or '
                         'not an annotation file?)') from None
    if coco:
        missing = [k for k in ('images', 'annotations', 'categories') if not isinstance(data, dict) or k not in data]
        if missing:
            raise KeyError(f'{key}.ann_file {path!r} is not a COCO annotation file: no {missing} section')
