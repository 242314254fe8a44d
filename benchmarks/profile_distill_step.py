"""Where a distillation step spends its time: model compute vs mmkd's own code.

Two views of the same timed steps:

1. wall time per part of the algorithm (data preprocessor, each top-level
   child of teacher and student, each connector and loss; forward only)
   plus the optimizer wrapper's ``update_params`` (backward of everything,
   gradient clipping, AdamW);
2. cProfile self time of every Python function in ``mmkd/`` (recorder hooks,
   distiller gathering and shape checks, loss wrappers), i.e. the
   framework's own overhead with the tensor kernels it launches excluded.

    python benchmarks/profile_distill_step.py [--methods retinanet_cwd] [--steps 10]
"""
import cProfile
import os.path as osp
import pstats
import time
from collections import defaultdict
from typing import Dict

from common import ROOT, common_parser, describe_run, finalize_args, markdown_table, synchronize
from workloads import METHODS, Workload

MMKD_DIR = osp.join(ROOT, 'mmkd') + osp.sep


class PartTimer:
    """Accumulates the wall time of chosen calls, by shadowing them on one instance.

    Forward hooks would miss heads that their model calls as ``head.forward(x)``
    (mmdet's ``_forward``, mmseg's ``decode_head.loss``); shadowing ``forward``
    on the instance catches both call styles.
    """

    def __init__(self, device: str) -> None:
        self.device = device
        self.totals: Dict[str, float] = defaultdict(float)

    def watch(self, name: str, owner: object, method: str = 'forward') -> None:
        original = getattr(owner, method)

        def timed(*a, **kw):
            synchronize(self.device)
            start = time.perf_counter()
            try:
                return original(*a, **kw)
            finally:
                synchronize(self.device)
                self.totals[name] += time.perf_counter() - start
        setattr(owner, method, timed)


def attach(work: Workload, timer: PartTimer) -> None:
    algorithm = work.algorithm
    timer.watch('data preprocessor', algorithm.data_preprocessor)
    for role, model in (('teacher', algorithm.teacher), ('student', algorithm.student)):
        for child, module in model.named_children():
            if child != 'data_preprocessor':
                timer.watch(f'{role}.{child} (forward)', module)
    for name, module in algorithm.distiller.connectors.items():
        timer.watch(f'connector {name} (forward)', module)
    for name, module in algorithm.distiller.losses.items():
        timer.watch(f'distill loss {name} (forward)', module)
    timer.watch('backward + clip + optimizer step', work.distill_wrapper, 'update_params')


def mmkd_self_time(profile: cProfile.Profile) -> Dict[str, float]:
    """Self time (tottime) of each Python function defined under mmkd/."""
    stats = pstats.Stats(profile).stats
    result = {}
    for (filename, line, func), (_, _, tottime, _, _) in stats.items():
        if filename.startswith(MMKD_DIR):
            result[f'{osp.relpath(filename, ROOT)}:{line} {func}'] = tottime
    return result


def profile(method: str, args) -> None:
    work = Workload(method, args, parts=('distill',))
    for _ in range(max(args.warmup, 1)):
        work.distill_step()
    timer = PartTimer(args.device)
    attach(work, timer)
    profiler = cProfile.Profile()
    steps = args.steps * args.repeats
    synchronize(args.device)
    start = time.perf_counter()
    profiler.enable()
    for _ in range(steps):
        work.distill_step()
    profiler.disable()
    synchronize(args.device)
    step_ms = (time.perf_counter() - start) / steps * 1000

    parts = {name: total / steps * 1000 for name, total in timer.totals.items()}
    rows = [(name, ms, 100 * ms / step_ms) for name, ms in parts.items()]
    rows.append(('rest (task-loss targets and losses, glue, profiler)', step_ms - sum(parts.values()),
                 100 * (step_ms - sum(parts.values())) / step_ms))
    print(f'\n### {method}: {step_ms:.1f} ms per distillation step (under cProfile)\n')
    print(markdown_table(['part', 'ms / step', '% of step'], rows))

    own = mmkd_self_time(profiler)
    own_ms = sum(own.values()) / steps * 1000
    print(f'\nmmkd Python self time: {own_ms:.3f} ms / step ({100 * own_ms / step_ms:.2f} % of the step); '
          'largest:\n')
    top = sorted(own.items(), key=lambda kv: -kv[1])[:8]
    print(markdown_table(['function', 'ms / step'], [(f, t / steps * 1000) for f, t in top]))


def main(argv=None):
    parser = common_parser(__doc__)
    parser.add_argument('--methods', nargs='+', default=['retinanet_cwd'], choices=list(METHODS))
    args = finalize_args(parser.parse_args(argv))
    print(describe_run(args))
    for method in args.methods:
        profile(method, args)


if __name__ == '__main__':
    main()
