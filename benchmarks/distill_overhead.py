"""Benchmark 1: what distillation costs beyond running its two models.

ratio = distill step / (student-only step + teacher no-grad forward)

The denominator is the least any distillation framework can do: train the
student and run the teacher. What the ratio shows above 1 is the recorders,
the distiller, the connectors and the distillation losses (forward and
backward). Target: <= 1.05.

A second ratio splits off the method's own compute: the distiller alone
(connectors + losses, forward and backward, on recorded features) joins the
denominator, so ``framework ratio - 1`` is what mmkd adds beyond running the
models and the method (hooks, gathering, loss bookkeeping, the extra
optimizer work).

The algorithm runs with ``teacher_partial_forward=False`` (the full teacher
forward, as the denominator); ``--teacher-partial-forward [auto|on]`` runs it
with the algorithm's default ``'auto'`` or with ``True`` (the teacher stops
once its recorders have their values, e.g. after the FPN), against the same
full-teacher denominator.

    python benchmarks/distill_overhead.py [--methods retinanet_cwd ...] [--device cuda]
"""
from common import (common_parser, describe_run, finalize_args, interleaved_times, markdown_table,
                    median, ratios, spread)
from workloads import METHODS, Workload

TARGET = 1.05


PARTIAL_FORWARD = {'off': False, 'auto': 'auto', 'on': True}


def measure(method: str, args, partial_forward: str = 'off') -> dict:
    """Per-repeat step times of the variants and the two ratios of each repeat."""
    options = dict(teacher_partial_forward=PARTIAL_FORWARD[partial_forward])
    work = Workload(method, args, algorithm_options=options)
    times = interleaved_times(dict(student=work.student_step, teacher=work.teacher_forward,
                                   distiller=work.distiller_step, distill=work.distill_step), args)
    baseline = [s + t for s, t in zip(times['student'], times['teacher'])]
    with_method = [b + d for b, d in zip(baseline, times['distiller'])]
    return dict(times=times, ratios=ratios(times['distill'], baseline),
                framework_ratios=ratios(times['distill'], with_method))


def main(argv=None):
    parser = common_parser(__doc__)
    parser.add_argument('--methods', nargs='+', default=list(METHODS), choices=list(METHODS))
    parser.add_argument('--teacher-partial-forward', nargs='?', default='off', const='on',
                        choices=list(PARTIAL_FORWARD),
                        help="teacher_partial_forward of the algorithm: off (default, the full teacher), auto "
                             "(the algorithm's default) or on (True; the flag alone)")
    args = finalize_args(parser.parse_args(argv))
    print(describe_run(args) + f'; teacher_partial_forward={PARTIAL_FORWARD[args.teacher_partial_forward]!r}')
    rows = []
    for method in args.methods:
        result = measure(method, args, args.teacher_partial_forward)
        t = {k: median(v) * 1000 for k, v in result['times'].items()}
        rows.append((method, t['student'], t['teacher'], t['distiller'], t['distill'],
                     median(result['ratios']), spread(result['ratios']), f'<= {TARGET:.2f}',
                     median(result['framework_ratios'])))
    print(markdown_table(['method', 'student step ms', 'teacher fwd ms', 'distiller fwd+bwd ms',
                          'distill step ms', 'ratio (median)', 'ratio min-max', 'target',
                          'framework ratio (median)'], rows))


if __name__ == '__main__':
    main()
