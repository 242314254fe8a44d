"""What deploying the student saves: onnxruntime CPU latency of student vs teacher.

ratio = student latency / teacher latency, per repeat, median over repeats

Both networks of a distillation pair are exported to ONNX exactly as
``tools/deploy/export_onnx.py`` does (``mmkd.apis.onnx_export``: detector and
segmentor in tensor mode, classifier logits, SAM image encoder), with random
weights (latency does not depend on them), and run by onnxruntime's CPU
provider with ``--threads`` intra-op threads on the same random batch,
interleaved (student, teacher, student, ...) so load from other processes hits
both. The input size is the one the export picks (the config's test scale).

    python benchmarks/onnx_latency.py [--pairs retinanet_cwd ...] [--threads 1] [--batch-size 1]
"""
import os.path as osp
import tempfile

from common import (ROOT, common_parser, finalize_args, interleaved_times, markdown_table, median, ratios,
                    spread)

import onnxruntime  # noqa: E402
import torch  # noqa: E402
from mmengine.config import Config  # noqa: E402
from mmengine.registry import init_default_scope  # noqa: E402

import mmkd  # noqa: E402,F401
from mmkd.apis.onnx_export import build_network, export, exportable, input_shape, ort_session  # noqa: E402

PAIRS = {
    'retinanet_cwd': 'configs/cwd/cwd_fpn_retinanet-r50-w16_retinanet-r18-w8_adamw-12e_shapes-coco.py',
    'deeplabv3_cwd': 'configs/cwd/cwd_logits_deeplabv3-r50-w16_deeplabv3-r18-w8_adamw-20e_shapes-cityscapes.py',
    'swin_resnet18_ofa': 'configs/ofa_kd/ofa-kd_branches_swin-w48_resnet18-w32_adamw-10e_shapes-cls.py',
    'tinysam_encoder': 'configs/tinysam/tinysam_kd_sam-vit-t128_timm-vit-tiny_adam-8e_shapes-coco.py',
}


def measure(pair: str, args, folder: str) -> dict:
    cfg = Config.fromfile(osp.join(ROOT, PAIRS[pair]))
    init_default_scope(cfg.get('default_scope', 'mmkd'))
    steps, shapes = {}, {}
    for role in ('student', 'teacher'):
        model = build_network(cfg, role)
        module, _ = exportable(model)
        h, w = input_shape(cfg, model, None)
        batch = torch.randn(args.batch_size, 3, h, w, generator=torch.Generator().manual_seed(0))
        path = osp.join(folder, f'{pair}_{role}.onnx')
        export(module, batch, path, opset=17)
        session = ort_session(path, threads=args.threads)
        feed = {'input': batch.numpy()}
        steps[role] = (lambda s=session, f=feed: s.run(None, f))
        shapes[role] = (h, w)
    times = interleaved_times(steps, args)
    return dict(times=times, ratios=ratios(times['student'], times['teacher']), shape=shapes['student'])


def main(argv=None):
    parser = common_parser(__doc__)
    parser.add_argument('--pairs', nargs='+', default=list(PAIRS), choices=list(PAIRS))
    args = finalize_args(parser.parse_args(argv))
    print(f'onnxruntime {onnxruntime.__version__} CPU, {args.threads} intra-op thread(s), batch {args.batch_size}, '
          f'warm-up {args.warmup}, {args.steps} timed run(s) x {args.repeats} repeat(s)'
          + (' [--quick: smoke run, numbers are meaningless]' if args.quick else ''))
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        for pair in args.pairs:
            result = measure(pair, args, folder)
            student_ms = median(result['times']['student']) * 1e3
            teacher_ms = median(result['times']['teacher']) * 1e3
            rows.append((pair, f'{result["shape"][0]}x{result["shape"][1]}', round(student_ms, 2),
                         round(teacher_ms, 2), median(result['ratios']), spread(result['ratios'])))
    print(markdown_table(['pair', 'input', 'student ms (median)', 'teacher ms (median)', 'ratio (median)',
                          'ratio min-max'], rows))
    return rows


if __name__ == '__main__':
    main()
