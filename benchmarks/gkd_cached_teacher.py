"""GKD stage 1: a training step with the teacher's tokens read from a cache vs with the live teacher.

ratio = cached-teacher step / live-teacher step (below 1: the cache saves
the teacher's forward; the student still runs twice, plain and masked).

Both steps run the real stage-1 config (``--config``, default the F2F one)
with random weights on a synthetic batch of street-sized images (the
foundation teacher's checkpoint is not needed for timing). The teacher's
tokens for the batch are first written to a temporary cache with the code
behind ``tools/extract_teacher_features.py``; a forward hook fails the run if
the teacher runs in the cached step.

    python benchmarks/gkd_cached_teacher.py [--config CONFIG] [--teacher-depth N] [--device cuda]

``--teacher-depth`` / ``--teacher-width`` enlarge the teacher (a foundation
teacher is many times the student: DINOv2-B vs ViT-S), which is where the
cache pays off most.
"""
import copy
import os.path as osp
import tempfile

import torch
from common import (ROOT, common_parser, describe_run, finalize_args, interleaved_times, markdown_table, median,
                    ratios, spread)
from mmengine.config import Config
from mmengine.optim import build_optim_wrapper
from mmengine.registry import init_default_scope

import mmkd  # noqa: F401  (registers mmkd modules)
from mmkd.registry import MODELS

DEFAULT_CONFIG = 'configs/gkd/gkd_qsd-mask_mae-vit-e192-d6_vit-e128-d4_adamw-800i_street-synthetic.py'


def street_batch(batch_size: int, seed: int = 0) -> dict:
    """Random 128x256 uint8 images with the metainfo a flip-only pipeline records."""
    from mmseg.structures import SegDataSample
    g = torch.Generator().manual_seed(seed)
    inputs, samples = [], []
    for i in range(batch_size):
        inputs.append(torch.randint(0, 256, (3, 128, 256), generator=g, dtype=torch.uint8))
        samples.append(SegDataSample(metainfo=dict(img_path=f'synthetic/leftImg8bit/train/x/{i}.png',
                                                   ori_shape=(128, 256), img_shape=(128, 256),
                                                   scale_factor=(1.0, 1.0), flip=False, flip_direction=None)))
    return dict(inputs=inputs, data_samples=samples)


def build(cfg: Config, device: str, cache_dir=None):
    model_cfg = copy.deepcopy(cfg.model)
    model_cfg.teacher.checkpoint = None  # random weights: the timing does not depend on them
    if cache_dir is not None:
        model_cfg.teacher_cache = dict(cache_dir=cache_dir, on_miss='error')
    algorithm = MODELS.build(model_cfg)
    algorithm.init_weights()
    algorithm.to(device).train()
    return algorithm, build_optim_wrapper(algorithm, copy.deepcopy(cfg.optim_wrapper))


def measure(args) -> dict:
    from mmkd.cache import extract_from_loader
    init_default_scope('mmkd')
    cfg = Config.fromfile(osp.join(ROOT, args.config))
    cfg.model.teacher.arch_cfg.update(depth=args.teacher_depth, embed_dim=args.teacher_width,
                                      num_heads=max(1, args.teacher_width // 64))
    cfg.model.distiller.teacher_channels = args.teacher_width
    data = street_batch(args.batch_size)
    live, live_optim = build(cfg, args.device)
    with tempfile.TemporaryDirectory(prefix='mmkd_gkd_cache_') as cache_dir:
        cached, cached_optim = build(cfg, args.device, cache_dir)
        cached.teacher.load_state_dict(live.teacher.state_dict())
        pipeline = dict(benchmark='synthetic street batch', batch_size=args.batch_size)
        extract_from_loader(cached, lambda _pass: [data], pipeline, cache_dir)
        cached.train()
        cached.open_teacher_cache(pipeline)
        calls = []
        handle = cached.teacher.register_forward_pre_hook(lambda *_: calls.append(1))
        times = interleaved_times(dict(live=lambda: live.train_step(data, live_optim),
                                       cached=lambda: cached.train_step(data, cached_optim)), args)
        handle.remove()
        if calls:
            raise RuntimeError(f'the teacher ran {len(calls)} time(s) with the cache on')
    return dict(times=times, ratios=ratios(times['cached'], times['live']))


def main(argv=None):
    parser = common_parser(__doc__)
    parser.add_argument('--config', default=DEFAULT_CONFIG, help='a GKD stage-1 config (ViT teacher)')
    parser.add_argument('--teacher-depth', type=int, default=6, help='teacher blocks (config: 6)')
    parser.add_argument('--teacher-width', type=int, default=192, help='teacher width (config: 192)')
    args = parser.parse_args(argv)
    args.image_size = 128  # the street images are 128x256
    args = finalize_args(args)
    args.image_size = 128
    print(describe_run(args))
    result = measure(args)
    t = {k: median(v) * 1000 for k, v in result['times'].items()}
    print(markdown_table(['teacher', 'live-teacher step ms', 'cached-teacher step ms', 'ratio (median)',
                          'ratio min-max'],
                         [(f'ViT {args.teacher_width} wide x {args.teacher_depth}', t['live'], t['cached'],
                           median(result['ratios']), spread(result['ratios']))]))
    return result


if __name__ == '__main__':
    main()
