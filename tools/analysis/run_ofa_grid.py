"""Train the OFA-KD comparison grid on the embedded classification set and print the table.

For every pair (teacher family -> student family) and seed: the teacher, the
student alone, and the student distilled with KD, DKD, FitNet and OFA-KD, all
students on the same 10-epoch schedule. Student seed k distils from teacher
seed k, so the spread over seeds includes the teacher's. Each run is a fresh
``tools/train.py`` process; finished runs (``result.json`` in their work dir)
are skipped, so the grid resumes after an interruption. At the end the
top-1 table (mean over seeds, and each seed) is printed and written to
``<out>/results.md``, and the CKA heatmap of the first pair (teacher vs
student alone) to ``<out>/cka_<pair>.png``.

``python tools/analysis/run_ofa_grid.py`` (everything: 34 runs, ~1.5 h on 2 shared cores)
``python tools/analysis/run_ofa_grid.py --pairs swin-w48_resnet18-w32 --seeds 0 --dry-run``
"""
import argparse
import glob
import json
import os
import os.path as osp
import statistics
import subprocess
import sys
import time

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path.insert(0, ROOT)

TEACHERS = {  # teacher config -> final epoch (its checkpoint is epoch_<n>.pth)
    'swin-w48_adamw-100e_shapes-cls': 100,
    'resnet18_adamw-30e_shapes-cls': 30,
}
PAIRS = {  # name -> (teacher config, student-alone config)
    'swin-w48_resnet18-w32': ('swin-w48_adamw-100e_shapes-cls', 'resnet18-w32_adamw-10e_shapes-cls'),
    'resnet18_deit-e64-d4': ('resnet18_adamw-30e_shapes-cls', 'deit-e64-d4_adamw-10e_shapes-cls'),
    'resnet18_resmlp-e96-b4': ('resnet18_adamw-30e_shapes-cls', 'resmlp-e96-b4_adamw-10e_shapes-cls'),
}
METHODS = {  # column -> config of a pair (None: the student alone)
    'student alone': None,
    'KD': 'kd/kd_logits_{pair}_adamw-10e_shapes-cls.py',
    'DKD': 'dkd/dkd_logits_{pair}_adamw-10e_shapes-cls.py',
    'FitNet': 'fitnet/fitnet_stages_{pair}_adamw-10e_shapes-cls.py',
    'OFA': 'ofa_kd/ofa_branches_{pair}_adamw-10e_shapes-cls.py',
}
# seconds per run measured with 1 thread on 2 cores shared with another training
# (mmengine overhead included); only used for the time estimate printed first
SECONDS = {'swin-w48_adamw-100e_shapes-cls': 780, 'resnet18_adamw-30e_shapes-cls': 340,
           'swin-w48_resnet18-w32': dict(alone=60, logits=80, FitNet=85, OFA=95),
           'resnet18_deit-e64-d4': dict(alone=90, logits=95, FitNet=105, OFA=180),
           'resnet18_resmlp-e96-b4': dict(alone=100, logits=105, FitNet=120, OFA=255)}


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--pairs', nargs='+', default=list(PAIRS), choices=list(PAIRS))
    parser.add_argument('--methods', nargs='+', default=list(METHODS), choices=list(METHODS))
    parser.add_argument('--seeds', nargs='+', type=int, default=[0, 1])
    parser.add_argument('--out', default='work_dirs/ofa_grid',
                        help='work dirs and results (default work_dirs/ofa_grid)')
    parser.add_argument('--threads', type=int, default=None,
                        help='OMP_NUM_THREADS of each run (use 1 when the cores are shared: '
                        'two OpenMP processes on 2 cores slow each other down many times over)')
    parser.add_argument('--data-root', default='data/shapes_classification')
    parser.add_argument('--dry-run', action='store_true', help='print the runs and the time estimate only')
    return parser.parse_args(argv)


def read_top1(work_dir: str) -> float:
    """Top-1 of the last validation logged in ``work_dir`` (mmengine's scalars.json)."""
    for path in sorted(glob.glob(osp.join(work_dir, '*', 'vis_data', 'scalars.json')), reverse=True):
        with open(path) as f:
            values = [json.loads(line) for line in f if 'accuracy/top1' in line]
        if values:
            return float(values[-1]['accuracy/top1'])
    raise FileNotFoundError(f'no validation accuracy logged under {work_dir}')


