"""Prompt a SAM / TinySAM model with points and/or a box and write a PNG of the mask and the prompts.

    python demo/sam_prompt_demo.py IMG CONFIG CHECKPOINT --point 60 40 --out mask.png
    python demo/sam_prompt_demo.py IMG CONFIG CHECKPOINT --box 20 30 90 100 --bg-point 50 60 --out mask.png

Coordinates are pixels ``x y`` of the input image. ``--point`` (foreground)
and ``--bg-point`` (background) may repeat. CONFIG / CHECKPOINT as in
``sam_everything_demo.py``. segment_anything's ``SamPredictor`` does the
resizing and prompting; ``--multimask`` asks for SAM's three masks and keeps
the one of highest predicted IoU (better for a single ambiguous point).
"""
import argparse
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

import cv2  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402
from segment_anything import SamPredictor  # noqa: E402

from mmkd.apis.sam_drawing import draw_prompts, overlay_masks, read_image_bgr, upscale_image, write_png  # noqa: E402
from mmkd.apis.sam_inference import load_sam_model  # noqa: E402


def prompt_arrays(points=(), bg_points=(), box=None):
    """SamPredictor's ``point_coords (P, 2)``, ``point_labels (P,)`` and ``box (4,)`` (``None`` where absent)."""
    coords = [tuple(p) for p in points] + [tuple(p) for p in bg_points]
    if not coords and box is None:
        raise ValueError('give at least one prompt: --point X Y, --bg-point X Y or --box X0 Y0 X1 Y1')
    if not points and bg_points and box is None:
        raise ValueError('background points alone select nothing; add a --point or a --box')
    point_coords = np.asarray(coords, np.float32).reshape(-1, 2) if coords else None
    point_labels = np.asarray([1] * len(points) + [0] * len(bg_points)) if coords else None
    if box is not None:
        box = np.asarray(box, np.float32).reshape(4)
        if box[2] <= box[0] or box[3] <= box[1]:
            raise ValueError(f'--box must be X0 Y0 X1 Y1 with X1 > X0 and Y1 > Y0, got {box.tolist()}')
    return point_coords, point_labels, box


def run_demo(image: str, config: str, checkpoint: str, out: str, points=(), bg_points=(), box=None,
             multimask: bool = False, role: str = 'student', prefix: str = None, device: str = 'cpu',
             upscale: int = 1, alpha: float = 0.5):
    """Write the PNG and return ``(path, mask (H, W) bool, predicted IoU)``."""
    point_coords, point_labels, box = prompt_arrays(tuple(points), tuple(bg_points), box)
    image_bgr = read_image_bgr(image)
    h, w = image_bgr.shape[:2]
    corners = (point_coords.tolist() if point_coords is not None else []) + \
        (box.reshape(2, 2).tolist() if box is not None else [])
    outside = [(x, y) for x, y in corners if not (0 <= x <= w and 0 <= y <= h)]
    if outside:
        raise ValueError(f'prompt coordinates {outside} lie outside the {w}x{h} image {image!r}')
    sam = load_sam_model(config, checkpoint, role=role, prefix=prefix).to(device)
    predictor = SamPredictor(sam)
    predictor.set_image(cv2.cvtColor(image_bgr, cv2.COLOR_BGR2RGB))
    masks, scores, _ = predictor.predict(point_coords=point_coords, point_labels=point_labels, box=box,
                                         multimask_output=multimask)
    best = int(np.argmax(scores))
    mask = masks[best]
    canvas = overlay_masks(upscale_image(image_bgr, upscale), [upscale_image(mask, upscale)], alpha=alpha)
    canvas = draw_prompts(canvas, point_coords, point_labels, box, scale=upscale)
    return write_png(out, canvas), mask, float(scores[best])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('image')
    parser.add_argument('config', help='training config or model config of the SAM model')
    parser.add_argument('checkpoint')
    parser.add_argument('--point', nargs=2, type=float, action='append', default=[], metavar=('X', 'Y'),
                        help='foreground point (repeatable)')
    parser.add_argument('--bg-point', nargs=2, type=float, action='append', default=[], metavar=('X', 'Y'),
                        help='background point (repeatable)')
    parser.add_argument('--box', nargs=4, type=float, metavar=('X0', 'Y0', 'X1', 'Y1'))
    parser.add_argument('--multimask', action='store_true', help="SAM's three masks, keep the best predicted")
    parser.add_argument('--out', default='outputs/sam_prompt.png', help='PNG file')
    parser.add_argument('--role', choices=('student', 'teacher'), default='student')
    parser.add_argument('--prefix', help='key prefix of the model in the checkpoint (default: found from the keys)')
    parser.add_argument('--upscale', type=int, default=1)
    parser.add_argument('--alpha', type=float, default=0.5)
    parser.add_argument('--device', default='cuda' if torch.cuda.is_available() else 'cpu')
    args = parser.parse_args(argv)
    try:
        prompt_arrays(tuple(args.point), tuple(args.bg_point), args.box)
    except ValueError as err:
        parser.error(str(err))
    path, mask, score = run_demo(args.image, args.config, args.checkpoint, args.out, args.point, args.bg_point,
                                 args.box, args.multimask, args.role, args.prefix, args.device, args.upscale,
                                 args.alpha)
    print(f'wrote {path} (mask of {int(mask.sum())} pixels, predicted IoU {score:.3f})')


if __name__ == '__main__':
    main()
