"""Benchmark 5: how the ratios of benchmarks 1-4 move with image size and batch size.

Two one-dimensional sweeps around the default setting (image sizes at a
fixed batch, batch sizes at a fixed image size), each point measured by the
same functions the single benchmarks use:

* ``overhead``: distill step / (student step + teacher forward)   (benchmark 1)
* ``cached``: cached-teacher distill step / student step           (benchmark 2)
* ``memory``: net peak memory, distill / (student + teacher)        (benchmark 3)
* ``bf16``: distill step in bf16 autocast / in float32              (benchmark 4)

    python benchmarks/scaling.py [--method retinanet_cwd] [--sizes 64 128 256] [--batches 1 2 4]
        [--ratios overhead memory bf16 cached]
"""
import copy

import cached_teacher
import distill_overhead
import mixed_precision
import peak_memory
from common import common_parser, describe_run, finalize_args, markdown_table, median, ratios
from workloads import METHODS


def overhead_ratio(method: str, args) -> float:
    return median(distill_overhead.measure(method, args)['ratios'])


def cached_ratio(method: str, args) -> float:
    return median(cached_teacher.measure(method, args)['prefetch_ratios'])  # training prefetches by default


def memory_ratio(method: str, args) -> float:
    once = copy.copy(args)
    once.repeats = 1  # a peak barely varies between runs; each repeat costs three processes
    peak = peak_memory.measure(method, once)
    return (peak['distill'] - peak['floor']) / max(peak['separate'] - peak['floor'], 1)


def bf16_ratio(method: str, args) -> float:
    times = mixed_precision.measure(method, args, steps=('distill',))
    return median(ratios(times[('bf16', 'distill')], times[('fp32', 'distill')]))


RATIOS = dict(overhead=overhead_ratio, cached=cached_ratio, memory=memory_ratio, bf16=bf16_ratio)


def sweep_points(args) -> list:
    """(image size, batch) points: sizes at ``--batch-size``, then batches at ``--image-size``."""
    points = [(size, args.batch_size) for size in args.sizes]
    points += [(args.image_size, batch) for batch in args.batches if (args.image_size, batch) not in points]
    return points


def main(argv=None):
    parser = common_parser(__doc__)
    parser.add_argument('--method', default='retinanet_cwd', choices=list(METHODS))
    parser.add_argument('--sizes', type=int, nargs='+', default=[64, 128, 256])
    parser.add_argument('--batches', type=int, nargs='+', default=[1, 2, 4])
    parser.add_argument('--ratios', nargs='+', default=list(RATIOS), choices=list(RATIOS))
    args = finalize_args(parser.parse_args(argv))
    if args.quick:  # one point, the smallest that trains with BatchNorm
        args.sizes, args.batches = [args.image_size], [args.batch_size]
    if 'cached' in args.ratios and not cached_teacher.available():
        print('cached: skipped, the teacher-feature cache (mmkd.cache) is not installed in this checkout')
        args.ratios = [r for r in args.ratios if r != 'cached']
    print(describe_run(args))
    rows = []
    for size, batch in sweep_points(args):
        point = copy.copy(args)
        point.image_size, point.batch_size = size, batch
        rows.append((size, batch, *(RATIOS[name](args.method, point) for name in args.ratios)))
    print(f'\n{args.method}: ratios per (image size, batch)\n')
    print(markdown_table(['image size', 'batch', *args.ratios], rows))


if __name__ == '__main__':
    main()
