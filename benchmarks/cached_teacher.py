"""Benchmark 2: a distillation step that reads the teacher from a feature cache.

ratio = cached-teacher distill step / student-only step, target <= 1.10; with the
entries prefetched by the dataloader workers (the default, ``mmkd.cache.prefetch``)
<= 1.03 at 128 px and <= 1.02 at 256 px.

The teacher's features for the benchmark batch are written once to a
temporary cache (``mmkd.cache.extract_from_loader``, the code behind
``tools/extract_teacher_features.py``), then the algorithm runs with
``teacher_cache`` set, so the step pays for looking up, reading (memory-mapped
``.npy`` shards) and stacking the cached features instead of the teacher
forward. A forward hook on the teacher fails the run if the teacher ran
anyway (the ratio would then measure the wrong thing).

Two cached variants are timed, interleaved with the student step:
``cached sync`` reads the entries in the step (``prefetch=False``: key building,
memory-map slicing, stacking, copies), ``cached prefetch`` gets a batch whose
samples already carry their entries, as the dataloader workers hand it over,
so the step hands the worker's stacked tensors to the recorders. The
workers' cost per batch (what they do while the previous step runs) is
printed as ``prefetch ms``, and ``inject ms`` is what the step itself pays
for the cache (``CachedTeacher.inject`` alone, median of 200 calls). The
*framework ratio* divides the prefetched step by the student step plus the
distiller alone (connectors and losses, forward and backward: the method's
own compute, which a cached teacher cannot remove).

    python benchmarks/cached_teacher.py [--methods ...] [--device cuda]
"""
import copy
import importlib.util
import tempfile
import time

from common import (common_parser, describe_run, finalize_args, interleaved_times, markdown_table,
                    median, ratios, spread)
from workloads import METHODS, Workload

TARGET = 1.10
PREFETCH_TARGET = {128: 1.03, 256: 1.02}


def available() -> bool:
    return importlib.util.find_spec('mmkd.cache') is not None


def inject_time(algorithm, data: dict, prefetch: bool, clock, calls: int = 200) -> float:
    """Median seconds of ``CachedTeacher.inject`` alone (what the step pays for the cache)."""
    cached = algorithm.cached_teacher
    cached.prefetch = prefetch
    batch = algorithm.data_preprocessor(data, True)
    managers = algorithm.distiller.recorder_managers
    samples, device = batch['data_samples'], batch['inputs'].device
    times = []
    for _ in range(calls):
        start = clock()
        cached.inject(samples, managers, device)
        times.append(clock() - start)
    for manager in managers.values():
        manager.reset()
    return median(times)


def measure(method: str, args) -> dict:
    """Per-repeat step times of the student alone and the cached-teacher distillation, read in the
    step and prefetched."""
    from mmkd.cache import extract_from_loader
    with tempfile.TemporaryDirectory(prefix='mmkd_bench_cache_') as cache_dir:
        work = Workload(method, args, parts=('student', 'distill'),
                        algorithm_options=dict(teacher_cache=dict(cache_dir=cache_dir, on_miss='error')))
        algorithm = work.algorithm
        pipeline = dict(benchmark='synthetic batch', image_size=args.image_size, batch_size=args.batch_size)
        extract_from_loader(algorithm, lambda _pass: [work.data], pipeline, cache_dir)
        algorithm.train()  # extraction leaves the algorithm in eval mode
        algorithm.open_teacher_cache(pipeline)
        cached = algorithm.cached_teacher
        prefetched = dict(work.data, data_samples=[copy.deepcopy(s) for s in work.data['data_samples']])
        start = time.perf_counter()
        cached.collate_fn(lambda batch: batch)(prefetched)  # what a dataloader worker does
        prefetch_ms = (time.perf_counter() - start) * 1000

        def sync_step():
            cached.prefetch = False
            work.distill_step()

        def prefetch_step():
            cached.prefetch = True
            algorithm.train_step(prefetched, work.distill_wrapper)

        clock = time.process_time if getattr(args, 'clock', 'wall') == 'cpu' else time.perf_counter
        inject_ms = {mode: inject_time(algorithm, data, mode == 'prefetch', clock) * 1000
                     for mode, data in (('sync', work.data), ('prefetch', prefetched))}

        work.distiller_step()  # records the features it replays (runs the teacher once) before the hook
        teacher_calls = []
        handle = algorithm.teacher.register_forward_pre_hook(lambda *_: teacher_calls.append(1))
        times = interleaved_times(dict(student=work.student_step, sync=sync_step, prefetch=prefetch_step,
                                       distiller=work.distiller_step), args)
        handle.remove()
        if teacher_calls:
            raise RuntimeError(f'{method}: the teacher ran {len(teacher_calls)} time(s) with the cache on')
    return dict(times=times, prefetch_ms=prefetch_ms, inject_ms=inject_ms, ratios=ratios(times['sync'], times['student']),
                prefetch_ratios=ratios(times['prefetch'], times['student']),
                framework_ratios=ratios(times['prefetch'], [a + b for a, b in zip(times['student'],
                                                                                    times['distiller'])]))


def main(argv=None):
    parser = common_parser(__doc__)
    parser.add_argument('--methods', nargs='+', default=list(METHODS), choices=list(METHODS))
    parser.add_argument('--clock', choices=['wall', 'cpu'], default='wall',
                        help="cpu: time steps by this process's CPU time (CPU runs on a shared machine)")
    args = finalize_args(parser.parse_args(argv))
    if not available():
        raise SystemExit('the teacher-feature cache (mmkd.cache) is not in this checkout')
    print(describe_run(args))
    rows = []
    for method in args.methods:
        result = measure(method, args)
        t = {k: median(v) * 1000 for k, v in result['times'].items()}
        target = PREFETCH_TARGET.get(args.image_size)
        rows.append((method, t['student'], t['sync'], t['prefetch'], result['inject_ms']['sync'],
                     result['inject_ms']['prefetch'], result['prefetch_ms'],
                     median(result['ratios']), spread(result['ratios']), median(result['prefetch_ratios']),
                     spread(result['prefetch_ratios']), f'<= {target:.2f}' if target else f'<= {TARGET:.2f}',
                     t['distiller'], median(result['framework_ratios'])))
    print(markdown_table(['method', 'student step ms', 'cached sync step ms', 'cached prefetch step ms',
                          'inject ms sync', 'inject ms prefetch', 'prefetch ms (worker)', 'sync ratio', 'min-max', 'prefetch ratio (median)',
                          'min-max', 'target', 'distiller fwd+bwd ms', 'framework ratio'], rows))


if __name__ == '__main__':
    main()
