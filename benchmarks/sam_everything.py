"""Benchmark: TinySAM's hierarchical segment-everything vs SAM's dense grid, same model, same dense grid.

time ratio = dense / hierarchical wall time (target >= 2), recall ratio =
hierarchical / dense mask recall at IoU 0.5 against the ground-truth
instance masks (target >= 0.95).

    python benchmarks/sam_everything.py --checkpoint work_dirs/.../student_epoch_8.pth \\
        [--config configs/tinysam/...py] [--num-images 20] [--device cuda]
    python benchmarks/sam_everything.py --random --quick    # smoke run, numbers meaningless

Both generators are ``mmkd.apis.sam_inference.everything_generator`` with
the same ``SamAutomaticMaskGenerator`` thresholds; the hierarchical one first
prompts a ``--sparse-points-per-side`` grid and then only the dense points
outside the pixels its kept masks cover with logit > ``--high-score-thresh``
(TinySAM: 8x8, 32x32, 8.5). Images are the val split at their own size
(the generators resize them); per image the two run back to back,
alternating which goes first, and each repeat's total time gives one ratio;
the median over repeats is reported. A random model keeps almost no mask
after SAM's IoU and stability filters, so ``--random`` sets both to 0 (the
time then covers the same decoding work, but recall means nothing).
"""
import argparse
import os.path as osp
import time

from common import ROOT, markdown_table, median, ratios, spread, synchronize

import numpy as np
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope

import mmkd  # noqa: F401
from mmkd.apis.sam_inference import EVERYTHING_MODES, everything_generator, load_sam_model
from mmkd.evaluation.metrics.mask_recall import mask_recall
from mmkd.registry import DATASETS

DEFAULT_MODEL_CONFIG = osp.join(ROOT, 'configs', '_base_', 'models', 'tinysam_timm-vit-tiny128.py')
DEFAULT_DATA_CONFIG = osp.join(ROOT, 'configs', '_base_', 'datasets', 'shapes_coco_sam_prompts.py')
TARGET_TIME_RATIO = 2.0
TARGET_RECALL_RATIO = 0.95


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--config', default=DEFAULT_MODEL_CONFIG, help='training config or model config')
    parser.add_argument('--checkpoint', help='student_*.pth or a full checkpoint (student./sam. keys found)')
    parser.add_argument('--random', action='store_true', help='random weights: smoke runs only')
    parser.add_argument('--role', choices=('student', 'teacher'), default='student')
    parser.add_argument('--prefix', help='key prefix of the model in the checkpoint (default: found)')
    parser.add_argument('--data-config', default=None,
                        help='config with the val_dataloader (default: --config when it has one, e.g. the '
                        'training config of the run, else the embedded shapes set)')
    parser.add_argument('--data-root', help="override the val dataset's data_root")
    parser.add_argument('--num-images', type=int, default=20, help='first N val images')
    parser.add_argument('--points-per-side', type=int, default=32, help='dense grid of both generators')
    parser.add_argument('--sparse-points-per-side', type=int, default=8)
    parser.add_argument('--high-score-thresh', type=float, default=8.5)
    parser.add_argument('--pred-iou-thresh', type=float, default=0.88)
    parser.add_argument('--stability-score-thresh', type=float, default=0.95)
    parser.add_argument('--box-nms-thresh', type=float, default=0.7)
    parser.add_argument('--multimask', action='store_true',
                        help="decode SAM's three masks per point (official SAM weights); by default the "
                             'single-mask output, the one the models of this project are trained with')
    parser.add_argument('--points-per-batch', type=int, default=64)
    parser.add_argument('--iou-thr', type=float, default=0.5, help='IoU at which a GT mask counts as found')
    parser.add_argument('--repeats', type=int, default=3)
    parser.add_argument('--device', default='cpu')
    parser.add_argument('--threads', type=int, default=1, help='torch.set_num_threads (default: 1)')
    parser.add_argument('--quick', action='store_true',
                        help='smoke run: 2 images, 2x2 sparse / 4x4 dense grid, one repeat (numbers meaningless)')
    args = parser.parse_args(argv)
    if args.random == bool(args.checkpoint):
        parser.error('give exactly one of --checkpoint (a trained model) and --random (smoke runs)')
    if args.quick:
        args.num_images, args.sparse_points_per_side, args.points_per_side, args.repeats = 2, 2, 4, 1
    if args.random:
        args.pred_iou_thresh = args.stability_score_thresh = 0.0
    if args.data_config is None:
        args.data_config = args.config if 'val_dataloader' in Config.fromfile(args.config) else DEFAULT_DATA_CONFIG
    if args.num_images < 1 or args.repeats < 1:
        parser.error('--num-images and --repeats must be >= 1')
    if args.device.startswith('cuda') and not torch.cuda.is_available():
        parser.error(f'--device {args.device} asked for, but CUDA is not available here')
    return args


