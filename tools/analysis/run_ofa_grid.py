"""Train the OFA-KD comparison grid on the embedded classification set and print the table.

For every pair (teacher family -> student family) and seed: the teacher, the
student alone, and the student distilled with KD, DKD, FitNet and OFA-KD, all
students on the same 10-epoch schedule. Student seed k distils from teacher
seed k, so the spread over seeds includes the teacher's (``--teacher-seed S``
trains one teacher per family with seed S and distils every student seed
from it, which saves the teachers' time). Each run is a fresh
``tools/train.py`` process; finished runs (``result.json`` in their work dir)
are skipped, so the grid resumes after an interruption. At the end the
top-1 table (mean over seeds, and each seed) is printed and written to
``<out>/results.md``, and the CKA heatmap of the first pair (teacher vs
student alone) to ``<out>/cka_<pair>.png``.

``python tools/analysis/run_ofa_grid.py`` (everything: 34 runs, ~1.5 h on 2 shared cores)
``python tools/analysis/run_ofa_grid.py --epochs 30 --pairs resnet18_deit-e64-d4 resnet18_resmlp-e96-b4 --teacher-seed 0``
(the token students on 30 epochs, where the student alone converges; work dirs under ``work_dirs/ofa_grid_30e``)
``python tools/analysis/run_ofa_grid.py --pairs swin-w48_resnet18-w32 --seeds 0 --dry-run``
"""
import argparse
import os.path as osp
import subprocess
import sys

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path.insert(0, ROOT)

from mmkd.analysis.run_grid import GridRun, mean_cell, print_plan, run_all, write_report  # noqa: E402

TEACHERS = {  # teacher config -> final epoch (its checkpoint is epoch_<n>.pth)
    'swin-w48_adamw-100e_shapes-cls': 100,
    'resnet18_adamw-30e_shapes-cls': 30,
}
PAIRS = {  # name -> (teacher config, student-alone config at {epochs} epochs)
    'swin-w48_resnet18-w32': ('swin-w48_adamw-100e_shapes-cls', 'resnet18-w32_adamw-{epochs}e_shapes-cls'),
    'resnet18_deit-e64-d4': ('resnet18_adamw-30e_shapes-cls', 'deit-e64-d4_adamw-{epochs}e_shapes-cls'),
    'resnet18_resmlp-e96-b4': ('resnet18_adamw-30e_shapes-cls', 'resmlp-e96-b4_adamw-{epochs}e_shapes-cls'),
}
METHODS = {  # column -> config of a pair at {epochs} epochs (None: the student alone)
    'student alone': None,
    'KD': 'kd/kd_logits_{pair}_adamw-{epochs}e_shapes-cls.py',
    'DKD': 'dkd/dkd_logits_{pair}_adamw-{epochs}e_shapes-cls.py',
    'FitNet': 'fitnet/fitnet_stages_{pair}_adamw-{epochs}e_shapes-cls.py',
    'OFA': 'ofa_kd/ofa-kd_branches_{pair}_adamw-{epochs}e_shapes-cls.py',
}
# student schedules with configs for every method: 10 epochs for all pairs, 30 for the token students
EPOCHS = {10: list(PAIRS), 30: ['resnet18_deit-e64-d4', 'resnet18_resmlp-e96-b4']}
# seconds per run measured with 1 thread on 2 cores shared with another training
# (mmengine overhead included); only used for the time estimate printed first
SECONDS = {'swin-w48_adamw-100e_shapes-cls': 780, 'resnet18_adamw-30e_shapes-cls': 340,
           'swin-w48_resnet18-w32': dict(alone=60, logits=80, FitNet=85, OFA=95),
           'resnet18_deit-e64-d4': dict(alone=90, logits=95, FitNet=105, OFA=180),
           'resnet18_resmlp-e96-b4': dict(alone=100, logits=105, FitNet=120, OFA=255)}


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--pairs', nargs='+', default=None, choices=list(PAIRS),
                        help='default: every pair with configs for --epochs')
    parser.add_argument('--methods', nargs='+', default=list(METHODS), choices=list(METHODS))
    parser.add_argument('--seeds', nargs='+', type=int, default=[0, 1])
    parser.add_argument('--teacher-seed', type=int, default=None,
                        help='one teacher per family, trained with this seed, for every student seed '
                        '(default: teacher seed k for student seed k)')
    parser.add_argument('--epochs', type=int, default=10, choices=sorted(EPOCHS),
                        help='the students\' schedule (default 10; 30 for the token students)')
    parser.add_argument('--out', default=None,
                        help='work dirs and results (default work_dirs/ofa_grid, work_dirs/ofa_grid_30e for --epochs 30)')
    parser.add_argument('--threads', type=int, default=None,
                        help='OMP_NUM_THREADS of each run (use 1 when the cores are shared: '
                        'two OpenMP processes on 2 cores slow each other down many times over)')
    parser.add_argument('--data-root', default='data/shapes_classification')
    parser.add_argument('--dry-run', action='store_true', help='print the runs and the time estimate only')
    return parser.parse_args(argv)


