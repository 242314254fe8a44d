"""The main job on the embedded data: teacher -> student, alone and distilled.

    python tools/quickstart.py [--work-dir work_dirs/quickstart] [--seed 0]

1. generate the embedded shapes set (reused when it exists),
2. train the teacher detector (reused when its checkpoint exists),
3. train the student alone and the student with distillation (same data,
   schedule and seed),
4. evaluate all three on the val split, print one table and write it to
   ``<work-dir>/results.md``,
5. write a demo PNG of teacher vs distilled-student detections.
"""
import argparse
import json
import os.path as osp
import sys
import time

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
sys.path.insert(0, ROOT)

from mmengine.config import Config  # noqa: E402
from mmengine.runner import Runner  # noqa: E402

import mmkd  # noqa: E402,F401
from mmkd.datasets import generate_detection, set_data_root  # noqa: E402

CONFIGS = dict(
    teacher=osp.join(ROOT, 'configs/detection/retinanet-r50-w16_adamw-12e_shapes-coco.py'),
    student=osp.join(ROOT, 'configs/detection/retinanet-r18-w8_adamw-12e_shapes-coco.py'),
    distilled=osp.join(ROOT, 'configs/cwd/cwd_logits_retinanet-r50-w16_retinanet-r18-w8_adamw-12e_shapes-coco.py'),
)
METRICS = ('coco/bbox_mAP', 'coco/bbox_mAP_50')


class Progress:
    """Stage headers with elapsed time and an ETA from the planned stage costs."""

    def __init__(self, plan):
        self.plan = dict(plan)  # stage -> estimated seconds
        self.start = time.time()
        self.done = 0.0

    def stage(self, name, note=''):
        elapsed = time.time() - self.start
        remaining = sum(self.plan.values()) - self.done
        print(f'\n=== [{elapsed / 60:5.1f} min elapsed, ~{max(remaining, 0) / 60:.1f} min left] '
              f'{name} {note}', flush=True)

    def finish(self, name):
        self.done += self.plan.get(name, 0)


def run_stage(config, work_dir, seed, data_root, options=None, train=True):
    cfg = Config.fromfile(config)
    cfg.work_dir = work_dir
    cfg.randomness = dict(seed=seed)
    set_data_root(cfg, data_root)
    cfg.merge_from_dict({
        # evaluate once, after training, below (the loop would also validate at its last epoch)
        'train_cfg.val_begin': cfg.train_cfg.max_epochs + 1,
        **(options or {}),
    })
    runner = Runner.from_cfg(cfg)
    if train:
        runner.train()
    else:
        runner.load_or_resume()
    metrics = runner.val()
    return runner, metrics


def last_checkpoint(work_dir):
    marker = osp.join(work_dir, 'last_checkpoint')
    if not osp.isfile(marker):
        return None
    with open(marker) as f:
        path = f.read().strip()
    return path if osp.isfile(path) else None


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--work-dir', default=osp.join(ROOT, 'work_dirs/quickstart'))
    parser.add_argument('--data-root', default=osp.join(ROOT, 'data'))
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--retrain-teacher', action='store_true')
    args = parser.parse_args(argv)

    progress = Progress(dict(data=15, teacher=190, student=120, distilled=180, demo=10))
    det_root = osp.join(args.data_root, 'shapes_coco')

    progress.stage('data', f'-> {det_root}')
    generate_detection(det_root, seed=0)
    progress.finish('data')

    teacher_dir = osp.join(args.work_dir, 'teacher')
    teacher_ckpt = None if args.retrain_teacher else last_checkpoint(teacher_dir)
    if teacher_ckpt:
        progress.stage('teacher', f'reusing trained teacher {teacher_ckpt} (--retrain-teacher to redo)')
        _, teacher_metrics = run_stage(CONFIGS['teacher'], teacher_dir, args.seed, det_root,
                                       {'load_from': teacher_ckpt}, train=False)
    else:
        progress.stage('teacher', 'training (RetinaNet R50-w16)')
        _, teacher_metrics = run_stage(CONFIGS['teacher'], teacher_dir, args.seed, det_root)
        teacher_ckpt = last_checkpoint(teacher_dir)
    progress.finish('teacher')

    progress.stage('student', 'training alone (RetinaNet R18-w8)')
    student_dir = osp.join(args.work_dir, f'student_seed{args.seed}')
    _, student_metrics = run_stage(CONFIGS['student'], student_dir, args.seed, det_root)
    progress.finish('student')

    progress.stage('distilled', 'training with CWD on the classification logits')
    distill_dir = osp.join(args.work_dir, f'distilled_seed{args.seed}')
    _, distilled_metrics = run_stage(CONFIGS['distilled'], distill_dir, args.seed, det_root,
                                     {'model.teacher.ckpt': teacher_ckpt,
                                      'val_cfg.evaluate_teachers': 'never'})
    progress.finish('distilled')

    rows = [('teacher  (R50-w16)', teacher_metrics), ('student alone (R18-w8)', student_metrics),
            ('student + CWD (R18-w8)', distilled_metrics)]
    table = ['| model | bbox mAP | mAP50 |', '|---|---|---|']
    table += [f'| {name} | {m[METRICS[0]]:.3f} | {m[METRICS[1]]:.3f} |' for name, m in rows]
    text = '\n'.join(table)
    print(f'\nEmbedded shapes val set, seed {args.seed}:\n{text}\n', flush=True)
    with open(osp.join(args.work_dir, 'results.md'), 'w') as f:
        f.write(f'seed {args.seed}\n\n{text}\n')
    with open(osp.join(args.work_dir, 'results.json'), 'w') as f:
        json.dump({name: {k: m[k] for k in METRICS} for name, m in rows}, f, indent=2)

    progress.stage('demo', 'teacher vs distilled student')
    sys.path.insert(0, osp.join(ROOT, 'demo'))
    from image_demo import run_demo
    demo_image = osp.join(ROOT, 'demo', 'shapes_on_photo.jpg')
    out = osp.join(args.work_dir, 'demo_teacher_vs_distilled.png')
    run_demo(demo_image, CONFIGS['student'], osp.join(distill_dir, 'student_latest.pth'), out,
             teacher_config=CONFIGS['teacher'], teacher_checkpoint=teacher_ckpt, score_thr=0.3,
             upscale=2, titles=('teacher R50-w16', 'student R18-w8 + CWD'))
    progress.finish('demo')
    print(f'demo image: {out}\nresults: {osp.join(args.work_dir, "results.md")}')
    progress.stage('done')


if __name__ == '__main__':
    main()
