"""Train the MGD-SSSS comparison on the embedded Cityscapes-layout set and print the table.

In order: each teacher's two stages (supervised on the labeled partition,
then self-training from that frozen copy on the unlabeled part, seed
``--teacher-seed``), then for every seed the student supervised on the
labeled part only, the full multi-granularity distillation and each
granularity removed in turn, all on the same split, schedule and seeds.
Finished runs (``result.json``) are skipped, so the grid resumes; a failed
run is reported and left out. The table (mIoU, mean ± half the range over
seeds, each seed in brackets) is printed and written to ``<out>/results.md``.
Runs are sequential; to use two cores, train the teachers in two processes
(``--only-teachers --teacher-roles wide`` / ``deep``), then start two grids
with disjoint ``--seeds``.

``python tools/analysis/run_mgd_ssss_grid.py --only-teachers --teacher-roles wide --threads 1``
``python tools/analysis/run_mgd_ssss_grid.py --seeds 0 --threads 1``
``python tools/analysis/run_mgd_ssss_grid.py --dry-run``
"""
import argparse
import os.path as osp
import statistics
import sys

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path.insert(0, ROOT)

from mmkd.analysis.run_grid import (GridRun, finished_results, mean_cell, print_plan, run_all,  # noqa: E402
                                    write_report)

METRIC, DATA_ROOT = 'mIoU', 'data/shapes_cityscapes'
SCHEDULE, DATASET = 'adamw-500i', 'shapes-cityscapes-1-16'
ITERS = 500
TEACHERS = {'wide': 'deeplabv3plus-r18-w16', 'deep': 'deeplabv3plus-r101-w8'}
PAIR = f'deeplabv3plus-r18-w16-r101-w8_deeplabv3plus-r18-w8_{SCHEDULE}_{DATASET}'
METHODS = {  # row -> config (None: the supervised-only student)
    'student, labeled only': f'mgd-ssss_sup_none_deeplabv3plus-r18-w8_{SCHEDULE}_{DATASET}',
    'MGD (pixel + image + region)': f'mgd-ssss_img-reg-pix_{PAIR}',
    'MGD without image level': f'mgd-ssss_reg-pix_{PAIR}',
    'MGD without region level': f'mgd-ssss_img-pix_{PAIR}',
    'MGD without pixel level': f'mgd-ssss_img-reg_{PAIR}',
}


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--methods', nargs='+', default=list(METHODS), choices=list(METHODS))
    parser.add_argument('--seeds', nargs='+', type=int, default=[0, 1])
    parser.add_argument('--teacher-seed', type=int, default=0)
    parser.add_argument('--only-teachers', action='store_true', help='train the two teachers\' stages only')
    parser.add_argument('--teacher-roles', nargs='+', default=list(TEACHERS), choices=list(TEACHERS),
                        help='with --only-teachers: which teachers to train (one per process for two cores)')
    parser.add_argument('--skip-teachers', action='store_true',
                        help='plan no teacher runs (another process trains them); students read their checkpoints')
    parser.add_argument('--out', default='work_dirs/mgd_ssss_grid', help='work dirs and results')
    parser.add_argument('--threads', type=int, default=None, help='OMP_NUM_THREADS of each run')
    parser.add_argument('--dry-run', action='store_true', help='print the runs only')
    parser.add_argument('--report', action='store_true', help='print the table of finished runs, train nothing')
    return parser.parse_args(argv)


def teacher_runs(args):
    """Stage 1 (supervised) then stage 2 (self-training from stage 1) of each teacher;
    returns the runs and ``{teacher: student-only checkpoint of stage 2}``."""
    runs, ckpts = [], {}
    seed = [f'randomness.seed={args.teacher_seed}']
    for role, model in TEACHERS.items():
        if args.only_teachers and role not in args.teacher_roles:
            continue
        sup_dir = osp.join(args.out, 'teachers', role, 'supervised')
        runs.append(GridRun((f'teacher {role} supervised', args.teacher_seed),
                            f'configs/mgd_ssss/mgd-ssss_sup_none_{model}_{SCHEDULE}_{DATASET}.py', sup_dir, seed))
        self_dir = osp.join(args.out, 'teachers', role, 'self-train')
        runs.append(GridRun((f'teacher {role} self-trained', args.teacher_seed),
                            f'configs/mgd_ssss/mgd-ssss_self-train_{model}_{model}_{SCHEDULE}_{DATASET}.py',
                            self_dir, seed + [f'model.teachers.stage1.ckpt={sup_dir}/iter_{ITERS}.pth']))
        ckpts[role] = osp.join(self_dir, f'student_iter_{ITERS}.pth')
    return runs, ckpts


def plan(args):
    runs, ckpts = teacher_runs(args)
    if args.only_teachers:
        return runs
    if args.skip_teachers:
        runs = []
    for method in args.methods:
        for seed in args.seeds:
            options = [f'randomness.seed={seed}']
            if method != 'student, labeled only':
                options += [f'model.teachers.{role}.ckpt={path}' for role, path in ckpts.items()]
            folder = METHODS[method].split('_')[1]
            runs.append(GridRun((method, seed), f'configs/mgd_ssss/{METHODS[method]}.py',
                                osp.join(args.out, folder, f'seed{seed}'), options))
    return runs


def table(results, args) -> str:
    lines = ['| model | mIoU, mean ± half range (seeds) | vs student, labeled only |', '|---|---|---|']
    rows = list(dict.fromkeys(k[0] for k in results))
    values = {row: [results[k] for k in results if k[0] == row] for row in rows}
    alone = values.get('student, labeled only')
    for row in rows:
        gain = '-'
        if row in METHODS and row != 'student, labeled only' and alone:
            gain = f'{statistics.mean(values[row]) - statistics.mean(alone):+.2f}'
        lines.append(f'| {row} | {mean_cell(values[row])} | {gain} |')
    return '\n'.join(lines)


def main(argv=None) -> None:
    args = parse_args(argv)
    args.out = osp.abspath(args.out)
    runs = plan(args)
    print(f'{len(runs)} runs')
    if args.dry_run:
        print_plan(runs)
        return
    if args.report:
        print(table(finished_results(runs), args))
        return
    from mmkd.datasets import generate_segmentation, write_semi_splits
    data_root = osp.join(ROOT, DATA_ROOT)
    generate_segmentation(data_root)
    write_semi_splits(data_root)
    results = run_all(runs, lambda run: METRIC, lambda run: data_root, args.threads)
    write_report(table(results, args), args.out)


if __name__ == '__main__':
    main()
