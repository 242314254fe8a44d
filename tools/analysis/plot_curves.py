"""Training curves of several runs on shared axes, one PNG.

``python tools/analysis/plot_curves.py work_dirs/student_alone work_dirs/cwd --out curves.png``

Reads mmengine's scalar logs (``<work_dir>/<timestamp>/vis_data/scalars.json``,
one JSON object per logged step, written by the ``LocalVisBackend`` of every
mmkd runtime). A run resumed into the same work dir has several timestamp
folders: they are read in order and a later value of a step replaces the
earlier one. Training entries (they carry ``lr``/``iter``) are plotted against
the iteration; validation entries against their own step (the epoch for
epoch-based loops, the iteration otherwise). Each key gets one panel and each
run one colour, so "student alone vs distilled" reads at a glance; a key a
run never logged (``distill.loss_cwd`` of the student alone) is left out of
that run's panel.

By default the panels are every loss (``loss*`` and ``distill.*``) and every
validation metric; ``--keys`` takes names or shell patterns instead
(``--keys loss 'distill.*' coco/bbox_mAP``). ``--smooth A`` applies an
exponential moving average (weight A of the past) to training curves.
"""
from __future__ import annotations

import argparse
import fnmatch
import glob
import json
import math
import os
import os.path as osp
from typing import Dict, List, Optional, Sequence, Tuple

# logged beside the losses but not curves a reader compares
BOOKKEEPING = {'lr', 'data_time', 'time', 'grad_norm', 'memory', 'epoch', 'iter', 'step', 'base_lr'}
DEFAULT_TRAIN = ('loss*', 'distill.*')

Series = Dict[str, Dict[float, float]]  # key -> step -> value


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('work_dirs', nargs='+', help='work dirs (or scalars.json files), one curve each')
    parser.add_argument('--labels', nargs='+', help='legend names, one per work dir (default: folder names)')
    parser.add_argument('--keys', nargs='+', help='keys or shell patterns to plot (default: losses and '
                        'validation metrics)')
    parser.add_argument('--smooth', type=float, default=0.0,
                        help='exponential moving average of training curves, 0 (off) to <1 (default 0)')
    parser.add_argument('--cols', type=int, default=3, help='panels per row (default 3)')
    parser.add_argument('--out', default='curves.png', help='output PNG (default curves.png)')
    args = parser.parse_args(argv)
    if args.labels and len(args.labels) != len(args.work_dirs):
        parser.error(f'--labels has {len(args.labels)} names for {len(args.work_dirs)} work dirs')
    if not 0.0 <= args.smooth < 1.0:
        parser.error(f'--smooth must be in [0, 1), got {args.smooth}')
    return args


def scalar_files(work_dir: str) -> List[str]:
    """The scalars.json files of a work dir, oldest run first (a resumed run adds one)."""
    if osp.isfile(work_dir):
        return [work_dir]
    if not osp.isdir(work_dir):
        raise FileNotFoundError(f'plot_curves: no work dir or scalars file {work_dir!r}')
    files = sorted(glob.glob(osp.join(work_dir, '*', 'vis_data', 'scalars.json')))
    if not files:
        raise FileNotFoundError(f'plot_curves: {work_dir!r} has no <timestamp>/vis_data/scalars.json: was it '
                                'trained with a LocalVisBackend (every mmkd runtime has one)?')
    return files


def read_scalars(work_dir: str) -> Tuple[Series, Series]:
    """(training, validation) series of a work dir: key -> {step: value}."""
    train: Series = {}
    val: Series = {}
    for path in scalar_files(work_dir):
        with open(path) as f:
            lines = f.read().splitlines()
        for number, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                entry = json.loads(line)
            except json.JSONDecodeError as err:
                if number == len(lines):  # a run killed mid-line: drop the torn last line
                    break
                raise ValueError(f'plot_curves: {path}:{number} is not JSON: {err}') from err
            if 'step' not in entry:
                raise ValueError(f'plot_curves: {path}:{number} has no "step": not an mmengine scalars.json')
            target = train if ('lr' in entry or 'iter' in entry) else val
            for key, value in entry.items():
                if key in BOOKKEEPING or not isinstance(value, (int, float)):
                    continue
                target.setdefault(key, {})[float(entry['step'])] = float(value)
    return train, val


def select(keys: Sequence[str], patterns: Optional[Sequence[str]], default: Sequence[str]) -> List[str]:
    """Keys matching any pattern, in the patterns' order, then alphabetical."""
    out: List[str] = []
    for pattern in patterns or default:
        out += sorted(k for k in keys if fnmatch.fnmatchcase(k, pattern) and k not in out)
    return out


def ema(values: List[float], weight: float) -> List[float]:
    """Exponential moving average, bias-corrected so the first point is the first value."""
    if weight <= 0:
        return list(values)
    out, avg, norm = [], 0.0, 0.0
    for v in values:
        avg = weight * avg + (1 - weight) * v
        norm = weight * norm + (1 - weight)
        out.append(avg / norm)
    return out


def plot_runs(work_dirs: Sequence[str], out: str, labels: Optional[Sequence[str]] = None,
              keys: Optional[Sequence[str]] = None, smooth: float = 0.0, cols: int = 3) -> List[str]:
    """Draw the runs' curves into ``out``; return the panel keys (training ones first)."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt

    labels = list(labels) if labels else [osp.basename(osp.normpath(w)) for w in work_dirs]
    runs = [read_scalars(w) for w in work_dirs]
    train_keys = select({k for t, _ in runs for k in t}, keys, DEFAULT_TRAIN)
    val_keys = select({k for _, v in runs for k in v}, keys, ['*'])
    val_keys = [k for k in val_keys if k not in train_keys]
    panels = [(k, 'train') for k in train_keys] + [(k, 'val') for k in val_keys]
    if not panels:
        raise ValueError(f'plot_curves: no key of {list(work_dirs)} matches {list(keys or DEFAULT_TRAIN)}')
    cols = max(1, min(cols, len(panels)))
    rows = math.ceil(len(panels) / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(4.2 * cols, 3.0 * rows), squeeze=False)
    colours = plt.rcParams['axes.prop_cycle'].by_key()['color']
    for ax, (key, kind) in zip(axes.flat, panels):
        for i, ((train, val), label) in enumerate(zip(runs, labels)):
            series = (train if kind == 'train' else val).get(key)
            if not series:
                continue
            steps = sorted(series)
            values = [series[s] for s in steps]
            colour = colours[i % len(colours)]
            if kind == 'train':
                ax.plot(steps, ema(values, smooth), color=colour, label=label, linewidth=1.2)
            else:
                ax.plot(steps, values, color=colour, label=label, marker='o', markersize=4)
        ax.set_title(key, fontsize=10)
        ax.set_xlabel('iteration' if kind == 'train' else 'validation step')
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    for ax in list(axes.flat)[len(panels):]:
        ax.axis('off')
    fig.tight_layout()
    os.makedirs(osp.dirname(osp.abspath(out)), exist_ok=True)
    fig.savefig(out, dpi=90)
    plt.close(fig)
    return [k for k, _ in panels]


def main(argv=None):
    args = parse_args(argv)
    panels = plot_runs(args.work_dirs, args.out, args.labels, args.keys, args.smooth, args.cols)
    print(f'{len(panels)} panels ({", ".join(panels)}) of {len(args.work_dirs)} runs written to {args.out}')
    return panels


if __name__ == '__main__':
    main()
