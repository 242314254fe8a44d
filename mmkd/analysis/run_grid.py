"""Run grids of trainings (teacher, student alone, distilled students x seeds) and tabulate them.

``tools/analysis/run_ofa_grid.py`` (classification) and
``tools/analysis/run_dense_grid.py`` (detection and segmentation) plan their
runs and hand them here. Each run is a fresh ``tools/train.py`` process (so
one run's memory or threads never leak into the next) whose log goes to
``<work_dir>/stdout.log``; its final metric is read back from mmengine's
``scalars.json`` and stored in ``<work_dir>/result.json``. A run with a
``result.json`` is skipped, so an interrupted grid resumes where it stopped.
"""
from __future__ import annotations

import glob
import json
import os
import os.path as osp
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from typing import Dict, List, Sequence, Tuple

from mmkd.utils.checkpoint import atomic_write_bytes

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


@dataclass
class GridRun:
    """One training: ``key`` identifies it in the results (its last item is the seed)."""

    key: Tuple
    config: str
    work_dir: str
    options: List[str] = field(default_factory=list)

    def describe(self) -> str:
        return ' '.join(str(k) for k in self.key[:-1]) + f' seed {self.key[-1]}'


def read_last_metric(work_dir: str, metric: str) -> float:
    """The last logged value of ``metric`` under ``work_dir`` (mmengine's ``scalars.json``).

    The newest run folder that logged it wins, so a resumed run reports its
    final validation, not an earlier one.
    """
    for path in sorted(glob.glob(osp.join(work_dir, '*', 'vis_data', 'scalars.json')), reverse=True):
        with open(path) as f:
            values = [json.loads(line) for line in f if f'"{metric}"' in line]
        if values:
            return float(values[-1][metric])
    raise FileNotFoundError(f'no {metric!r} logged under {work_dir} (did the run validate?)')


def stored_result(run: GridRun) -> float | None:
    """The value in ``run``'s ``result.json``, or None when the run has not finished."""
    result_file = osp.join(run.work_dir, 'result.json')
    if not osp.isfile(result_file):
        return None
    with open(result_file) as f:
        return json.load(f)['value']


def print_plan(runs: Sequence[GridRun]) -> None:
    """One line per run: what, which config, where, with which options (``--dry-run``)."""
    for run in runs:
        print(f'  {run.describe()}: {run.config} -> {run.work_dir} {" ".join(run.options)}')


def train_run(run: GridRun, metric: str, data_root: str, threads: int | None = None) -> float:
    """Train ``run`` (unless its ``result.json`` exists) and return its final ``metric``."""
    stored = stored_result(run)
    if stored is not None:
        return stored
    result_file = osp.join(run.work_dir, 'result.json')
    env = dict(os.environ)
    if threads:
        env['OMP_NUM_THREADS'] = str(threads)
    cmd = [sys.executable, 'tools/train.py', run.config, '--work-dir', run.work_dir,
           '--cfg-options', f'data_root={data_root}', *run.options]
    print(f'[{time.strftime("%H:%M:%S")}] {run.describe()}: {" ".join(cmd[1:])}', flush=True)
    start = time.time()
    os.makedirs(run.work_dir, exist_ok=True)
    log_file = osp.join(run.work_dir, 'stdout.log')
    with open(log_file, 'w') as log:
        code = subprocess.call(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    if code:
        raise RuntimeError(f'{run.describe()} failed (exit {code}); see {log_file}')
    value = read_last_metric(run.work_dir, metric)
    with open(result_file, 'w') as f:
        json.dump(dict(metric=metric, value=value, seconds=round(time.time() - start),
                       config=run.config, options=run.options), f)
    print(f'    {metric} {value:.4g} in {time.time() - start:.0f} s', flush=True)
    return value


def finished_results(runs: Sequence[GridRun]) -> Dict[Tuple, float]:
    """The stored results of the runs that have finished, training nothing."""
    return {run.key: value for run in runs if (value := stored_result(run)) is not None}


def mean_cell(values: Sequence[float], scale: float = 1.0, digits: int = 1) -> str:
    """``mean +- spread (seed values)`` for a table cell; the spread is half the range."""
    if not values:
        return '-'
    scaled = [v * scale for v in values]
    seeds = ', '.join(f'{v:.{digits}f}' for v in scaled)
    if len(scaled) == 1:
        return f'{scaled[0]:.{digits + 1}f}'
    half_range = (max(scaled) - min(scaled)) / 2
    return f'{statistics.mean(scaled):.{digits + 1}f} ± {half_range:.{digits + 1}f} ({seeds})'


def run_all(runs: Sequence[GridRun], metric_of, data_root_of, threads: int | None = None) -> Dict[Tuple, float]:
    """Train every run in order; ``metric_of(run)`` / ``data_root_of(run)`` pick per-run settings.

    A failed run is reported and skipped (its cell stays empty) so one
    diverging configuration does not stop the rest of the grid.
    """
    results = {}
    for run in runs:
        try:
            results[run.key] = train_run(run, metric_of(run), data_root_of(run), threads)
        except (RuntimeError, FileNotFoundError) as err:
            print(f'    skipped: {err}', flush=True)
    return results


def write_report(text: str, out_dir: str) -> str:
    """Print a grid's results table and write it to ``<out_dir>/results.md`` (atomically); return the path."""
    print(text)
    path = osp.join(out_dir, 'results.md')
    atomic_write_bytes((text + '\n').encode(), path)
    return path


def replace_marked_blocks(path: str, blocks: Dict[str, str]) -> None:
    """Put each ``blocks[name]`` between ``<!-- grid:<name>:start -->`` and ``<!-- grid:<name>:end -->`` in ``path``.

    A README keeps one marked block per grid pair, so a grid run over some
    pairs regenerates their tables and leaves the others (and every line
    outside the markers) as they are. The file is rewritten atomically.
    """
    with open(path, encoding='utf-8') as f:
        text = f.read()
    for name, block in blocks.items():
        start, end = f'<!-- grid:{name}:start -->', f'<!-- grid:{name}:end -->'
        if text.count(start) != 1 or text.count(end) != 1 or text.index(start) > text.index(end):
            raise KeyError(f'{path} needs exactly one {start} ... {end} pair (in that order) around the '
                           f'{name!r} table; add the two lines where the table belongs')
        head, rest = text.split(start)
        _, tail = rest.split(end)
        text = f'{head}{start}\n{block.strip()}\n{end}{tail}'
    atomic_write_bytes(text.encode('utf-8'), path)
