"""Train the dense-prediction comparison grid on the embedded sets and print the tables.

For each pair (RetinaNet and Faster R-CNN on the embedded COCO-format shapes
set, DeepLabV3 on the embedded Cityscapes-layout set): the teacher once
(seed 0), then the student alone and each distilled student for every seed,
all students on the student's own schedule. Finished runs (``result.json`` in
their work dir) are skipped, so the grid resumes after an interruption; a run
that fails is reported and left out of the table. The tables (bbox mAP x 100
or mIoU, mean ± half the range over seeds, each seed in brackets) are printed
and written to ``<out>/results.md``; ``--readme configs/README.md`` also puts
each pair's table between that pair's ``<!-- grid:<pair>:start/end -->``
markers (the other pairs' tables are left as they are).

``python tools/analysis/run_dense_grid.py --pairs retinanet --methods "student alone" ACAM-KD --seeds 0 1``
``python tools/analysis/run_dense_grid.py --dry-run`` (the whole plan and the runs' configs)
``python tools/analysis/run_dense_grid.py --pairs deeplabv3 --report --readme configs/README.md`` (tables only)
"""
import argparse
import os.path as osp
import statistics
import sys

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path.insert(0, ROOT)

from mmkd.analysis.run_grid import (GridRun, finished_results, mean_cell, print_plan,  # noqa: E402
                                    replace_marked_blocks, run_all, write_report)

DET = dict(metric='coco/bbox_mAP', scale=100, data_root='data/shapes_coco', kind='detection')
SEG = dict(metric='mIoU', scale=1, data_root='data/shapes_cityscapes', kind='segmentation')
RETINA = 'retinanet-r50-w16_retinanet-r18-w8_adamw-12e_shapes-coco'
FRCNN = 'faster-rcnn-r50-w16_faster-rcnn-r18-w8_adamw-12e_shapes-coco'
DLV3 = 'deeplabv3-r50-w16_deeplabv3-r18-w8_adamw-20e_shapes-cityscapes'
PAIRS = {  # name -> teacher config, its last epoch, student-alone config, task, method -> config
    'retinanet': dict(
        DET, title='RetinaNet R50-w16 -> RetinaNet R18-w8', teacher='detection/retinanet-r50-w16_adamw-12e_shapes-coco.py', teacher_epochs=12,
        alone='detection/retinanet-r18-w8_adamw-12e_shapes-coco.py',
        methods={
            'CWD': f'cwd/cwd_fpn_{RETINA}.py',
            'PKD': f'pkd/pkd_fpn_{RETINA}.py',
            'MGD': f'mgd/mgd_fpn_{RETINA}.py',
            'FGD': f'fgd/fgd_fpn_{RETINA}.py',
            'FGD P3-P5': f'fgd/fgd_fpn-p3-p5_{RETINA}.py',
            'ACAM-KD': f'acam_kd/acam-kd_fpn_{RETINA}.py',
            'ACAM-KD alpha 1e-4': f'acam_kd/acam-kd_fpn-alpha-1e-4_{RETINA}.py',
            'ACAM spatial only': f'acam_kd/acam-kd_fpn-spatial-only_{RETINA}.py',
            'ACAM channel only': f'acam_kd/acam-kd_fpn-channel-only_{RETINA}.py',
            'ACAM teacher mask': f'acam_kd/acam-kd_fpn-teacher-mask_{RETINA}.py',
            'ACAM seek error': f'acam_kd/acam-kd_fpn-seek-error_{RETINA}.py',
        }),
    'faster-rcnn': dict(
        DET, title='Faster R-CNN R50-w16 -> Faster R-CNN R18-w8', teacher='detection/faster-rcnn-r50-w16_adamw-12e_shapes-coco.py', teacher_epochs=12,
        alone='detection/faster-rcnn-r18-w8_adamw-12e_shapes-coco.py',
        methods={
            'MGD': f'mgd/mgd_fpn_{FRCNN}.py',
            'ACAM-KD': f'acam_kd/acam-kd_fpn_{FRCNN}.py',
        }),
    'deeplabv3': dict(
        SEG, title='DeepLabV3 R50-w16 -> DeepLabV3 R18-w8', teacher='segmentation/deeplabv3-r50-w16_adamw-20e_shapes-cityscapes.py', teacher_epochs=20,
        alone='segmentation/deeplabv3-r18-w8_adamw-20e_shapes-cityscapes.py',
        methods={
            'CWD': f'cwd/cwd_logits_{DLV3}.py',
            'PKD': f'pkd/pkd_c5_{DLV3}.py',
            'PKD weight 1': f'pkd/pkd_c5-weight-1_{DLV3}.py',
            'MGD': f'mgd/mgd_c5_{DLV3}.py',
            'MGD alpha 5e-6': f'mgd/mgd_c5-alpha-5e-6_{DLV3}.py',
            'FGD': f'fgd/fgd_c5_{DLV3}.py',
            'ACAM-KD': f'acam_kd/acam-kd_c5_{DLV3}.py',
            'ACAM-KD alpha 1e-4': f'acam_kd/acam-kd_c5-alpha-1e-4_{DLV3}.py',
        }),
}
ALL_METHODS = ['student alone'] + list(dict.fromkeys(m for p in PAIRS.values() for m in p['methods']))


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--pairs', nargs='+', default=list(PAIRS), choices=list(PAIRS))
    parser.add_argument('--methods', nargs='+', default=ALL_METHODS, choices=ALL_METHODS,
                        help='columns to run (a method a pair has no config for is skipped)')
    parser.add_argument('--seeds', nargs='+', type=int, default=[0, 1])
    parser.add_argument('--teacher-seed', type=int, default=0)
    parser.add_argument('--out', default='work_dirs/dense_grid', help='work dirs and results')
    parser.add_argument('--threads', type=int, default=None,
                        help='OMP_NUM_THREADS of each run (1 when the cores are shared)')
    parser.add_argument('--cfg-options', nargs='+', default=[],
                        help='extra key=value options for every distilled student (e.g. a tuning sweep)')
    parser.add_argument('--tag', default='', help='suffix of the distilled runs\' work dirs (for sweeps)')
    parser.add_argument('--dry-run', action='store_true', help='print the runs only')
    parser.add_argument('--report', action='store_true',
                        help='print the tables of the runs that have finished, training nothing')
    parser.add_argument('--readme', help='also write each pair\'s table between its markers in this file '
                        '(e.g. configs/README.md)')
    return parser.parse_args(argv)


