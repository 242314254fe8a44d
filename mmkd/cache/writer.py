"""Append samples' teacher features to a cache, one shard at a time.

Samples are buffered until ``shard_size`` of them are ready, then written as
one shard: each tensor leaf becomes one flat ``.npy`` array holding all
samples of the shard back to back (per-sample shapes in ``meta.json``), so
samples of different sizes need no padding on disk and a reader slices a
memory map. The shard is written into a temporary folder, fsynced, renamed
into place, and only then added to the index (with sizes and hashes).

Opening an existing cache resumes it: fingerprints and dtype must match,
shards that fail their size or hash check and folders the index does not
list (an interrupted write) are deleted and reported, and the keys of the
valid shards are skipped by the extraction.
"""
from __future__ import annotations

import json
import os
import os.path as osp
import re
import shutil
import tempfile
from typing import Any, Dict, List, Optional, Tuple

import numpy as np
from mmengine.logging import MMLogger

from mmkd.utils.hashing import file_sha256
from .index import INDEX_FILE, META_FILE, CacheIndex, CacheMismatchError, require_mounted
from .sample_key import split_key

_LEAF_NAME = re.compile(r'^[A-Za-z0-9_.-]+$')
# storage modes of floating tensors (int8: per-sample per-channel scales, see quantize.py)
STORAGE_DTYPES = ('float32', 'float16', 'int8')


def _fsync_write(path: str, write) -> None:
    with open(path, 'wb') as f:
        write(f)
        f.flush()
        os.fsync(f.fileno())


