"""The cache as a teacher source of a distillation algorithm.

``MultiTeacherDistill(teacher_cache=dict(cache_dir=..., on_miss='error'))``
holds one :class:`CachedTeacher`. It is opened before training by
``mmkd.TeacherCacheHook`` (which knows the training pipeline, needed for the
fingerprint check); then each training step calls :meth:`CachedTeacher.inject`,
which looks up every data sample of the batch and, if all are cached, hands
the stacked features to the teacher recorders so the teachers do not run.

With ``prefetch=True`` (the default) the hook also wraps the train
dataloader's ``collate_fn`` so that the workers read the next batches'
entries (:mod:`.prefetch`); ``inject`` then only stacks them.

``on_miss`` decides what a batch with an uncached sample (an augmentation
variant the extraction did not draw, an interrupted or damaged cache) does:
``'error'`` raises, naming the sample and the cache; ``'teacher'`` runs the
live teachers for that batch and logs it once.
"""
from __future__ import annotations

from typing import Any, Callable, Dict, List, Optional, Sequence

import torch
from mmengine.logging import MMLogger
from torch import nn

from .fingerprint import algorithm_fingerprints
from .index import CacheMismatchError
from .prefetch import TeacherCachePrefetch, prefetched_entries, stacked_leaf
from .reader import TeacherFeatureCache, assemble
from .sample_key import split_key

ON_MISS = ('error', 'teacher')


class TeacherCacheMiss(KeyError):
    """A sample of the batch is not in the cache and ``on_miss='error'``."""

    def __str__(self) -> str:  # KeyError would quote the whole message
        return str(self.args[0])


