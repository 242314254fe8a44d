"""Benchmark 4: step time under mixed precision vs float32.

ratio = step time with autocast / step time in float32, for the distillation
step and for the student trained alone (same optimizer config, wrapped as
``tools/train.py --amp`` would: ``CPUAutocastOptimWrapper`` bf16 on CPU,
mmengine's ``AmpOptimWrapper`` on a GPU, where fp16 is measured too). Below 1
means mixed precision pays off on this hardware; CPUs without native bf16
matrix units (AMX / AVX512-BF16) usually run bf16 convolutions slower.

    python benchmarks/mixed_precision.py [--methods ...] [--device cuda]
"""
from common import (common_parser, describe_run, finalize_args, interleaved_times, markdown_table,
                    median, ratios, spread)
from workloads import METHODS, Workload


def precisions(device: str) -> tuple:
    return ('bf16', 'fp16') if device.startswith('cuda') else ('bf16',)


def measure(method: str, args, steps=('distill', 'student')) -> dict:
    """Per-repeat step times keyed ``(precision, step)``, ``step`` in ``steps``."""
    variants = {}
    for precision in ('fp32',) + precisions(args.device):
        work = Workload(method, args, parts=steps, precision=precision)
        for step in steps:
            variants[(precision, step)] = getattr(work, f'{step}_step')
    return interleaved_times(variants, args)


def main(argv=None):
    parser = common_parser(__doc__)
    parser.add_argument('--methods', nargs='+', default=list(METHODS), choices=list(METHODS))
    args = finalize_args(parser.parse_args(argv))
    print(describe_run(args))
    rows = []
    for method in args.methods:
        times = measure(method, args)
        for precision in precisions(args.device):
            for step in ('distill', 'student'):
                r = ratios(times[(precision, step)], times[('fp32', step)])
                rows.append((method, step, precision, median(times[('fp32', step)]) * 1000,
                             median(times[(precision, step)]) * 1000, median(r), spread(r)))
    print(markdown_table(['method', 'step', 'precision', 'fp32 ms', 'mixed ms',
                          'ratio mixed/fp32 (median)', 'ratio min-max'], rows))


if __name__ == '__main__':
    main()
