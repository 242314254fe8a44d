"""The cache's table of contents, ``index.json``, and its integrity checks.

Layout of a cache directory::

    index.json                 fingerprints, recorded structure, shard list
    shard_00000/meta.json      sample keys of the shard, per-sample leaf shapes
    shard_00000/<leaf>.npy     one flat array per recorded tensor leaf
    ...

The index lists every shard with the size and sha256 of each of its files.
It is rewritten atomically (temporary file + ``os.replace``) after each shard
is complete, so a shard either is in the index with verified contents or is
an orphan that the next extraction deletes. Opening checks file sizes (cheap:
catches truncation); hashes are checked when an extraction resumes and, on
request, when training opens the cache (catches bit rot).
"""
from __future__ import annotations

import json
import os
import re
import os.path as osp
from typing import Any, Dict, List, Optional

from mmkd.utils.checkpoint import atomic_write_bytes
from mmkd.utils.hashing import file_sha256, to_plain

INDEX_FILE = 'index.json'
META_FILE = 'meta.json'
FORMAT = 'mmkd-teacher-cache'
VERSION = 1


def require_mounted(cache_dir: str) -> None:
    """Refuse a URI (``s3://``, ``petrel://``, ``http://``...): the cache is read through
    memory maps, which need a file system mounted on this machine (local disk, NFS,
    Lustre, GPFS, or an object store through a FUSE mount), not mmengine's file backends."""
    scheme = re.match(r'^([A-Za-z][A-Za-z0-9+.-]*)://', str(cache_dir))
    if scheme:
        raise ValueError(
            f'teacher cache {cache_dir!r}: {scheme.group(1)}:// paths are not supported. The cache is read '
            'through memory maps, which need a mounted file system: copy the cache to a local or network '
            'disk (NFS, Lustre, GPFS), or mount the bucket (e.g. with a FUSE client) and pass that path')


class CacheMismatchError(ValueError):
    """The cache was made for another pipeline, teacher or recorder set."""


def recorder_signature(cfg: Dict[str, Any]) -> Dict[str, Any]:
    """A recorder config in the form stored in the index (type spelled one way)."""
    cfg = to_plain(dict(cfg))
    kind = cfg.get('type', 'ModuleOutputs')
    cfg['type'] = kind[len('mmkd.'):] if kind.startswith('mmkd.') else kind
    return cfg


class CacheIndex:
    """In-memory ``index.json``; ``shards`` maps a shard name to its entry
    ``{'num_samples': n, 'files': {file name: {'size': bytes, 'sha256': hex}}}``."""

    def __init__(self, cache_dir: str, data: Dict[str, Any]) -> None:
        self.cache_dir = cache_dir
        self.data = data

    # ----------------------------------------------------------- load/save
    @classmethod
    def create(cls, cache_dir: str, fingerprints: Dict[str, str], id_kind: str, dtype: str) -> 'CacheIndex':
        return cls(cache_dir, dict(format=FORMAT, version=VERSION, fingerprints=dict(fingerprints),
                                   id_kind=id_kind, dtype=dtype, records={}, shards={},
                                   complete=False))

    @classmethod
    def load(cls, cache_dir: str) -> Optional['CacheIndex']:
        """The index of ``cache_dir``, or None when there is none yet."""
        path = osp.join(cache_dir, INDEX_FILE)
        if not osp.isfile(path):
            return None
        try:
            with open(path) as f:
                data = json.load(f)
        except (OSError, ValueError) as err:
            raise CacheMismatchError(f'teacher cache index {path!r} cannot be read ({err}); '
                                     'delete the cache directory and extract again') from None
        if data.get('format') != FORMAT or data.get('version') != VERSION:
            raise CacheMismatchError(f'{path!r} is not a version-{VERSION} mmkd teacher cache index '
                                     f'(format={data.get("format")!r}, version={data.get("version")!r})')
        return cls(cache_dir, data)

    def save(self) -> None:
        text = json.dumps(self.data, indent=1, sort_keys=True).encode()
        atomic_write_bytes(text, osp.join(self.cache_dir, INDEX_FILE))

    # ----------------------------------------------------------- accessors
    @property
    def shards(self) -> Dict[str, Dict[str, Any]]:
        return self.data['shards']

    @property
    def records(self) -> Dict[str, Dict[str, Any]]:
        return self.data['records']

    @property
    def complete(self) -> bool:
        return bool(self.data.get('complete'))

    def shard_path(self, shard: str, file: str = '') -> str:
        return osp.join(self.cache_dir, shard, file) if file else osp.join(self.cache_dir, shard)

    def read_meta(self, shard: str) -> Dict[str, Any]:
        with open(self.shard_path(shard, META_FILE)) as f:
            return json.load(f)

    # --------------------------------------------------------------- checks
    def check_fingerprints(self, expected: Dict[str, str], hint: str) -> None:
        """Refuse a cache made with other inputs, naming which ones differ."""
        stored = self.data['fingerprints']
        differ = sorted(k for k in set(stored) | set(expected) if stored.get(k) != expected.get(k))
        if differ:
            raise CacheMismatchError(
                f'teacher cache {self.cache_dir!r} was made with a different '
                f'{"/".join(differ)} than the current config ({hint}). '
                'Re-extract it with tools/extract_teacher_features.py into a new (or emptied) '
                'cache_dir, or point teacher_cache.cache_dir at a cache made with this config.')

    def check_records(self, expected: Dict[str, Dict[str, Dict[str, Any]]]) -> None:
        """Every recorder the distiller reads must be in the cache, configured the same."""
        for model, recorders in expected.items():
            for name, cfg in recorders.items():
                stored = self.records.get(model, {}).get(name)
                if stored is None:
                    raise CacheMismatchError(
                        f'teacher cache {self.cache_dir!r} has no recorder {name!r} of the {model} '
                        f'(it holds {sorted((m, r) for m, rs in self.records.items() for r in rs)}); '
                        'extract again with the current distiller config')
                if stored['cfg'] != recorder_signature(cfg):
                    raise CacheMismatchError(
                        f'teacher cache {self.cache_dir!r}: recorder {name!r} of the {model} was '
                        f'extracted as {stored["cfg"]} but is now configured as {recorder_signature(cfg)}')

    def check_shard(self, shard: str, hashes: bool) -> Optional[str]:
        """What is wrong with ``shard`` on disk (None if nothing)."""
        for file, info in self.shards[shard]['files'].items():
            path = self.shard_path(shard, file)
            if not osp.isfile(path):
                return f'{path} is missing'
            size = osp.getsize(path)
            if size != info['size']:
                return f'{path} has {size} bytes, the index says {info["size"]} (truncated or rewritten)'
            if hashes and file_sha256(path) != info['sha256']:
                return f'{path} does not match its sha256 in the index (corrupt)'
        return None

    def bad_shards(self, hashes: bool) -> Dict[str, str]:
        problems = {name: self.check_shard(name, hashes) for name in sorted(self.shards)}
        return {name: why for name, why in problems.items() if why}

    def orphan_dirs(self) -> List[str]:
        """Shard folders (or temporaries) on disk that the index does not list."""
        if not osp.isdir(self.cache_dir):
            return []
        return sorted(n for n in os.listdir(self.cache_dir)
                      if osp.isdir(osp.join(self.cache_dir, n)) and n not in self.shards
                      and (n.startswith('shard_') or n.startswith('.tmp_shard_')))