def plan(args):
    """The runs in order: (result key, config path, work dir, cfg options); the key is
    (teacher config, seed) for a teacher and (pair, method, seed) for a student."""
    runs = []
    teachers = sorted({PAIRS[p][0] for p in args.pairs}, key=list(TEACHERS).index)
    for teacher in teachers:
        for seed in args.seeds:
            runs.append(((teacher, seed), f'configs/classification/{teacher}.py',
                         osp.join(args.out, 'teachers', teacher, f'seed{seed}'), [f'randomness.seed={seed}']))
    for pair in args.pairs:
        teacher = PAIRS[pair][0]
        for seed in args.seeds:
            ckpt = osp.join(args.out, 'teachers', teacher, f'seed{seed}', f'epoch_{TEACHERS[teacher]}.pth')
            for method in args.methods:
                options = [f'randomness.seed={seed}']
                if METHODS[method] is None:
                    config = f'configs/classification/{PAIRS[pair][1]}.py'
                else:
                    config = 'configs/' + METHODS[method].format(pair=pair)
                    options.append(f'model.teacher.ckpt={ckpt}')
                runs.append(((pair, method, seed), config,
                             osp.join(args.out, pair, method.replace(' ', '-'), f'seed{seed}'), options))
    return runs


def estimate(runs) -> float:
    total = 0.0
    for key, _, _, _ in runs:
        if len(key) == 2:  # a teacher
            total += SECONDS[key[0]]
            continue
        pair, method, _ = key
        kind = {'student alone': 'alone', 'FitNet': 'FitNet', 'OFA': 'OFA'}.get(method, 'logits')
        total += SECONDS[pair][kind]
    return total


def describe(key) -> str:
    return ' '.join(str(k) for k in key[:-1]) + f' seed {key[-1]}'


def train(key, config, work_dir, options, args) -> float:
    result_file = osp.join(work_dir, 'result.json')
    if osp.isfile(result_file):
        with open(result_file) as f:
            return json.load(f)['top1']
    env = dict(os.environ)
    if args.threads:
        env['OMP_NUM_THREADS'] = str(args.threads)
    cmd = [sys.executable, 'tools/train.py', config, '--work-dir', work_dir,
           '--cfg-options', f'data_root={args.data_root}', *options]
    print(f'[{time.strftime("%H:%M:%S")}] {describe(key)}: {" ".join(cmd[1:])}', flush=True)
    start = time.time()
    os.makedirs(work_dir, exist_ok=True)
    with open(osp.join(work_dir, 'stdout.log'), 'w') as log:
        code = subprocess.call(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    if code:
        raise RuntimeError(f'{describe(key)} failed (exit {code}); see {osp.join(work_dir, "stdout.log")}')
    top1 = read_top1(work_dir)
    with open(result_file, 'w') as f:
        json.dump(dict(top1=top1, seconds=round(time.time() - start), config=config, options=options), f)
    print(f'    top-1 {top1:.2f} in {time.time() - start:.0f} s', flush=True)
    return top1


def table(results, args) -> str:
    """Markdown table: one row per pair; mean top-1 over seeds, each seed in brackets."""
    def cell(values):
        if not values:
            return '-'
        seeds = ', '.join(f'{v:.1f}' for v in values)
        return f'{statistics.mean(values):.2f} ({seeds})'
    cols = ['teacher'] + args.methods
    lines = ['| pair | ' + ' | '.join(cols) + ' |', '|' + '---|' * (len(cols) + 1)]
    for pair in args.pairs:
        teacher = PAIRS[pair][0]
        row = [cell([results[(teacher, s)] for s in args.seeds if (teacher, s) in results])]
        row += [cell([results[(pair, m, s)] for s in args.seeds if (pair, m, s) in results]) for m in args.methods]
        lines.append(f'| {pair} | ' + ' | '.join(row) + ' |')
    return '\n'.join(lines)


def main(argv=None) -> None:
    args = parse_args(argv)
    # runs start in the repository root; paths given relative to the caller stay valid
    args.out, args.data_root = osp.abspath(args.out), osp.abspath(args.data_root)
    runs = plan(args)
    print(f'{len(runs)} runs, about {estimate(runs) / 60:.0f} min at the measured speed (1 thread, shared cores)')
    if args.dry_run:
        for key, config, work_dir, options in runs:
            print(f'  {describe(key)}: {config} -> {work_dir} {" ".join(options)}')
        return
    from mmkd.datasets.embedded import generate_classification
    generate_classification(args.data_root)
    results = {key: train(key, config, work_dir, options, args) for key, config, work_dir, options in runs}
    text = table(results, args)
    print(text)
    with open(osp.join(args.out, 'results.md'), 'w') as f:
        f.write(text + '\n')
    pair, seed = args.pairs[0], args.seeds[0]
    if 'student alone' in args.methods:
        teacher = PAIRS[pair][0]
        out = osp.join(args.out, f'cka_{pair}.png')
        subprocess.check_call([
            sys.executable, 'tools/analysis/cka.py', 'configs/' + METHODS['OFA'].format(pair=pair),
            '--teacher-ckpt', osp.join(args.out, 'teachers', teacher, f'seed{seed}', f'epoch_{TEACHERS[teacher]}.pth'),
            '--student-ckpt', osp.join(args.out, pair, 'student-alone', f'seed{seed}', 'epoch_10.pth'),
            '--data-root', args.data_root, '--num-batches', '4', '--out', out], cwd=ROOT)


if __name__ == '__main__':
    main()
