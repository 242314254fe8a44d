"""Export the student of a distillation checkpoint as a plain mmdet/mmseg checkpoint.

``python tools/export_student.py work_dirs/x/epoch_12.pth student.pth``
The output loads with ``mmdet.apis.init_detector`` / ``mmseg.apis.init_model``
and the student's own config: no teacher weights, no connectors.
"""
import argparse
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

import mmkd  # noqa: E402,F401
from mmkd.engine import student_checkpoint  # noqa: E402
from mmkd.utils.checkpoint import atomic_save  # noqa: E402


def export_student(src: str, dst: str, weights_only: bool = True) -> dict:
    import torch
    if not osp.isfile(src):
        raise FileNotFoundError(f'checkpoint not found: {src}')
    checkpoint = torch.load(src, map_location='cpu', weights_only=weights_only)
    if isinstance(checkpoint, dict) and 'state_dict' not in checkpoint:
        checkpoint = {'state_dict': checkpoint}  # a bare state dict
    payload = student_checkpoint(checkpoint)
    atomic_save(payload, dst)
    return payload


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument('src', help='full distillation checkpoint')
    parser.add_argument('dst', help='student-only checkpoint to write')
    parser.add_argument('--no-weights-only', action='store_true',
                        help='load a trusted legacy checkpoint with full unpickling')
    args = parser.parse_args(argv)
    payload = export_student(args.src, args.dst, weights_only=not args.no_weights_only)
    print(f'wrote {args.dst}: {len(payload["state_dict"])} student tensors')


if __name__ == '__main__':
    main()
