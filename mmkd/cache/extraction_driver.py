"""The one extraction loop of every cache: skip what is stored, compute the rest, write shards, resume.

Teacher features of a distillation config (:mod:`.extract`) and OADP's OAKE
embeddings (``mmkd.models.oadp.oake_extraction``) are written by this loop;
they differ only in what a batch is and how its tensors are computed, which
the caller passes in. The loop knows no model:

* ``batches`` yields ``(keys, data)``: the cache key of each sample of the
  batch (see :mod:`.sample_key`) and whatever ``compute`` needs;
* ``compute(data, todo)`` runs the model on the batch and returns a
  :class:`ComputedBatch`: the recorded structure (``records``, declared to the
  writer) and, for each sample index in ``todo``, its leaf arrays.

Samples whose key is already stored (a resumed run), or repeated within the
batch, are skipped, and a batch with nothing left to compute is not
computed. Shards are written atomically by
:class:`~mmkd.cache.writer.TeacherFeatureCacheWriter`; an interrupted run,
started again with the same fingerprints, computes only what is missing.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, Iterable, List, Optional, Sequence, Tuple, Union

import numpy as np
import torch
from mmengine.logging import MMLogger

from . import budget
from .quantize import quantize_int8
from .writer import STORAGE_DTYPES, TeacherFeatureCacheWriter


@dataclass
class ComputedBatch:
    """What ``compute`` returns: the records declaration and, per sample of
    ``todo`` (same order), ``leaf name -> array`` and optionally the batch
    input shape that sample was padded to."""
    records: Dict[str, Dict[str, Any]]
    leaves: List[Dict[str, Union[np.ndarray, torch.Tensor]]]
    input_shapes: List[Optional[List[int]]] = field(default_factory=list)


def to_storage(value: torch.Tensor, dtype: str, where: str) -> torch.Tensor:
    """``value`` on the CPU, floating tensors cast to the cache ``dtype``; refuses
    values that float16 cannot hold (they would be stored as inf)."""
    value = value.detach().cpu()
    if not value.is_floating_point():
        return value
    stored = value.to(getattr(torch, dtype))
    if dtype == 'float16' and bool((torch.isinf(stored) & ~torch.isinf(value)).any()):
        raise OverflowError(f'teacher cache: {where} exceeds the float16 range '
                            f'(max |x| = {value.abs().max().item():.3g}); use --dtype float32')
    return stored


def encode_leaf(name: str, value: torch.Tensor, dtype: str, where: str) -> Dict[str, torch.Tensor]:
    """The stored arrays of one recorded batch tensor under storage ``dtype``
    (``'float32'``, ``'float16'`` or ``'int8'``): ``{name: values}`` plus, for
    int8 feature maps, ``{name + '.scale': per-sample per-channel scales}``
    (see :mod:`.quantize`). Integer tensors are stored as they are."""
    if dtype not in STORAGE_DTYPES:
        raise ValueError(f'teacher cache dtype must be one of {STORAGE_DTYPES}, got {dtype!r}')
    if dtype != 'int8':
        return {name: to_storage(value, dtype, where)}
    value = value.detach().cpu()
    if not value.is_floating_point():
        return {name: value}
    if value.dim() < 3:  # no channel axis per sample: float16
        return {name: to_storage(value, 'float16', where)}
    return {name + suffix: array for suffix, array in quantize_int8(value, where).items()}


def _as_array(value: Union[np.ndarray, torch.Tensor]) -> np.ndarray:
    return value.detach().cpu().numpy() if isinstance(value, torch.Tensor) else np.asarray(value)


def _check_budget(computed: ComputedBatch, to_write: int, writer: TeacherFeatureCacheWriter,
                  allow_over_budget: bool, free_bytes: Optional[int], what: str, logger: MMLogger) -> None:
    arrays = [{name: _as_array(value) for name, value in leaves.items()} for leaves in computed.leaves]
    found = budget.measure(arrays, to_write, budget.resolve_free(writer.cache_dir, free_bytes))
    logger.info(found.report(what))
    try:
        budget.check(found, writer.cache_dir, allow_over_budget, what)
    except budget.StorageBudgetError:
        writer.discard_if_empty()
        raise
    if not found.fits:
        logger.warning(f'{what}: the cache may not fit on its disk; going on as asked (--ignore-budget)')


def run_extraction(cache_dir: str, fingerprints: Dict[str, str], id_kind: Union[str, Callable[[], str]],
                   batches: Iterable[Tuple[Sequence[str], Any]],
                   compute: Callable[[Any, List[int]], ComputedBatch], dtype: str = 'float32',
                   shard_size: int = 256, verify_hashes: bool = True, stop_after_shards: Optional[int] = None,
                   what: str = 'teacher cache', logger: Optional[MMLogger] = None,
                   budget_samples: Optional[int] = None, allow_over_budget: bool = False,
                   free_bytes: Optional[int] = None) -> Dict[str, int]:
    """Fill ``cache_dir`` with ``compute``'s outputs for every sample of ``batches``.

    Args:
        fingerprints: what produced the values (see :mod:`.fingerprint`); an
            existing cache with other ones is refused, naming which differ.
        id_kind: ``'img_id'`` or ``'img_path'``, or a callable giving it once
            the first batch has been drawn (when the samples decide it).
        stop_after_shards: stop like an interruption once that many shards are
            written, leaving the cache incomplete (tests of resuming).
        what: how logs and errors name this cache.
        budget_samples: samples the whole extraction writes (dataset size x
            passes): the first computed batch gives the bytes per sample, and
            the extraction refuses to write when the total for the samples not
            yet stored exceeds the free disk space (:mod:`.budget`), unless
            ``allow_over_budget``. ``free_bytes`` replaces the measured free space
            (tests). ``None``: no budget.

    Returns counts: ``written`` and ``skipped`` (already cached) samples, ``shards`` written.
    """
    logger = logger or MMLogger.get_current_instance()
    started = time.perf_counter()
    writer: Optional[TeacherFeatureCacheWriter] = None
    stats = dict(written=0, skipped=0, shards=0)
    for keys, data in batches:
        if writer is None:
            writer = TeacherFeatureCacheWriter(cache_dir, fingerprints, id_kind() if callable(id_kind) else id_kind,
                                               dtype, shard_size, verify_hashes, logger)
        keys = list(keys)
        todo = [i for i, key in enumerate(keys) if key not in writer and key not in keys[:i]]
        stats['skipped'] += len(keys) - len(todo)
        if not todo:
            continue
        computed = compute(data, todo)
        if len(computed.leaves) != len(todo):
            raise ValueError(f'{what}: compute returned {len(computed.leaves)} samples for {len(todo)} asked')
        if budget_samples is not None:
            _check_budget(computed, budget_samples - len(writer.keys), writer, allow_over_budget, free_bytes,
                          what, logger)
            budget_samples = None
        writer.set_records(computed.records)
        shapes = computed.input_shapes or [None] * len(todo)
        for i, leaves, shape in zip(todo, computed.leaves, shapes):
            writer.add(keys[i], {name: _as_array(value) for name, value in leaves.items()}, shape)
        stats['written'] += len(todo)
        if stop_after_shards is not None and writer.shards_written >= stop_after_shards:
            stats['shards'] = writer.shards_written
            logger.warning(f'{what}: stopped after {writer.shards_written} shard(s) as asked; the cache is '
                           'incomplete')
            return stats
    if writer is None:
        raise ValueError(f'{what}: there are no samples to extract')
    writer.finish()
    stats['shards'] = writer.shards_written
    seconds = time.perf_counter() - started
    logger.info(f'{what} {cache_dir!r} complete: {stats["written"]} samples written in {seconds:.1f} s '
                f'({stats["written"] / max(seconds, 1e-9):.2f} samples/s), {stats["skipped"]} already '
                f'cached, {len(writer.keys)} samples in {len(writer.index.shards)} shards')
    return stats
