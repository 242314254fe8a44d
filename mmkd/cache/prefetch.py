"""Read the next batches' cache entries in the dataloader workers, not in the training step.

Without it every cached training step builds the samples' keys (JSON of
their augmentation metainfo), looks them up, slices the memory maps and
copies the rows, on the main process between two optimizer steps. Wrapped
around the train dataloader's ``collate_fn`` (``mmkd.TeacherCacheHook`` does
it when ``teacher_cache.prefetch`` is on, the default),
:class:`TeacherCachePrefetch` does that work in the workers while the
previous step runs: each data sample of a collated batch gets a
:class:`PrefetchedEntry` (its stored arrays as tensors) in the field
``teacher_cache_entry``. The data preprocessor moves it to the device with
the rest of the sample (``BaseDataElement.to``), and
:meth:`~mmkd.cache.cached_teacher.CachedTeacher.inject` only stacks the
entries. Samples without an entry (a miss, a sample the wrapper did not see)
take the synchronous read, so misses behave as before.

The workers open their own read-only memory maps of the same files (forked
workers inherit the opened index; spawned ones get it pickled without its maps).
"""
from __future__ import annotations

from typing import Any, Callable, Dict, Optional, Sequence

import torch

from .reader import TeacherFeatureCache

PREFETCH_FIELD = 'teacher_cache_entry'


class PrefetchedEntry:
    """One sample's stored arrays (int8 values and scales as stored), the cache
    they come from and the batch shape it was extracted under."""

    def __init__(self, cache_dir: str, leaves: Dict[str, torch.Tensor], batch_input_shape: Any = None) -> None:
        self.cache_dir = cache_dir
        self.leaves = leaves
        self.batch_input_shape = batch_input_shape

    def to(self, *args, **kwargs) -> 'PrefetchedEntry':
        """Moved with its data sample by the data preprocessor."""
        return PrefetchedEntry(self.cache_dir, {k: v.to(*args, **kwargs) for k, v in self.leaves.items()},
                               self.batch_input_shape)


def prefetched_entries(data_samples: Sequence[Any], cache_dir: str) -> Optional[list]:
    """The entries of every sample of the batch, or None unless all were prefetched from ``cache_dir``."""
    entries = []
    for sample in data_samples:
        entry = sample.get(PREFETCH_FIELD, None) if hasattr(sample, 'get') else None
        if not isinstance(entry, PrefetchedEntry) or entry.cache_dir != cache_dir:
            return None
        entries.append(entry)
    return entries


class TeacherCachePrefetch:
    """A ``collate_fn`` that collates with ``collate`` and attaches each sample's cache entry.

    Args:
        collate: the dataloader's own collate function.
        cache: the opened cache (checked against the training config by the hook).
    """

    def __init__(self, collate: Callable[[Sequence[Any]], Any], cache: TeacherFeatureCache) -> None:
        self.collate = collate
        self.cache = cache

    def __call__(self, data_batch: Sequence[Any]) -> Any:
        data = self.collate(data_batch)
        samples = data.get('data_samples') if isinstance(data, dict) else None
        if samples:
            self.attach(samples)
        return data

    def attach(self, data_samples: Sequence[Any]) -> None:
        cache = self.cache
        for sample, location in zip(data_samples, cache.locate(cache.keys_for(data_samples))):
            if location is None:
                continue  # a miss: the training step decides (error or live teacher)
            leaves = {name: torch.from_numpy(array) for name, array in cache.stored_leaves(location).items()}
            sample.set_field(PrefetchedEntry(cache.cache_dir, leaves, cache.batch_input_shape(location)),
                             PREFETCH_FIELD)
