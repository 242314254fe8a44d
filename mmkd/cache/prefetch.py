"""Read the next batches' cache entries in the dataloader workers, not in the training step.

Without it every cached training step builds the samples' keys (JSON of
their augmentation metainfo), looks them up, slices the memory maps and
copies the rows, on the main process between two optimizer steps. Wrapped
around the train dataloader's ``collate_fn`` (``mmkd.TeacherCacheHook`` does
it when ``teacher_cache.prefetch`` is on, the default),
:class:`TeacherCachePrefetch` does that work in the workers while the
previous step runs: the stored arrays of the batch are stacked there
(:class:`PrefetchedBatch`), and each data sample gets a :class:`PrefetchedEntry`
(its row of that batch) in the field ``teacher_cache_entry``. The data
preprocessor moves them to the device with the rest of the sample
(``BaseDataElement.to``; one copy per batch), and
:meth:`~mmkd.cache.cached_teacher.CachedTeacher.inject` hands the stacked
tensors to the recorders as they are (int8 ones times their scales). A batch
with a sample the cache does not hold gets no entries and takes the
synchronous read, so misses behave as before.

The workers open their own read-only memory maps of the same files (forked
workers inherit the opened index; spawned ones get it pickled without its maps).
"""
from __future__ import annotations

from typing import Any, Callable, Dict, Optional, Sequence

import torch

from .batch import pad_stack, pad_stack_tensors
from .reader import TeacherFeatureCache

PREFETCH_FIELD = 'teacher_cache_entry'


class PrefetchedBatch:
    """The stored arrays of a whole batch, stacked by the worker (``leaf -> (B, ...)``,
    int8 values and scales as stored), and the batch shapes they were extracted under."""

    def __init__(self, leaves: Dict[str, torch.Tensor], batch_input_shapes: list) -> None:
        self.leaves = leaves
        self.batch_input_shapes = batch_input_shapes
        self._moved: Dict[str, 'PrefetchedBatch'] = {}

    def to(self, *args, **kwargs) -> 'PrefetchedBatch':
        """Moved once per batch, however many of its samples ask."""
        key = repr((args, sorted(kwargs.items())))
        if key not in self._moved:
            self._moved[key] = PrefetchedBatch({k: v.to(*args, **kwargs) for k, v in self.leaves.items()},
                                               self.batch_input_shapes)
        return self._moved[key]


class PrefetchedEntry:
    """Row ``row`` of a :class:`PrefetchedBatch` read from ``cache_dir``; one per data sample."""

    def __init__(self, cache_dir: str, batch: PrefetchedBatch, row: int) -> None:
        self.cache_dir = cache_dir
        self.batch = batch
        self.row = row

    def to(self, *args, **kwargs) -> 'PrefetchedEntry':
        """Moved with its data sample by the data preprocessor."""
        return PrefetchedEntry(self.cache_dir, self.batch.to(*args, **kwargs), self.row)


def prefetched_entries(data_samples: Sequence[Any], cache_dir: str) -> Optional[list]:
    """The entries of every sample of the batch, or None unless all were prefetched from ``cache_dir``."""
    entries = []
    for sample in data_samples:
        entry = sample.get(PREFETCH_FIELD, None) if hasattr(sample, 'get') else None
        if not isinstance(entry, PrefetchedEntry) or entry.cache_dir != cache_dir:
            return None
        entries.append(entry)
    return entries


def stacked_leaf(entries: Sequence[PrefetchedEntry], leaf: str) -> torch.Tensor:
    """``leaf`` for the batch of ``entries``: the worker's stacked tensor itself when the
    samples are still its batch in order (no copy), else their rows stacked again."""
    batch = entries[0].batch
    if all(e.batch is batch and e.row == i for i, e in enumerate(entries)) and \
            len(entries) == batch.leaves[leaf].shape[0]:
        return batch.leaves[leaf]
    return pad_stack_tensors([e.batch.leaves[leaf][e.row] for e in entries])


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
        locations = cache.locate(cache.keys_for(data_samples))
        if any(location is None for location in locations):
            return  # a miss: the training step reads and decides (error or live teacher)
        names = cache.shards[locations[0][0]].shapes
        leaves = {name: torch.from_numpy(pad_stack([cache.sample_arrays(loc, name) for loc in locations]))
                  for name in names}
        batch = PrefetchedBatch(leaves, [cache.batch_input_shape(loc) for loc in locations])
        for row, sample in enumerate(data_samples):
            sample.set_field(PrefetchedEntry(cache.cache_dir, batch, row), PREFETCH_FIELD)
