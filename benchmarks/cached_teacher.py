"""Benchmark 2: a distillation step that reads the teacher from a feature cache.

ratio = cached-teacher distill step / student-only step, target <= 1.10.

The teacher's features for the benchmark batch are written once to a
temporary cache (``mmkd.cache.extract_from_loader``, the code behind
``tools/extract_teacher_features.py``), then the algorithm runs with
``teacher_cache`` set, so the step pays for looking up, reading (memory-mapped
``.npy`` shards) and stacking the cached features instead of the teacher
forward. A forward hook on the teacher fails the run if the teacher ran
anyway (the ratio would then measure the wrong thing).

    python benchmarks/cached_teacher.py [--methods ...] [--device cuda]
"""
import importlib.util
import tempfile

from common import (common_parser, describe_run, finalize_args, interleaved_times, markdown_table,
                    median, ratios, spread)
from workloads import METHODS, Workload

TARGET = 1.10


def available() -> bool:
    return importlib.util.find_spec('mmkd.cache') is not None


def measure(method: str, args) -> dict:
    """Per-repeat step times of the student alone and the cached-teacher distillation."""
    from mmkd.cache import extract_from_loader
    with tempfile.TemporaryDirectory(prefix='mmkd_bench_cache_') as cache_dir:
        work = Workload(method, args, parts=('student', 'distill'),
                        algorithm_options=dict(teacher_cache=dict(cache_dir=cache_dir, on_miss='error')))
        algorithm = work.algorithm
        pipeline = dict(benchmark='synthetic batch', image_size=args.image_size, batch_size=args.batch_size)
        extract_from_loader(algorithm, lambda _pass: [work.data], pipeline, cache_dir)
        algorithm.train()  # extraction leaves the algorithm in eval mode
        algorithm.open_teacher_cache(pipeline)
        teacher_calls = []
        handle = algorithm.teacher.register_forward_pre_hook(lambda *_: teacher_calls.append(1))
        times = interleaved_times(dict(student=work.student_step, cached=work.distill_step), args)
        handle.remove()
        if teacher_calls:
            raise RuntimeError(f'{method}: the teacher ran {len(teacher_calls)} time(s) with the cache on')
    return dict(times=times, ratios=ratios(times['cached'], times['student']))


def main(argv=None):
    parser = common_parser(__doc__)
    parser.add_argument('--methods', nargs='+', default=list(METHODS), choices=list(METHODS))
    args = finalize_args(parser.parse_args(argv))
    if not available():
        raise SystemExit('the teacher-feature cache (mmkd.cache) is not in this checkout')
    print(describe_run(args))
    rows = []
    for method in args.methods:
        result = measure(method, args)
        t = {k: median(v) * 1000 for k, v in result['times'].items()}
        rows.append((method, t['student'], t['cached'], median(result['ratios']), spread(result['ratios']),
                     f'<= {TARGET:.2f}'))
    print(markdown_table(['method', 'student step ms', 'cached distill step ms', 'ratio (median)',
                          'ratio min-max', 'target'], rows))


if __name__ == '__main__':
    main()
