"""Benchmark 12: what a lower-precision teacher costs in accuracy, on the quickstart pair.

``teacher_precision='bf16'`` makes the frozen teacher's forward cheaper
(benchmark 7, ``live_teacher.py``); this script measures what it does to the
*result*: the quickstart's distilled student (RetinaNet R50-w16 -> R18-w8, CWD
on the classification logits, 12 epochs on the embedded shapes set) trained
with the teacher's forward in each precision, same teacher checkpoint, same
data, schedule and seeds, and evaluated on the val split (bbox mAP).

    python tools/quickstart.py                      # once: data + teacher
    python benchmarks/teacher_precision_map.py [--precisions fp32 bf16 --seeds 0 1 --threads 1]

Each run's metrics and wall time go to ``<work-dir>/<precision>_seed<k>/result.json``
(written once the run has finished): a finished run is skipped, so the script
resumes after an interruption, and two invocations with different ``--seeds``
can share a machine. On a CPU without native bf16 the algorithm keeps the
teacher in fp32 (with a warning), so the bf16 row would only repeat fp32: the
script refuses it unless ``--force-precision`` is given.
"""
import argparse
import json
import os
import os.path as osp
import statistics
import sys
import time

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
sys.path[:0] = [ROOT, osp.join(ROOT, 'tools')]

import torch  # noqa: E402

from mmkd.models.algorithms.teacher_precision import cpu_has_native_bf16  # noqa: E402
from mmkd.utils.checkpoint import atomic_write_bytes  # noqa: E402
from quickstart import CONFIGS, METRICS, last_checkpoint, run_stage  # noqa: E402


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--work-dir', default=osp.join(ROOT, 'work_dirs/teacher_precision'))
    parser.add_argument('--quickstart-dir', default=osp.join(ROOT, 'work_dirs/quickstart'),
                        help='where tools/quickstart.py trained the teacher (its teacher/ folder is read)')
    parser.add_argument('--data-root', default=osp.join(ROOT, 'data'))
    parser.add_argument('--precisions', nargs='+', default=['fp32', 'bf16'], choices=['fp32', 'bf16', 'fp16'])
    parser.add_argument('--seeds', nargs='+', type=int, default=[0, 1])
    parser.add_argument('--threads', type=int, default=1, help='torch threads of every run (default: 1)')
    parser.add_argument('--force-precision', action='store_true',
                        help='run bf16 even where the CPU has no native bf16 (emulated: slow)')
    parser.add_argument('--report', action='store_true', help='print the table of finished runs only')
    return parser.parse_args(argv)


def check_precisions(args) -> None:
    on_gpu = torch.cuda.is_available()
    if 'fp16' in args.precisions and not on_gpu:
        raise SystemExit('--precisions fp16: fp16 autocast runs on a GPU only, and none is visible here')
    if 'bf16' in args.precisions and not on_gpu and not cpu_has_native_bf16() and not args.force_precision:
        raise SystemExit('--precisions bf16: this CPU has no native bf16, so the teacher would stay fp32 '
                         '(pass --force-precision to measure the emulated bf16 teacher anyway)')


def run_one(args, teacher_ckpt: str, precision: str, seed: int) -> dict:
    """Train and evaluate one distilled student; returns (and stores) its metrics."""
    work_dir = osp.join(args.work_dir, f'{precision}_seed{seed}')
    result_path = osp.join(work_dir, 'result.json')
    if osp.isfile(result_path):
        with open(result_path) as f:
            return json.load(f)
    if args.report:
        return None
    options = {'model.teacher.ckpt': teacher_ckpt, 'val_cfg.evaluate_teachers': 'never',
               'model.teacher_precision': precision}
    if args.force_precision:
        options['model.teacher.force_precision'] = True
    start = time.time()
    _, metrics = run_stage(CONFIGS['distilled'], work_dir, seed, osp.join(args.data_root, 'shapes_coco'), options)
    result = {key: float(metrics[key]) for key in METRICS}
    result['wall_s'] = round(time.time() - start, 1)
    atomic_write_bytes(json.dumps(result, indent=2).encode(), result_path)
    return result


def table(results: dict, precisions, seeds) -> str:
    header = ['teacher precision'] + [f'mAP seed {s}' for s in seeds] + ['mean mAP', 'mean mAP50', 'vs fp32',
                                                                          'train+val s (mean)']
    lines = ['| ' + ' | '.join(header) + ' |', '|' + '---|' * len(header)]
    reference = None
    for precision in precisions:
        runs = [results.get((precision, s)) for s in seeds]
        cells = [f'{r[METRICS[0]]:.3f}' if r else '-' for r in runs]
        done = [r for r in runs if r]
        if not done:
            lines.append('| ' + ' | '.join([precision] + cells + ['-'] * 4) + ' |')
            continue
        mean = statistics.mean(r[METRICS[0]] for r in done)
        mean50 = statistics.mean(r[METRICS[1]] for r in done)
        if precision == 'fp32' and len(done) == len(seeds):
            reference = mean
        delta = f'{mean - reference:+.3f}' if reference is not None and len(done) == len(seeds) else '-'
        wall = statistics.mean(r['wall_s'] for r in done)
        lines.append('| ' + ' | '.join([precision] + cells + [f'{mean:.3f}', f'{mean50:.3f}', delta,
                                                                f'{wall:.0f}']) + ' |')
    return '\n'.join(lines)


def main(argv=None):
    args = parse_args(argv)
    args.precisions = sorted(args.precisions, key=lambda p: p != 'fp32')  # fp32 first: the reference row
    if not args.report:
        check_precisions(args)
    torch.set_num_threads(args.threads)
    teacher_ckpt = last_checkpoint(osp.join(args.quickstart_dir, 'teacher'))
    if teacher_ckpt is None and not args.report:
        raise SystemExit(f'no trained teacher under {osp.join(args.quickstart_dir, "teacher")}: '
                         'run `python tools/quickstart.py` first (or pass --quickstart-dir)')
    os.makedirs(args.work_dir, exist_ok=True)
    results = {}
    for seed in args.seeds:
        for precision in args.precisions:
            result = run_one(args, teacher_ckpt, precision, seed)
            if result:
                results[precision, seed] = result
    print(f'\nQuickstart pair, CWD on the logits, teacher {teacher_ckpt}; native bf16 on this CPU: '
          f'{cpu_has_native_bf16()}; {args.threads} thread(s) per run\n')
    print(table(results, args.precisions, args.seeds))


if __name__ == '__main__':
    main()