class TeacherFeatureCacheWriter:
    """Args:
        cache_dir: the cache folder (created if needed).
        fingerprints: see :mod:`mmkd.cache.fingerprint`; must equal those of
            an existing cache in ``cache_dir``.
        id_kind: ``'img_id'`` or ``'img_path'`` (see :mod:`mmkd.cache.sample_key`).
        dtype: storage of floating tensors, one of :data:`STORAGE_DTYPES`
            (stored in the index: a cache is resumed and read in its own mode).
        shard_size: samples per shard.
        verify_hashes: when resuming, check existing shards' sha256 too (not only sizes).
    """

    def __init__(self, cache_dir: str, fingerprints: Dict[str, str], id_kind: str,
                 dtype: str = 'float32', shard_size: int = 256, verify_hashes: bool = True,
                 logger: Optional[MMLogger] = None) -> None:
        if dtype not in STORAGE_DTYPES:
            raise ValueError(f'teacher cache dtype must be one of {STORAGE_DTYPES}, got {dtype!r}')
        if shard_size < 1:
            raise ValueError(f'shard_size must be positive, got {shard_size}')
        require_mounted(cache_dir)
        self.cache_dir = cache_dir
        self.shard_size = shard_size
        self.logger = logger or MMLogger.get_current_instance()
        os.makedirs(cache_dir, exist_ok=True)
        index = CacheIndex.load(cache_dir)
        if index is None:
            index = CacheIndex.create(cache_dir, fingerprints, id_kind, dtype)
        else:
            index.check_fingerprints(fingerprints, hint='resuming the extraction')
            for key, value in (('id_kind', id_kind), ('dtype', dtype)):
                if index.data[key] != value:
                    raise CacheMismatchError(
                        f'teacher cache {cache_dir!r} stores {key}={index.data[key]!r}, this extraction '
                        f'asks for {value!r}; use the same setting or another cache_dir')
            self._drop_bad_shards(index, verify_hashes)
        index.data['complete'] = False
        index.save()
        self.index = index
        self.keys = set()
        for shard in index.shards:
            self.keys.update(f'{sid}|{aug}' for sid, aug in index.read_meta(shard)['samples'])
        numbers = [int(name.split('_')[-1]) for name in index.shards]
        self._next_shard = max(numbers, default=-1) + 1
        self._buffer: List[Tuple[str, Dict[str, np.ndarray], Any]] = []
        self.shards_written = 0

    def _drop_bad_shards(self, index: CacheIndex, verify_hashes: bool) -> None:
        for shard, why in index.bad_shards(verify_hashes).items():
            self.logger.warning(f'teacher cache: dropping shard {shard} ({why}); its samples are re-extracted')
            shutil.rmtree(index.shard_path(shard), ignore_errors=True)
            del index.shards[shard]
        for folder in index.orphan_dirs():
            self.logger.warning(f'teacher cache: removing {folder}, a shard whose write was interrupted')
            shutil.rmtree(index.shard_path(folder), ignore_errors=True)

    def discard_if_empty(self) -> None:
        """Remove the index this writer created when nothing was written (a
        refused start leaves no cache behind); a cache with shards is kept."""
        if self.index.shards or self._buffer:
            return
        index_path = osp.join(self.cache_dir, INDEX_FILE)
        if osp.isfile(index_path):
            os.remove(index_path)
        if osp.isdir(self.cache_dir) and not os.listdir(self.cache_dir):
            os.rmdir(self.cache_dir)

    def __contains__(self, key: str) -> bool:
        return key in self.keys

    def set_records(self, records: Dict[str, Dict[str, Any]]) -> None:
        """Declare what each recorder stores (config, nesting spec, leaf names); must
        agree with earlier batches and with the shards already in the cache."""
        if not self.index.records:
            for recorders in records.values():
                for info in recorders.values():
                    bad = [leaf for leaf in info['leaves'] if not _LEAF_NAME.match(leaf)]
                    if bad:
                        raise ValueError(f'teacher cache: model/recorder names must be plain identifiers '
                                         f'to be file names; got {bad}')
            self.index.data['records'] = records
        elif self.index.records != records:
            raise CacheMismatchError(
                f'teacher cache {self.cache_dir!r}: the recorded structure changed: the cache holds '
                f'{self.index.records}, this batch gives {records}')

    def add(self, key: str, leaves: Dict[str, np.ndarray], batch_input_shape: Any = None) -> None:
        """Queue one sample (``leaves``: leaf name -> this sample's array)."""
        if key in self.keys:
            return
        self.keys.add(key)
        self._buffer.append((key, leaves, batch_input_shape))
        if len(self._buffer) >= self.shard_size:
            self.flush()

    def flush(self) -> None:
        """Write the queued samples as one shard and record it in the index."""
        if not self._buffer:
            return
        name = f'shard_{self._next_shard:05d}'
        final = self.index.shard_path(name)
        tmp = tempfile.mkdtemp(prefix=f'.tmp_{name}_', dir=self.cache_dir)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o777 & ~umask)  # mkdtemp makes it private; a cache is shared
        try:
            leaf_names = list(self._buffer[0][1])
            meta = dict(samples=[split_key(key) for key, _, _ in self._buffer],
                        batch_input_shapes=[shape for _, _, shape in self._buffer],
                        leaves={})
            for leaf in leaf_names:
                arrays = [leaves[leaf] for _, leaves, _ in self._buffer]
                flat = np.concatenate([a.reshape(-1) for a in arrays])
                meta['leaves'][leaf] = dict(dtype=str(flat.dtype), shapes=[list(a.shape) for a in arrays])
                _fsync_write(osp.join(tmp, f'{leaf}.npy'), lambda f, flat=flat: np.save(f, flat))
            _fsync_write(osp.join(tmp, META_FILE), lambda f: f.write(json.dumps(meta).encode()))
            files = {file: dict(size=osp.getsize(osp.join(tmp, file)), sha256=file_sha256(osp.join(tmp, file)))
                     for file in sorted(os.listdir(tmp))}
            if osp.exists(final):  # left by a crash before the index was updated
                shutil.rmtree(final)
            os.replace(tmp, final)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        self.index.shards[name] = dict(num_samples=len(self._buffer), files=files)
        self.index.save()
        self._next_shard += 1
        self._buffer = []
        self.shards_written += 1

    def finish(self) -> None:
        """Write the last partial shard and mark the cache complete."""
        self.flush()
        self.index.data['complete'] = True
        self.index.save()
