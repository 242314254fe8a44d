"""Detect objects in an image (or every image of a folder) and write PNGs with boxes.

    python demo/image_demo.py IMG_OR_DIR CONFIG CHECKPOINT --out out.png
    python demo/image_demo.py IMG CONFIG CKPT --teacher-config TCFG --teacher-checkpoint TCKPT --out cmp.png

With a teacher, each output shows teacher and student side by side. CONFIG is
the plain student config (e.g. configs/_base_/models/...) and CHECKPOINT a
student-only checkpoint (``student_latest.pth``) or any mmdet checkpoint. The
checkpoint must match the config's model exactly: one of another architecture
is refused with the keys that differ, instead of drawing random boxes.
"""
import argparse
import os
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

import cv2  # noqa: E402

import mmkd  # noqa: E402,F401
from mmkd.apis.detection_demo import draw_detections, side_by_side  # noqa: E402
from mmkd.utils.checkpoint import load_state_into, read_checkpoint, state_dict_of  # noqa: E402

IMAGE_EXTS = ('.jpg', '.jpeg', '.png', '.bmp')


def load_detector(config: str, checkpoint: str, device: str):
    """mmdet's ``init_detector``, but the checkpoint is read weights-only and loaded strictly:
    a missing, damaged or text file, or the checkpoint of another model, is an error naming it."""
    from mmdet.apis import init_detector
    if not osp.isfile(config):
        raise FileNotFoundError(f'config file not found: {config}')
    import warnings
    loaded = read_checkpoint(checkpoint, what='checkpoint')
    with warnings.catch_warnings():  # 'checkpoint is None, use COCO classes': the weights come next
        warnings.simplefilter('ignore')
        model = init_detector(config, None, device=device)
    load_state_into(model, state_dict_of(loaded, checkpoint), checkpoint, strict=True,
                    what=f'checkpoint for {osp.basename(config)}')
    dataset_meta = loaded.get('meta', {}).get('dataset_meta') if isinstance(loaded, dict) else None
    if dataset_meta:
        model.dataset_meta = dataset_meta
    return model


def list_images(path: str):
    if osp.isdir(path):
        files = sorted(f for f in os.listdir(path) if f.lower().endswith(IMAGE_EXTS))
        if not files:
            raise FileNotFoundError(f'no images ({", ".join(IMAGE_EXTS)}) in folder {path}')
        return [osp.join(path, f) for f in files]
    if not osp.isfile(path):
        raise FileNotFoundError(f'image not found: {path}')
    return [path]


def run_demo(image: str, config: str, checkpoint: str, out: str, teacher_config: str = None,
             teacher_checkpoint: str = None, score_thr: float = 0.3, device: str = 'cpu',
             upscale: int = 1, titles=('teacher', 'student')):
    from mmdet.apis import inference_detector
    models = []
    if teacher_config:
        models.append((titles[0], load_detector(teacher_config, teacher_checkpoint, device)))
    models.append((titles[1], load_detector(config, checkpoint, device)))
    images = list_images(image)
    outputs = []
    for img_path in images:
        img = cv2.imread(img_path)
        if img is None:
            raise ValueError(f'could not read image {img_path}')
        panels = []
        for name, model in models:
            result = inference_detector(model, img)
            shown = img
            if upscale > 1:  # small images: enlarge for legibility, boxes scaled too
                shown = cv2.resize(img, None, fx=upscale, fy=upscale, interpolation=cv2.INTER_NEAREST)
                result.pred_instances.bboxes = result.pred_instances.bboxes * upscale
            classes = model.dataset_meta.get('classes', ()) if model.dataset_meta else ()
            panels.append(draw_detections(shown, result, classes, score_thr, title=name))
        canvas = side_by_side(panels) if len(panels) > 1 else panels[0]
        target = out if len(images) == 1 and not osp.isdir(out) and out.lower().endswith('.png') \
            else osp.join(out, osp.splitext(osp.basename(img_path))[0] + '.png')
        os.makedirs(osp.dirname(osp.abspath(target)), exist_ok=True)
        cv2.imwrite(target, canvas)
        outputs.append(target)
    return outputs


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('image', help='image file or folder')
    parser.add_argument('config', help='student (or any detector) config')
    parser.add_argument('checkpoint', help='its checkpoint')
    parser.add_argument('--teacher-config')
    parser.add_argument('--teacher-checkpoint')
    parser.add_argument('--out', default='outputs/demo.png', help='PNG file, or folder for several images')
    parser.add_argument('--score-thr', type=float, default=0.3)
    parser.add_argument('--upscale', type=int, default=1, help='enlarge small images in the output')
    parser.add_argument('--device', default='cpu')
    args = parser.parse_args(argv)
    if bool(args.teacher_config) != bool(args.teacher_checkpoint):
        parser.error('--teacher-config and --teacher-checkpoint go together')
    for path in run_demo(args.image, args.config, args.checkpoint, args.out, args.teacher_config,
                         args.teacher_checkpoint, args.score_thr, args.device, args.upscale):
        print(f'wrote {path}')


if __name__ == '__main__':
    main()
