"""Export a distilled student to ONNX and check it against PyTorch with onnxruntime.

``python tools/deploy/export_onnx.py work_dirs/x/student_config.py work_dirs/x/student_latest.pth --out student.onnx``

The input is the student folder a distillation run writes (``student_config.py``
+ ``student_latest.pth``, or any ``student_epoch_N.pth``); a distillation
config (its ``model.student`` is used) or a plain task config works as well,
and so does a full distillation checkpoint (its ``student.`` weights). What is
exported is the network on a normalised image batch ``(N, 3, H, W)`` (the data
preprocessor's mean/std and padding stay outside, as in mmdeploy):

* mmdet detectors and mmseg segmentors: ``mode='tensor'`` (raw head outputs:
  per-level class scores and box deltas; segmentation logits), flattened to a
  list of outputs;
* timm classifiers (``mmkd.TimmClassifier``): logits;
* SAM students (``mmkd.SamPromptTrainer`` or a bare ``segment_anything`` Sam):
  the image encoder, the part distillation replaces (prompt encoder and mask
  decoder are SAM's own and export with segment_anything's exporter).

(``mmkd/apis/onnx_export.py`` does the work.)

The batch axis is dynamic. The ONNX file is checked with ``onnx.checker`` and
run by onnxruntime (CPU) on a seeded random batch of ``--batch`` images; the
largest absolute difference to PyTorch is printed and the command exits with
status 1 above ``--atol``. The input size comes from ``--shape H W``, else the
test pipeline's ``Resize`` scale padded to the preprocessor's divisor, else
the SAM encoder's ``img_size``.
"""
import argparse
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))  # run from a checkout

import torch  # noqa: E402
from mmengine.config import Config  # noqa: E402
from mmengine.registry import init_default_scope  # noqa: E402

import mmkd  # noqa: E402,F401
from mmkd.apis.onnx_export import exportable, export, input_shape, load_student, max_abs_difference  # noqa: E402


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('config', help="the student's config (student_config.py), a task config or a "
                        'distillation config')
    parser.add_argument('checkpoint', help='student checkpoint (student_latest.pth) or full distillation checkpoint')
    parser.add_argument('--out', help='ONNX file to write (default: the checkpoint path with .onnx)')
    parser.add_argument('--shape', type=int, nargs=2, metavar=('H', 'W'), help='input height and width')
    parser.add_argument('--batch', type=int, default=2, help='images in the check batch (default 2)')
    parser.add_argument('--atol', type=float, default=1e-3,
                        help='largest allowed |onnxruntime - PyTorch| (default 1e-3)')
    parser.add_argument('--opset', type=int, default=17, help='ONNX opset (default 17)')
    parser.add_argument('--seed', type=int, default=0, help='seed of the check batch (default 0)')
    args = parser.parse_args(argv)
    if args.batch < 1:
        parser.error('--batch must be >= 1')
    return args


def main(argv=None) -> float:
    args = parse_args(argv)
    for what, path in (('config', args.config), ('checkpoint', args.checkpoint)):
        if not osp.isfile(path):
            raise FileNotFoundError(f'export_onnx: {what} file not found: {path}')
    cfg = Config.fromfile(args.config)
    init_default_scope(cfg.get('default_scope', 'mmkd'))
    model = load_student(cfg, args.checkpoint)
    module, what = exportable(model)
    h, w = input_shape(cfg, model, args.shape)
    batch = torch.randn(args.batch, 3, h, w, generator=torch.Generator().manual_seed(args.seed))
    out = args.out or osp.splitext(args.checkpoint)[0] + '.onnx'
    names = export(module, batch, out, args.opset)
    diff = max_abs_difference(module, out, batch)
    print(f'exported {what} to {out}: input (N, 3, {h}, {w}), {len(names)} outputs; onnxruntime vs PyTorch '
          f'on a batch of {args.batch}: max abs difference {diff:.3g} (tolerance {args.atol:g})')
    if not diff <= args.atol:
        print(f'export_onnx: max abs difference {diff:.3g} exceeds --atol {args.atol:g}', file=sys.stderr)
        sys.exit(1)
    return diff


if __name__ == '__main__':
    main()