def load_val_images(data_config: str, data_root, num_images: int):
    """``[(image RGB (H, W, 3) uint8, gt masks (G, H, W) bool)]`` of the first val images, at their own size."""
    cfg = Config.fromfile(data_config)
    if 'val_dataloader' not in cfg:
        raise KeyError(f'{data_config} has no val_dataloader')
    dataset_cfg = cfg.val_dataloader.dataset.copy()
    if data_root:
        dataset_cfg.data_root = data_root
    if dataset_cfg.get('data_root') and not osp.isdir(dataset_cfg.data_root):
        raise FileNotFoundError(f'val data_root {dataset_cfg.data_root!r} (from {data_config}) not found; make the '
                                'embedded sets with `python tools/data/generate_embedded.py --out data/` or pass '
                                '--data-root')
    dataset_cfg.pipeline = [dict(type='LoadImageFromFile'),
                            dict(type='mmdet.LoadAnnotations', with_bbox=True, with_mask=True)]
    dataset = DATASETS.build(dataset_cfg)
    items = []
    for i in range(min(num_images, len(dataset))):
        data = dataset[i]
        gt = data['gt_masks'].to_ndarray().astype(bool)
        items.append((np.ascontiguousarray(data['img'][..., ::-1]), gt[gt.reshape(len(gt), -1).any(1)]))
    return items


def run(args) -> dict:
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    init_default_scope('mmkd')
    sam = load_sam_model(args.config, args.checkpoint, role=args.role, prefix=args.prefix).to(args.device)
    items = load_val_images(args.data_config, args.data_root, args.num_images)
    common = dict(points_per_side=args.points_per_side, pred_iou_thresh=args.pred_iou_thresh,
                  stability_score_thresh=args.stability_score_thresh, box_nms_thresh=args.box_nms_thresh,
                  points_per_batch=args.points_per_batch, multimask_output=args.multimask)
    generators = dict(dense=everything_generator(sam, 'dense', **common),
                      hierarchical=everything_generator(sam, 'hierarchical',
                                                        sparse_points_per_side=args.sparse_points_per_side,
                                                        high_score_thresh=args.high_score_thresh, **common))
    times = {mode: [] for mode in EVERYTHING_MODES}
    found = {mode: 0.0 for mode in EVERYTHING_MODES}
    masks_out = {mode: 0 for mode in EVERYTHING_MODES}
    points = {mode: 0 for mode in EVERYTHING_MODES}
    num_gt = sum(len(gt) for _, gt in items)
    for repeat in range(args.repeats):
        total = {mode: 0.0 for mode in EVERYTHING_MODES}
        for i, (image, gt) in enumerate(items):
            order = list(EVERYTHING_MODES) if (i + repeat) % 2 == 0 else list(reversed(EVERYTHING_MODES))
            for mode in order:
                synchronize(args.device)
                start = time.perf_counter()
                records = generators[mode].generate(image)
                synchronize(args.device)
                total[mode] += time.perf_counter() - start
                if repeat == 0:  # the generators are deterministic: quality once
                    masks_out[mode] += len(records)
                    if len(gt):
                        found[mode] += mask_recall([r['segmentation'] for r in records], gt, args.iou_thr) * len(gt)
                    points[mode] += args.points_per_side ** 2 if mode == 'dense' else sum(
                        len(p['sparse']) + len(p['dense']) for p in generators[mode].last_points)
        for mode in EVERYTHING_MODES:
            times[mode].append(total[mode])
    recall = {mode: found[mode] / num_gt if num_gt else float('nan') for mode in EVERYTHING_MODES}
    return dict(images=len(items), num_gt=num_gt, times=times, recall=recall, masks_out=masks_out, points=points,
                time_ratios=ratios(times['dense'], times['hierarchical']),
                recall_ratio=recall['hierarchical'] / recall['dense'] if recall['dense'] > 0 else float('nan'))


def main(argv=None):
    args = parse_args(argv)
    result = run(args)
    n = result['images']
    print(f'device {args.device}, {torch.get_num_threads()} thread(s), torch {torch.__version__}; {n} val image(s), '
          f'{result["num_gt"]} GT masks; dense grid {args.points_per_side}x{args.points_per_side}, sparse grid '
          f'{args.sparse_points_per_side}x{args.sparse_points_per_side}, high-score thresh '
          f'{args.high_score_thresh}; {args.repeats} repeat(s)'
          + (' [--random: random weights, recall is meaningless]' if args.random else '')
          + (' [--quick: smoke run, numbers are meaningless]' if args.quick else ''))
    print(markdown_table(['generator', 'points prompted / image', 'masks / image', f'recall@{args.iou_thr}',
                          's / image (median)'],
                         [(mode, result['points'][mode] / n, result['masks_out'][mode] / n, result['recall'][mode],
                           median(result['times'][mode]) / n) for mode in EVERYTHING_MODES]))
    print()
    print(markdown_table(['time ratio dense/hierarchical (median)', 'ratio min-max', 'recall ratio hier/dense',
                          'targets'],
                         [(median(result['time_ratios']), spread(result['time_ratios']), result['recall_ratio'],
                           f'time >= {TARGET_TIME_RATIO:.1f}, recall >= {TARGET_RECALL_RATIO:.2f}')]))
    return result


if __name__ == '__main__':
    main()
