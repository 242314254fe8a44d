"""Measurement helpers shared by the benchmark scripts.

Every benchmark prints *ratios* of two things measured in the same run, so a
busy or slow machine shifts both sides alike. Variants are timed interleaved
(A, B, C, then A, B, C again...) and the ratio is taken per repeat, then the
median over repeats is reported: a burst of load from another process hits
one repeat, not one variant. Peak memory is read in a fresh process per
variant, because RSS peaks and allocator caches never go down.
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import os.path as osp
import resource
import statistics
import subprocess
import sys
import time
import warnings
from typing import Callable, Dict, Iterable, List, Sequence

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)  # run from a checkout: `python benchmarks/<script>.py`

import torch  # noqa: E402
from mmengine.logging import MMLogger  # noqa: E402

RESULT_PREFIX = 'BENCH_RESULT '  # a worker subprocess reports one JSON line after this


def common_parser(description: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument('--device', default='cpu', help="'cpu' or 'cuda' (default: cpu)")
    parser.add_argument('--threads', type=int, default=1,
                        help='torch.set_num_threads for every variant (default: 1)')
    parser.add_argument('--image-size', type=int, default=128,
                        help='detection images are SxS, segmentation images Sx2S (default: 128)')
    parser.add_argument('--batch-size', type=int, default=2)
    parser.add_argument('--warmup', type=int, default=2, help='untimed steps before each measurement')
    parser.add_argument('--steps', type=int, default=3, help='timed steps per repeat')
    parser.add_argument('--repeats', type=int, default=5, help='repeats; the median ratio is reported')
    parser.add_argument('--quick', action='store_true',
                        help='smoke run: 64 px images, batch 2, one step, one repeat (numbers meaningless)')
    return parser


def finalize_args(args: argparse.Namespace) -> argparse.Namespace:
    """Apply ``--quick`` and fix the thread count before any model is built."""
    if args.quick:
        args.image_size, args.batch_size = 64, 2
        args.warmup, args.steps, args.repeats = 0, 1, 1
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    # quiet the per-parameter init_weights log: the first instance fixes the level
    MMLogger.get_instance('mmengine', log_level='ERROR').setLevel(logging.ERROR)
    warnings.filterwarnings('ignore', category=UserWarning, module=r'mm(seg|det|engine)\.')
    if args.device.startswith('cuda') and not torch.cuda.is_available():
        raise SystemExit(f'--device {args.device} asked for, but CUDA is not available here')
    return args


def synchronize(device: str) -> None:
    if device.startswith('cuda'):
        torch.cuda.synchronize()


def time_per_step(step: Callable[[], object], steps: int, device: str,
                  clock: Callable[[], float] = time.perf_counter) -> float:
    """Seconds per call of ``step``, averaged over ``steps`` calls (GPU work included)."""
    synchronize(device)
    start = clock()
    for _ in range(steps):
        step()
    synchronize(device)
    return (clock() - start) / steps


def interleaved_times(variants: Dict[str, Callable[[], object]], args) -> Dict[str, List[float]]:
    """Per-repeat seconds per step of each variant, the variants alternating within a repeat."""
    for step in variants.values():
        for _ in range(args.warmup):
            step()
    times: Dict[str, List[float]] = {name: [] for name in variants}
    # --clock cpu: this process's CPU time, which other processes on a shared CPU do not inflate
    clock = time.process_time if getattr(args, 'clock', 'wall') == 'cpu' else time.perf_counter
    for _ in range(args.repeats):
        for name, step in variants.items():
            times[name].append(time_per_step(step, args.steps, args.device, clock))
    return times


def ratios(numerator: Sequence[float], denominator: Sequence[float]) -> List[float]:
    return [a / b for a, b in zip(numerator, denominator)]


def median(values: Iterable[float]) -> float:
    return statistics.median(list(values))


def peak_memory_bytes(device: str) -> int:
    """Peak RSS of this process on CPU; peak allocated tensor memory on a GPU.

    On Linux the RSS peak is ``VmHWM`` of ``/proc/self/status``, which belongs
    to this process image only. ``getrusage().ru_maxrss`` is not used there: a
    process started by ``subprocess`` (fork/vfork + exec) inherits its
    parent's peak in it, so a child of a large benchmark process would report
    the parent's number.
    """
    if device.startswith('cuda'):
        return torch.cuda.max_memory_allocated()
    try:
        with open('/proc/self/status') as status:
            for line in status:
                if line.startswith('VmHWM:'):
                    return int(line.split()[1]) * 1024  # kB
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * (1 if sys.platform == 'darwin' else 1024)


def report(result: dict) -> None:
    """Print a worker's result where :func:`run_worker` finds it."""
    print(RESULT_PREFIX + json.dumps(result), flush=True)


def run_worker(script: str, argv: Sequence[str], timeout: float = 600) -> dict:
    """Run ``python script argv...`` in a fresh process and return the JSON it reported."""
    env = dict(os.environ, OMP_NUM_THREADS=os.environ.get('OMP_NUM_THREADS', '1'))
    proc = subprocess.run([sys.executable, script, *argv], capture_output=True, text=True,
                          timeout=timeout, env=env, cwd=ROOT)
    for line in proc.stdout.splitlines():
        if line.startswith(RESULT_PREFIX):
            return json.loads(line[len(RESULT_PREFIX):])
    raise RuntimeError(f'{osp.basename(script)} {" ".join(argv)} reported no result '
                       f'(exit {proc.returncode}):\n{(proc.stdout + proc.stderr)[-3000:]}')


def markdown_table(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    def cell(value):
        return f'{value:.3f}' if isinstance(value, float) else str(value)
    lines = ['| ' + ' | '.join(header) + ' |', '|' + '---|' * len(header)]
    lines += ['| ' + ' | '.join(cell(v) for v in row) + ' |' for row in rows]
    return '\n'.join(lines)


def spread(values: Sequence[float]) -> str:
    """``min-max`` of the per-repeat values, so a reader sees how noisy a median is."""
    return f'{min(values):.3f}-{max(values):.3f}'


def describe_run(args) -> str:
    threads = torch.get_num_threads()
    device = args.device if not args.device.startswith('cuda') else torch.cuda.get_device_name()
    return (f'device {device}, {threads} thread(s), {os.cpu_count()} CPU core(s) visible, '
            f'torch {torch.__version__}; image size {args.image_size}, batch {args.batch_size}, '
            f'warm-up {args.warmup}, {args.steps} timed step(s) x {args.repeats} repeat(s)'
            + (' [--quick: smoke run, numbers are meaningless]' if args.quick else ''))
