"""Read teacher features from a cache by data sample.

Opening reads ``index.json`` and every shard's ``meta.json`` once and keeps
an in-memory map ``key -> (shard, row)`` plus per-leaf offsets, so a training
step does no JSON parsing and no hashing: it slices read-only memory maps of
the ``.npy`` files (opened lazily, at most ``max_open`` at a time) and copies
the rows into one batch array per leaf. Read-only maps make the cache safe to
share between DDP processes and dataloader workers.
"""
from __future__ import annotations

from collections import OrderedDict
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence, Tuple

import numpy as np
import torch
from mmengine.logging import MMLogger

from .batch import pad_stack
from .index import CacheIndex, CacheMismatchError, require_mounted
from .parts import part_names
from .quantize import SCALE_SUFFIX, dequantize_int8
from .sample_key import SampleKeys
from .structure import count_leaves, unflatten

Location = Tuple[int, int]  # (shard number in self.shards, row in the shard)


class CacheIntegrityError(RuntimeError):
    """A shard on disk does not match the index (truncated, missing or corrupt)."""


class _Shard:
    def __init__(self, name: str, meta: Dict[str, Any]) -> None:
        self.name = name
        self.batch_input_shapes = meta.get('batch_input_shapes')
        self.shapes = {leaf: [tuple(s) for s in info['shapes']] for leaf, info in meta['leaves'].items()}
        self.offsets = {}
        for leaf, shapes in self.shapes.items():
            sizes = [int(np.prod(s)) for s in shapes]
            self.offsets[leaf] = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)


class TeacherFeatureCache:
    """Args:
        cache_dir: a folder written by :class:`TeacherFeatureCacheWriter`.
        fingerprints: the current config's fingerprints; a cache made with
            other ones is refused (``None`` skips the check: tests, tools).
        recorders: ``{model: {recorder: cfg}}`` that must be in the cache.
        verify_hashes: also check every file's sha256 at open (slower).
        allow_incomplete: accept an interrupted extraction (missing samples
            are misses); otherwise refuse it.
        allow_bad_shards: skip (with a warning) shards that fail their check
            instead of refusing the cache.
        max_open: memory maps kept open (each holds a file descriptor).
    """

    def __init__(self, cache_dir: str, fingerprints: Optional[Dict[str, str]] = None,
                 recorders: Optional[Dict[str, Dict[str, dict]]] = None, verify_hashes: bool = False,
                 allow_incomplete: bool = False, allow_bad_shards: bool = False,
                 max_open: int = 256, logger: Optional[MMLogger] = None) -> None:
        logger = logger or MMLogger.get_current_instance()
        require_mounted(cache_dir)
        index = CacheIndex.load(cache_dir)
        if index is None:
            if part_names(cache_dir):
                raise FileNotFoundError(
                    f'teacher cache {cache_dir!r} has the parts of a distributed extraction but no merged '
                    'index.json (a rank failed): run the same tools/dist_extract_teacher_features.sh '
                    'command again; it resumes every part and merges them')
            raise FileNotFoundError(
                f'no teacher cache at {cache_dir!r} (no index.json): extract it first with '
                'python tools/extract_teacher_features.py CONFIG [--cache-dir DIR]')
        if fingerprints is not None:
            index.check_fingerprints(fingerprints, hint='opening it for training')
        if recorders:
            index.check_records(recorders)
        if not index.complete and not allow_incomplete:
            raise CacheMismatchError(
                f'teacher cache {cache_dir!r} is incomplete (its extraction was interrupted): run '
                "tools/extract_teacher_features.py again to finish it, or set on_miss='teacher'")
        bad = index.bad_shards(verify_hashes)
        if bad:
            listing = '; '.join(f'{k}: {v}' for k, v in bad.items())
            if not allow_bad_shards:
                raise CacheIntegrityError(
                    f'teacher cache {cache_dir!r} has damaged shards ({listing}). Run '
                    'tools/extract_teacher_features.py again: it drops and re-extracts them.')
            logger.warning(f'teacher cache {cache_dir!r}: skipping damaged shards ({listing}); '
                           'their samples run the live teacher')
        self.cache_dir = cache_dir
        self.index = index
        self.records = index.records
        self.dtype = index.data['dtype']
        self.shards: List[_Shard] = []
        self.locations: Dict[str, Location] = {}
        sample_ids = set()
        for name in sorted(index.shards):
            if name in bad:
                continue
            meta = index.read_meta(name)
            self.shards.append(_Shard(name, meta))
            for row, (sample_id, aug) in enumerate(meta['samples']):
                self.locations[f'{sample_id}|{aug}'] = (len(self.shards) - 1, row)
                sample_ids.add(sample_id)
        self.keys = SampleKeys(index.data['id_kind'], known_ids=sample_ids)
        stored = self.shards[0].shapes if self.shards else {}
        self.quantized = {leaf for leaf in stored if leaf + SCALE_SUFFIX in stored}  # int8 leaves
        self._maps: 'OrderedDict[Tuple[int, str], np.ndarray]' = OrderedDict()
        self.max_open = max_open

    def __len__(self) -> int:
        return len(self.locations)

    def __getstate__(self) -> Dict[str, Any]:
        """Pickled (to spawned dataloader workers) without its memory maps, which reopen lazily."""
        state = dict(self.__dict__)
        state['_maps'] = OrderedDict()
        return state

    def __contains__(self, key: str) -> bool:
        return key in self.locations

    def keys_for(self, data_samples: Sequence[Any]) -> List[str]:
        return [self.keys.key(sample.metainfo) for sample in data_samples]

    def locate(self, keys: Sequence[str]) -> List[Optional[Location]]:
        return [self.locations.get(key) for key in keys]

    def _array(self, shard: int, leaf: str) -> np.ndarray:
        handle = (shard, leaf)
        array = self._maps.get(handle)
        if array is None:
            path = self.index.shard_path(self.shards[shard].name, f'{leaf}.npy')
            array = np.load(path, mmap_mode='r')
            self._maps[handle] = array
            if len(self._maps) > self.max_open:
                self._maps.popitem(last=False)
        else:
            self._maps.move_to_end(handle)
        return array

    def sample_arrays(self, location: Location, leaf: str) -> np.ndarray:
        """One sample's stored array of ``leaf`` (a read-only view of the memory map)."""
        shard, row = location
        info = self.shards[shard]
        start, end = info.offsets[leaf][row], info.offsets[leaf][row + 1]
        return self._array(shard, leaf)[start:end].reshape(info.shapes[leaf][row])

    def batch_input_shape(self, location: Location) -> Any:
        shapes = self.shards[location[0]].batch_input_shapes
        return shapes[location[1]] if shapes else None

    def read_sample(self, location: Location, float_dtypes: Optional[Mapping[str, torch.dtype]] = None,
                    device: Optional[torch.device] = None) -> Dict[str, Dict[str, Any]]:
        """``{model: {recorder: value}}`` of one sample at its stored shapes (no batch dimension).

        For values whose length differs between samples (a variable number of
        proposals and their embeddings), which :meth:`read` would zero-pad
        into one batch tensor, losing the count. Tensors are copies (writable),
        floating ones in ``float_dtypes[model]`` (default float32).
        """
        return self._assemble(lambda leaf: np.array(self.sample_arrays(location, leaf)), float_dtypes, device)

    def read(self, locations: Sequence[Location], float_dtypes: Optional[Mapping[str, torch.dtype]] = None,
             device: Optional[torch.device] = None) -> Dict[str, Dict[str, Any]]:
        """``{model: {recorder: value}}`` for a batch of samples, stacked in order.

        Floating leaves are returned as ``float_dtypes[model]`` (the teacher's
        dtype; default float32) whatever the storage dtype (int8 leaves are
        multiplied by their scales).
        """
        return self._assemble(lambda leaf: pad_stack([self.sample_arrays(loc, leaf) for loc in locations]),
                              float_dtypes, device)

    def stored_leaves(self, location: Location) -> Dict[str, np.ndarray]:
        """Every stored array of one sample (int8 scales included), as copies (e.g. to count its bytes)."""
        return {leaf: np.array(self.sample_arrays(location, leaf)) for leaf in self.shards[location[0]].shapes}

    def _assemble(self, leaf_array, float_dtypes: Optional[Mapping[str, torch.dtype]],
                  device: Optional[torch.device]) -> Dict[str, Dict[str, Any]]:
        """``{model: {recorder: value}}`` from ``leaf_array(leaf) -> np.ndarray`` per stored leaf,
        floating leaves cast to ``float_dtypes[model]`` (default float32), moved to ``device``."""
        return assemble(self.records, lambda leaf: torch.from_numpy(leaf_array(leaf)),
                        self.quantized.__contains__,
                        float_dtypes, device)