def plan(args):
    """The ``GridRun``s in order: key (pair, 'teacher', seed) or (pair, method, seed)."""
    runs = []
    for name in args.pairs:
        pair = PAIRS[name]
        teacher_dir = osp.join(args.out, name, 'teacher', f'seed{args.teacher_seed}')
        runs.append(GridRun((name, 'teacher', args.teacher_seed), 'configs/' + pair['teacher'], teacher_dir,
                            [f'randomness.seed={args.teacher_seed}']))
        ckpt = osp.join(teacher_dir, f'epoch_{pair["teacher_epochs"]}.pth')
        for method in args.methods:
            if method != 'student alone' and method not in pair['methods']:
                continue
            for seed in args.seeds:
                options = [f'randomness.seed={seed}']
                if method == 'student alone':
                    config, folder = pair['alone'], 'student-alone'
                else:
                    config = pair['methods'][method]
                    folder = (method + args.tag).replace(' ', '-')
                    options += [f'model.teacher.ckpt={ckpt}', *args.cfg_options]
                runs.append(GridRun((name, method + args.tag if method != 'student alone' else method, seed),
                                    'configs/' + config, osp.join(args.out, name, folder, f'seed{seed}'), options))
    return runs


def table(results, args) -> str:
    """One markdown table per pair (see :func:`pair_table`)."""
    return '\n'.join(pair_table(name, results, args) for name in args.pairs)


def pair_table(name: str, results, args) -> str:
    """The pair's markdown table: teacher, student alone, then one row per method with its
    gain over the student alone (difference of the seed means)."""
    pair = PAIRS[name]
    unit = 'bbox mAP x 100' if pair['kind'] == 'detection' else 'mIoU'
    lines = [f'### {pair["title"]} ({pair["kind"]}, {unit})', '',
             '| model | mean ± half range (seeds) | vs student alone |', '|---|---|---|']
    methods = sorted({k[1] for k in results if k[0] == name and k[1] != 'teacher'},
                     key=lambda m: (m != 'student alone', m))
    values = {m: [results[(name, m, s)] for s in args.seeds if (name, m, s) in results] for m in methods}
    values['teacher'] = [results[k] for k in results if k[:2] == (name, 'teacher')]
    alone = values.get('student alone')
    for label in ['teacher'] + methods:
        gain = '-'
        if label not in ('teacher', 'student alone') and alone and values[label]:
            gain = f'{pair["scale"] * (statistics.mean(values[label]) - statistics.mean(alone)):+.2f}'
        lines.append(f'| {label} | {mean_cell(values[label], scale=pair["scale"])} | {gain} |')
    lines.append('')
    return '\n'.join(lines)


def train_grid(runs, args):
    """Generate the data the pairs need, train every run (finished ones are read back), report."""
    from mmkd.datasets import generate_detection, generate_segmentation
    kinds = {PAIRS[name]['kind'] for name in args.pairs}
    if 'detection' in kinds:
        generate_detection(osp.join(ROOT, DET['data_root']))
    if 'segmentation' in kinds:
        generate_segmentation(osp.join(ROOT, SEG['data_root']))
    results = run_all(runs, lambda run: PAIRS[run.key[0]]['metric'],
                      lambda run: osp.join(ROOT, PAIRS[run.key[0]]['data_root']), args.threads)
    write_report(table(results, args), args.out)
    return results


def main(argv=None) -> None:
    args = parse_args(argv)
    args.out = osp.abspath(args.out)
    if args.readme and not osp.isfile(args.readme):
        raise SystemExit(f'--readme {args.readme}: no such file')
    runs = plan(args)
    print(f'{len(runs)} runs')
    if args.dry_run:
        print_plan(runs)
        return
    if args.report:
        results = finished_results(runs)
        print(table(results, args))
    else:
        results = train_grid(runs, args)
    if args.readme:
        blocks = {name: pair_table(name, results, args) for name in args.pairs
                  if any(key[0] == name for key in results)}
        replace_marked_blocks(args.readme, blocks)
        print(f'tables of {", ".join(blocks) or "no pair"} written between their markers in {args.readme}')


if __name__ == '__main__':
    main()