def teacher_seeds(args):
    return args.seeds if args.teacher_seed is None else [args.teacher_seed]


def teacher_ckpt(args, teacher: str, student_seed: int) -> str:
    seed = student_seed if args.teacher_seed is None else args.teacher_seed
    return osp.join(args.out, 'teachers', teacher, f'seed{seed}', f'epoch_{TEACHERS[teacher]}.pth')


def plan(args):
    """The ``GridRun``s in order; the key is (teacher config, seed) for a teacher and
    (pair, method, seed) for a student."""
    runs = []
    teachers = sorted({PAIRS[p][0] for p in args.pairs}, key=list(TEACHERS).index)
    for teacher in teachers:
        for seed in teacher_seeds(args):
            runs.append(GridRun((teacher, seed), f'configs/classification/{teacher}.py',
                                osp.join(args.out, 'teachers', teacher, f'seed{seed}'), [f'randomness.seed={seed}']))
    for pair in args.pairs:
        teacher = PAIRS[pair][0]
        for seed in args.seeds:
            ckpt = teacher_ckpt(args, teacher, seed)
            for method in args.methods:
                options = [f'randomness.seed={seed}']
                if METHODS[method] is None:
                    config = f'configs/classification/{PAIRS[pair][1].format(epochs=args.epochs)}.py'
                else:
                    config = 'configs/' + METHODS[method].format(pair=pair, epochs=args.epochs)
                    options.append(f'model.teacher.ckpt={ckpt}')
                runs.append(GridRun((pair, method, seed), config,
                                    osp.join(args.out, pair, method.replace(' ', '-'), f'seed{seed}'), options))
    return runs


def estimate(runs, epochs: int) -> float:
    total = 0.0
    for run in runs:
        key = run.key
        if len(key) == 2:  # a teacher
            total += SECONDS[key[0]]
            continue
        pair, method, _ = key
        kind = {'student alone': 'alone', 'FitNet': 'FitNet', 'OFA': 'OFA'}.get(method, 'logits')
        total += SECONDS[pair][kind] * epochs / 10
    return total


def table(results, args) -> str:
    """Markdown table: one row per pair; mean top-1 over seeds, each seed in brackets."""
    cols = ['teacher'] + args.methods
    lines = ['| pair | ' + ' | '.join(cols) + ' |', '|' + '---|' * (len(cols) + 1)]
    for pair in args.pairs:
        teacher = PAIRS[pair][0]
        row = [mean_cell([results[(teacher, s)] for s in teacher_seeds(args) if (teacher, s) in results])]
        row += [mean_cell([results[(pair, m, s)] for s in args.seeds if (pair, m, s) in results]) for m in args.methods]
        lines.append(f'| {pair} | ' + ' | '.join(row) + ' |')
    return '\n'.join(lines)


def main(argv=None) -> None:
    args = parse_args(argv)
    args.pairs = args.pairs or EPOCHS[args.epochs]
    missing = [pair for pair in args.pairs if pair not in EPOCHS[args.epochs]]
    if missing:
        raise SystemExit(f'--epochs {args.epochs}: no {args.epochs}-epoch configs for {", ".join(missing)} '
                         f'(pairs with them: {", ".join(EPOCHS[args.epochs])})')
    args.out = args.out or ('work_dirs/ofa_grid' if args.epochs == 10 else f'work_dirs/ofa_grid_{args.epochs}e')
    # runs start in the repository root; paths given relative to the caller stay valid
    args.out, args.data_root = osp.abspath(args.out), osp.abspath(args.data_root)
    runs = plan(args)
    print(f'{len(runs)} runs, about {estimate(runs, args.epochs) / 60:.0f} min at the measured speed (1 thread, shared cores)')
    if args.dry_run:
        print_plan(runs)
        return
    from mmkd.datasets.embedded import generate_classification
    generate_classification(args.data_root)
    results = run_all(runs, lambda run: 'accuracy/top1', lambda run: args.data_root, args.threads)
    write_report(table(results, args), args.out)
    pair, seed = args.pairs[0], args.seeds[0]
    if 'student alone' in args.methods:
        teacher = PAIRS[pair][0]
        out = osp.join(args.out, f'cka_{pair}.png')
        subprocess.check_call([
            sys.executable, 'tools/analysis/cka.py', 'configs/' + METHODS['OFA'].format(pair=pair, epochs=args.epochs),
            '--teacher-ckpt', teacher_ckpt(args, teacher, seed),
            '--student-ckpt', osp.join(args.out, pair, 'student-alone', f'seed{seed}', f'epoch_{args.epochs}.pth'),
            '--data-root', args.data_root, '--num-batches', '4', '--out', out], cwd=ROOT)


if __name__ == '__main__':
    main()