def assemble(records: Dict[str, Dict[str, Any]], leaf_tensor: Callable[[str], torch.Tensor],
             quantized: Callable[[str], bool], float_dtypes: Optional[Mapping[str, torch.dtype]],
             device: Optional[torch.device]) -> Dict[str, Dict[str, Any]]:
    """``{model: {recorder: value}}`` from ``leaf_tensor(name)`` (a stored array as a tensor;
    called for ``<leaf>.scale`` too when ``quantized(leaf)``), floating leaves in
    ``float_dtypes[model]`` (default float32) on ``device``. Shared by the synchronous
    read and the batches a dataloader worker prefetched."""
    out: Dict[str, Dict[str, Any]] = {}
    for model, recorders in records.items():
        dtype = (float_dtypes or {}).get(model, torch.float32)
        out[model] = {}
        for name, info in recorders.items():
            leaves = []
            for leaf in info['leaves']:
                tensor = leaf_tensor(leaf)
                if device is not None:
                    tensor = tensor.to(device, non_blocking=True)
                if quantized(leaf):
                    scales = leaf_tensor(leaf + SCALE_SUFFIX)
                    tensor = dequantize_int8(tensor, scales.to(tensor.device), dtype)
                elif tensor.is_floating_point():
                    tensor = tensor.to(dtype)
                leaves.append(tensor)
            if 'levels' in info:  # only some tensors stored: None in the others' places
                every = [None] * count_leaves(info['spec'])
                for position, tensor in zip(info['levels'], leaves):
                    every[position] = tensor
                leaves = every
            out[model][name] = unflatten(info['spec'], leaves)
    return out
