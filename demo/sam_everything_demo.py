"""Segment everything in an image with a SAM / TinySAM model and write a PNG of coloured masks.

    python demo/sam_everything_demo.py IMG CONFIG CHECKPOINT --out everything.png [--mode dense]

CONFIG is the config the model was trained with (``configs/tinysam/...``,
``configs/sam/...``) or a model config (``configs/_base_/models/...``);
CHECKPOINT the run's ``student_epoch_N.pth`` or its full checkpoint
(``--role teacher`` picks the teacher of a distillation checkpoint).
``--mode hierarchical`` (default) is TinySAM's sparse-then-dense prompting,
``--mode dense`` SAM's plain grid; the thresholds are segment_anything's
defaults and the paper's (``--high-score-thresh 8.5``).
"""
import argparse
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

import cv2  # noqa: E402
import torch  # noqa: E402

from mmkd.apis.sam_drawing import overlay_masks, read_image_bgr, upscale_image, write_png  # noqa: E402
from mmkd.apis.sam_inference import EVERYTHING_MODES, everything_generator, load_sam_model  # noqa: E402


def run_demo(image: str, config: str, checkpoint: str, out: str, mode: str = 'hierarchical', role: str = 'student',
             prefix: str = None, device: str = 'cpu', upscale: int = 1, alpha: float = 0.5, **generator_kwargs):
    """Write the PNG and return ``(path, records)``, the generator's records (largest mask first)."""
    sam = load_sam_model(config, checkpoint, role=role, prefix=prefix).to(device)
    image_bgr = read_image_bgr(image)
    generator = everything_generator(sam, mode, **generator_kwargs)
    records = sorted(generator.generate(cv2.cvtColor(image_bgr, cv2.COLOR_BGR2RGB)), key=lambda r: -r['area'])
    shown = upscale_image(image_bgr, upscale)
    canvas = overlay_masks(shown, [upscale_image(r['segmentation'], upscale) for r in records], alpha=alpha)
    return write_png(out, canvas), records


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('image')
    parser.add_argument('config', help='training config or model config of the SAM model')
    parser.add_argument('checkpoint')
    parser.add_argument('--out', default='outputs/sam_everything.png', help='PNG file')
    parser.add_argument('--mode', choices=EVERYTHING_MODES, default='hierarchical')
    parser.add_argument('--role', choices=('student', 'teacher'), default='student',
                        help='which model of a distillation config/checkpoint')
    parser.add_argument('--prefix', help="key prefix of the model in the checkpoint (default: found from the keys)")
    parser.add_argument('--points-per-side', type=int, default=32, help='dense grid')
    parser.add_argument('--sparse-points-per-side', type=int, default=8, help='first grid of --mode hierarchical')
    parser.add_argument('--high-score-thresh', type=float, default=8.5,
                        help='mask logit marking a pixel confidently segmented (hierarchical)')
    parser.add_argument('--pred-iou-thresh', type=float, default=0.88)
    parser.add_argument('--stability-score-thresh', type=float, default=0.95)
    parser.add_argument('--box-nms-thresh', type=float, default=0.7)
    parser.add_argument('--multimask', action='store_true',
                        help="decode SAM's three masks per point (official SAM weights); by default the "
                             'single-mask output, the one the models of this project are trained with')
    parser.add_argument('--upscale', type=int, default=1, help='enlarge small images in the output')
    parser.add_argument('--alpha', type=float, default=0.5, help='mask opacity')
    parser.add_argument('--device', default='cuda' if torch.cuda.is_available() else 'cpu')
    args = parser.parse_args(argv)
    path, records = run_demo(args.image, args.config, args.checkpoint, args.out, args.mode, args.role, args.prefix,
                             args.device, args.upscale, args.alpha, points_per_side=args.points_per_side,
                             sparse_points_per_side=args.sparse_points_per_side,
                             high_score_thresh=args.high_score_thresh, pred_iou_thresh=args.pred_iou_thresh,
                             stability_score_thresh=args.stability_score_thresh, box_nms_thresh=args.box_nms_thresh,
                             multimask_output=args.multimask)
    print(f'wrote {path} ({len(records)} masks, {args.mode})')


if __name__ == '__main__':
    main()
