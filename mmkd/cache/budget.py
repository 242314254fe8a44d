"""What a cache will cost on disk, known before its first shard is written.

Teacher features are large at real sizes (RetinaNet's five FPN levels at
1333 x 800 are about 11 MB per image in float16). The extraction runs the
teacher on its first batch, measures the stored bytes of every recorded
tensor per sample (in the storage mode: int8 counts its scales), multiplies
by the samples still to write (dataset size x passes, less what a resumed
cache already holds), and compares with the free space of the cache's disk
(``shutil.disk_usage``). It refuses to start when the total does not fit,
naming the numbers, unless told to go on.
"""
from __future__ import annotations

import os.path as osp
import shutil
from dataclasses import dataclass
from typing import Dict, Mapping, Optional, Sequence

import numpy as np

from .quantize import SCALE_SUFFIX


class StorageBudgetError(OSError):
    """The cache would not fit on its disk."""


def human_bytes(n: float) -> str:
    for unit in ('B', 'KiB', 'MiB', 'GiB', 'TiB'):
        if abs(n) < 1024 or unit == 'TiB':
            return f'{n:.0f} {unit}' if unit == 'B' else f'{n:.2f} {unit}'
        n /= 1024
    return f'{n:.2f} TiB'


def free_space(cache_dir: str) -> int:
    """Free bytes on the disk that holds ``cache_dir`` (or its nearest existing parent)."""
    path = osp.abspath(cache_dir)
    while not osp.exists(path) and osp.dirname(path) != path:
        path = osp.dirname(path)
    return shutil.disk_usage(path).free


@dataclass
class StorageBudget:
    """Bytes per sample of each recorded tensor (int8 scales counted with their
    tensor), the samples still to write, and the free space found."""
    tensor_bytes: Dict[str, float]
    samples: int
    free: int

    @property
    def per_sample(self) -> float:
        return float(sum(self.tensor_bytes.values()))

    @property
    def total(self) -> float:
        return self.per_sample * self.samples

    @property
    def fits(self) -> bool:
        return self.total <= self.free

    def report(self, what: str = 'teacher cache') -> str:
        lines = [f'{what} budget (measured on the first batch):']
        lines += [f'  {name}: {human_bytes(size)} per sample' for name, size in self.tensor_bytes.items()]
        lines.append(f'  total: {human_bytes(self.per_sample)} per sample x {self.samples} samples to write = '
                     f'{human_bytes(self.total)}; free disk space: {human_bytes(self.free)}')
        return '\n'.join(lines)


def measure(samples: Sequence[Mapping[str, np.ndarray]], to_write: int, free: int) -> StorageBudget:
    """The budget from the stored arrays of some samples (leaf name -> array each)."""
    sizes: Dict[str, float] = {}
    for leaves in samples:
        for name, array in leaves.items():
            tensor = name[:-len(SCALE_SUFFIX)] if name.endswith(SCALE_SUFFIX) else name
            sizes[tensor] = sizes.get(tensor, 0) + np.asarray(array).nbytes
    return StorageBudget({k: v / max(len(samples), 1) for k, v in sizes.items()}, max(to_write, 0), free)


def check(budget: StorageBudget, cache_dir: str, allow_over_budget: bool, what: str = 'teacher cache') -> None:
    if budget.fits or allow_over_budget:
        return
    raise StorageBudgetError(
        f'{what} {cache_dir!r} needs about {human_bytes(budget.total)} ({budget.total:.0f} bytes: '
        f'{human_bytes(budget.per_sample)} per sample x {budget.samples} samples) but its disk has '
        f'{human_bytes(budget.free)} ({budget.free} bytes) free. Free space, store fewer or smaller '
        'tensors (--dtype float16|int8), or pass --ignore-budget to start anyway.')


def resolve_free(cache_dir: str, free_bytes: Optional[int]) -> int:
    return free_space(cache_dir) if free_bytes is None else int(free_bytes)
