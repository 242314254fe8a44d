"""Benchmark 3: peak memory of distillation vs training the student beside a teacher.

Each variant runs in a fresh process (peak RSS on CPU, peak allocated tensor
memory on a GPU), doing the same number of steps:

* ``floor``: imports (the model code included), the synthetic batch, no
  model built (the process's fixed cost);
* ``separate``: student and teacher both resident; each step runs the teacher
  forward (no grad), then a student training step;
* ``distill``: the distillation algorithm's training step.

ratio = peak(distill) / peak(separate), target <= 1.10, and the same ratio
after subtracting the floor ("net"), which shows the models' and
activations' share without the interpreter and libraries. On a GPU the floor
is ~0 and both ratios agree. The difference that remains is what
distillation keeps alive: the recorded teacher features during the student's
forward and backward, connectors and their activations, loss graphs.

    python benchmarks/peak_memory.py [--methods ...] [--device cuda]
"""
import argparse
import importlib
import sys

from common import (common_parser, describe_run, finalize_args, markdown_table, median,
                    peak_memory_bytes, report, run_worker)
from workloads import METHODS, Workload

TARGET = 1.10
VARIANTS = ('floor', 'separate', 'distill')
MIB = 2**20
TASK_PACKAGES = dict(det='mmdet.models', seg='mmseg.models')


def run_variant(variant: str, method: str, args) -> None:
    """Worker side: build what ``variant`` needs, run warm-up + timed steps, report the peak."""
    if args.device.startswith('cuda'):
        import torch
        torch.cuda.reset_peak_memory_stats()
    if variant == 'floor':
        work = Workload(method, args, parts=())
        importlib.import_module(TASK_PACKAGES[work.method.task])  # the model code, loaded by a build
        steps = []
    elif variant == 'separate':
        work = Workload(method, args, parts=('student', 'teacher'))
        steps = [work.teacher_forward, work.student_step]
    else:
        work = Workload(method, args, parts=('distill',))
        steps = [work.distill_step]
    for _ in range(args.warmup + args.steps):
        for step in steps:
            step()
    report(dict(variant=variant, method=method, peak=peak_memory_bytes(args.device)))


def worker_argv(variant: str, method: str, args) -> list:
    return ['--worker', variant, '--methods', method, '--device', args.device,
            '--threads', str(args.threads), '--image-size', str(args.image_size),
            '--batch-size', str(args.batch_size), '--warmup', str(args.warmup), '--steps', str(args.steps)]


def measure(method: str, args) -> dict:
    """Peaks (bytes) per variant, each a median over ``args.repeats`` fresh processes."""
    peaks = {v: [] for v in VARIANTS}
    for _ in range(args.repeats):
        for variant in VARIANTS:
            peaks[variant].append(run_worker(__file__, worker_argv(variant, method, args))['peak'])
    return {v: median(p) for v, p in peaks.items()}


def main(argv=None):
    parser = common_parser(__doc__)
    parser.add_argument('--methods', nargs='+', default=list(METHODS), choices=list(METHODS))
    # internal: run one variant in this process and report its peak
    parser.add_argument('--worker', choices=VARIANTS, help=argparse.SUPPRESS)
    parser.set_defaults(repeats=1)  # a peak is far less noisy than a time
    args = finalize_args(parser.parse_args(argv))
    if args.worker:
        return run_variant(args.worker, args.methods[0], args)
    print(describe_run(args))
    rows = []
    for method in args.methods:
        peak = measure(method, args)
        raw = peak['distill'] / peak['separate']
        net = (peak['distill'] - peak['floor']) / max(peak['separate'] - peak['floor'], 1)
        rows.append((method, peak['floor'] / MIB, peak['separate'] / MIB, peak['distill'] / MIB,
                     raw, net, f'<= {TARGET:.2f}'))
    kind = 'max allocated' if args.device.startswith('cuda') else 'peak RSS'
    print(markdown_table(['method', 'floor MiB', f'student+teacher {kind} MiB', f'distill {kind} MiB',
                          'ratio', 'net ratio (floor removed)', 'target'], rows))


if __name__ == '__main__':
    sys.exit(main())