class CachedTeacher:
    """Args:
        cache_dir: folder written by ``tools/extract_teacher_features.py``.
        on_miss: ``'error'`` or ``'teacher'`` (see module docstring).
        verify_hashes: check every shard's sha256 when opening (sizes are always checked).
        prefetch: read the entries in the dataloader workers (see :mod:`.prefetch`).
        levels: ``{recorder: [positions]}``: the extraction stores only these
            tensors of a recorder's tuple (e.g. ``dict(fpn=[0, 1, 2])``, three of
            five FPN levels, for a distiller whose ``loss_inputs`` read only
            those, as ``('teacher', 'fpn', 0)``). Opening checks that the cache
            holds exactly these and that no loss input reads another.
    """

    def __init__(self, cache_dir: str, on_miss: str = 'error', verify_hashes: bool = False,
                 prefetch: bool = True, levels: Optional[Dict[str, List[int]]] = None) -> None:
        if on_miss not in ON_MISS:
            raise ValueError(f'teacher_cache.on_miss must be one of {ON_MISS}, got {on_miss!r}')
        self.cache_dir = cache_dir
        self.on_miss = on_miss
        self.verify_hashes = verify_hashes
        self.prefetch = prefetch
        self.levels = {name: sorted(set(positions)) for name, positions in (levels or {}).items()}
        self.cache: Optional[TeacherFeatureCache] = None
        self.float_dtypes: Dict[str, torch.dtype] = {}
        self.batches_cached = 0
        self.batches_live = 0
        self._warned_miss = False
        self._warned_shape = False

    def open(self, algorithm: nn.Module, pipeline_cfg: Any) -> None:
        """Open the cache for ``algorithm`` trained with ``pipeline_cfg``, refusing a
        cache made with another pipeline, preprocessor, teacher or recorder set."""
        recorders = {name: cfgs for name, cfgs in algorithm.distiller.recorder_cfgs.items()
                     if name in algorithm.teachers}
        lenient = self.on_miss == 'teacher'
        self.cache = TeacherFeatureCache(
            self.cache_dir, algorithm_fingerprints(algorithm, pipeline_cfg), recorders,
            verify_hashes=self.verify_hashes, allow_incomplete=lenient, allow_bad_shards=lenient)
        self._check_levels(algorithm)
        for name, teacher in algorithm.teachers.items():
            dtypes = [p.dtype for p in teacher.parameters() if p.is_floating_point()]
            self.float_dtypes[name] = dtypes[0] if dtypes else torch.float32
        MMLogger.get_current_instance().info(
            f'teacher cache {self.cache_dir!r}: {len(self.cache)} cached samples; '
            f'teachers do not run in training (on_miss={self.on_miss!r})')

    def _check_levels(self, algorithm: nn.Module) -> None:
        """The stored subsets of recorders must be the configured ones and cover every loss input."""
        stored = {(model, name): info['levels'] for model, recorders in self.cache.records.items()
                  for name, info in recorders.items() if 'levels' in info}
        for (model, name), positions in stored.items():
            if self.levels.get(name) != positions:
                raise CacheMismatchError(
                    f'teacher cache {self.cache_dir!r} stores levels {positions} of recorder {name!r} of the '
                    f'{model}; teacher_cache.levels asks for {self.levels.get(name)}: extract it again')
        unstored = [name for name in self.levels if not any(n == name for _, n in stored)]
        if unstored:
            raise CacheMismatchError(f'teacher cache {self.cache_dir!r} stores every level of {unstored}, '
                                     f'teacher_cache.levels asks for {self.levels}: extract it again')
        if not stored:
            return
        loss_inputs = getattr(algorithm.distiller, 'loss_inputs', None)
        if loss_inputs is None:
            raise ValueError(f'teacher_cache.levels: {type(algorithm.distiller).__name__} has no loss_inputs, so '
                             'nothing says which levels it reads; store every level')
        for loss, mapping in loss_inputs.items():
            reads = [item for item in mapping.values()] + [extra for item in mapping.values()
                                                           for _, extra in item.connector_inputs]
            for item in reads:
                positions = stored.get((item.model, item.recorder))
                if positions is not None and item.data_idx not in positions:
                    raise ValueError(
                        f'teacher_cache.levels: loss {loss!r} reads {item.describe()}, but the cache stores only '
                        f'levels {positions} of that recorder; read one level per loss input (data_idx) '
                        'among those, or store it')

    def collate_fn(self, collate: Callable[[Sequence[Any]], Any]) -> TeacherCachePrefetch:
        """``collate`` wrapped to attach each sample's entry in the dataloader workers."""
        if self.cache is None:
            raise RuntimeError('teacher cache: open() the cache before wrapping a collate_fn with it')
        return TeacherCachePrefetch(collate, self.cache)

    def inject(self, data_samples: Optional[Sequence[Any]], managers: Dict[str, Any],
               device: torch.device) -> bool:
        """Put the batch's cached features into the teacher recorders.

        Returns False when the live teachers must run instead (a miss with
        ``on_miss='teacher'``).
        """
        if self.cache is None:
            raise RuntimeError(
                'teacher_cache is set but the cache was not opened: add '
                "dict(type='mmkd.TeacherCacheHook') to custom_hooks (it checks the cache against the "
                'training pipeline before training), or call algorithm.open_teacher_cache(pipeline_cfg)')
        if not data_samples:
            raise ValueError('teacher cache: the batch has no data samples to look up')
        entries = prefetched_entries(data_samples, self.cache.cache_dir) if self.prefetch else None
        if entries is not None:  # read and stacked by the dataloader workers
            self._check_batch_shape(data_samples, entries[0].batch.batch_input_shapes[entries[0].row])
            values = assemble(self.cache.records, lambda leaf: stacked_leaf(entries, leaf),
                              self.cache.quantized.__contains__, self.float_dtypes, device)
            self._set(values, managers)
            return True
        keys = self.cache.keys_for(data_samples)
        locations = self.cache.locate(keys)
        missing = [key for key, loc in zip(keys, locations) if loc is None]
        if missing:
            sample_id, aug = split_key(missing[0])
            if self.on_miss == 'error':
                raise TeacherCacheMiss(
                    f'teacher cache {self.cache_dir!r} has no entry for sample {sample_id!r} with '
                    f'augmentation {aug} ({len(missing)} of {len(keys)} samples of this batch missing). '
                    'Extract more augmentation variants (--passes N), finish the extraction, or set '
                    "teacher_cache.on_miss='teacher' to run the live teacher for such batches.")
            if not self._warned_miss:
                MMLogger.get_current_instance().warning(
                    f'teacher cache {self.cache_dir!r}: sample {sample_id!r} with augmentation {aug} is not '
                    'cached; running the live teachers for batches with uncached samples '
                    "(on_miss='teacher'; logged once)")
                self._warned_miss = True
            self.batches_live += 1
            return False
        self._check_batch_shape(data_samples, self.cache.batch_input_shape(locations[0]))
        self._set(self.cache.read(locations, self.float_dtypes, device), managers)
        return True

    def _set(self, values: Dict[str, Dict[str, Any]], managers: Dict[str, Any]) -> None:
        for model, recorders in values.items():
            manager = managers.get(model)
            if manager is None:
                continue
            for name, value in recorders.items():
                if name in manager.recorders:
                    manager.set(name, value)
        self.batches_cached += 1

    def _check_batch_shape(self, data_samples: Sequence[Any], then: Any) -> None:
        if self._warned_shape:
            return
        now = getattr(data_samples[0], 'metainfo', {}).get('batch_input_shape')
        if now is not None and then is not None and list(now) != list(then):
            MMLogger.get_current_instance().warning(
                f'teacher cache: features were extracted from a batch padded to {list(then)}, this batch '
                f'is padded to {list(now)}; cached features are zero-padded to the batch, which matches '
                'the live teacher only when padded shapes agree (logged once)')
            self._warned_shape = True
