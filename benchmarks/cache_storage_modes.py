"""Teacher-cache storage modes: bytes per sample and the effect on the distillation loss.

For each embedded pair (``--methods``), the teacher's recorded features of
the first ``--images`` training images are cached as float32, float16 and
int8 (per-sample per-channel scales), then the distillation losses of the
same batches are computed from each cache with the same student. Printed per
mode: stored bytes per sample (values and scales, no file headers), the size
relative to float32, and the relative difference of each ``distill.*`` loss
against the float32 cache (which equals the live teacher; checked). The
teacher has random weights unless ``--checkpoints`` keeps the config's
(there is no trained teacher in a fresh checkout). ``--budgets`` prints the
computed storage for real settings instead.

    python benchmarks/cache_storage_modes.py [--methods retinanet_cwd deeplabv3_cwd] [--images 16]
    python benchmarks/cache_storage_modes.py --budgets
"""
import argparse
import copy
import os
import os.path as osp
import tempfile
from typing import Optional

import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmengine.runner import Runner
from mmengine.runner.utils import set_random_seed

from common import ROOT, markdown_table
from workloads import METHODS

import mmkd  # noqa: F401  (registers modules)
from mmkd.cache import CachedTeacher, TeacherFeatureCache, extract_from_loader
from mmkd.cache.budget import human_bytes
from mmkd.cache.fingerprint import dataset_pipeline
from mmkd.datasets import set_data_root
from mmkd.registry import MODELS

MODES = ('float32', 'float16', 'int8')
BYTES = dict(float32=4, float16=2, int8=1)

# (setting, per-sample tensors as (channels, positions), samples, source of the shapes)
REAL = [
    ('COCO train2017, RetinaNet FPN P3-P7, 1333x800 (padded 1344x800), 256 ch',
     [(256, 168 * 100), (256, 84 * 50), (256, 42 * 25), (256, 21 * 13), (256, 11 * 7)], 118_287),
    ('SA-1B (11.1M images), SAM ViT-H image embedding 256x64x64', [(256, 64 * 64)], 11_100_000),
    ('ImageNet-1k train (1.28M), DINOv2 ViT-L/14 tokens at 518 px (1369 patches + cls), 1024 dims',
     [(1370, 1024)], 1_281_167),
]


def budgets() -> None:
    """Bytes per sample and for the data set, per storage mode (int8: one float32 scale per channel,
    or per token for token sequences)."""
    rows = []
    for name, tensors, samples in REAL:
        cells = [name]
        for mode in MODES:
            per = sum(c * n * BYTES[mode] + (4 * c if mode == 'int8' else 0) for c, n in tensors)
            cells.append(f'{human_bytes(per)} / {human_bytes(per * samples)}')
        rows.append(cells)
    print(markdown_table(['setting (one pass)'] + [f'{m}: per sample / data set' for m in MODES], rows))


def build(method: str, images: int, checkpoints: bool, data_root: Optional[str] = None):
    cfg = Config.fromfile(osp.join(ROOT, METHODS[method].distill_config))
    if data_root is not None:
        set_data_root(cfg, data_root)
    root = cfg.train_dataloader.dataset.data_root
    if not osp.isdir(root):
        raise SystemExit(f'{method}: no data at {root!r}; generate the embedded sets with '
                         '`python tools/data/generate_embedded.py --out data/` or pass --data-root')
    init_default_scope(cfg.get('default_scope', 'mmkd'))
    model_cfg = copy.deepcopy(cfg.model)
    model_cfg.pop('teacher_cache', None)
    if not checkpoints:
        model_cfg.teacher.ckpt = None
    set_random_seed(0)
    algorithm = MODELS.build(model_cfg)
    algorithm.init_weights()
    loader_cfg = copy.deepcopy(cfg.train_dataloader)
    loader_cfg.update(num_workers=0, persistent_workers=False, sampler=dict(type='DefaultSampler', shuffle=False))
    loader_cfg.dataset.indices = images
    batches = list(Runner.build_dataloader(loader_cfg, seed=0))  # one draw of the augmentations, reused
    return algorithm, batches, dataset_pipeline(cfg.train_dataloader.dataset)


def distill_losses(algorithm, batches) -> list:
    out = []
    algorithm.train()
    with torch.no_grad():
        for i, batch in enumerate(batches):
            torch.manual_seed(i)  # the student's dropout draws the same masks for every storage mode
            data = algorithm.data_preprocessor(batch, True)
            losses = algorithm.loss(data['inputs'], data['data_samples'])
            out.append({k: float(v) for k, v in losses.items() if k.startswith('distill.')})
    return out


def measure(method: str, images: int, checkpoints: bool, data_root: Optional[str] = None) -> list:
    algorithm, batches, pipeline = build(method, images, checkpoints, data_root)
    live = distill_losses(algorithm, batches)
    rows, reference = [], None
    with tempfile.TemporaryDirectory(prefix='mmkd_modes_') as tmp:
        for mode in MODES:
            cache_dir = osp.join(tmp, mode)
            extract_from_loader(algorithm, lambda _pass: batches, pipeline, cache_dir, dtype=mode)
            cache = TeacherFeatureCache(cache_dir)
            per_sample = sum(a.nbytes for a in cache.stored_leaves(next(iter(cache.locations.values()))).values())
            algorithm.cached_teacher = CachedTeacher(cache_dir, prefetch=False)
            algorithm.cached_teacher.open(algorithm, pipeline)
            losses = distill_losses(algorithm, batches)
            algorithm.cached_teacher = None
            if mode == 'float32':
                reference = losses
                worst = max(abs(a[k] - b[k]) / max(abs(b[k]), 1e-12) for a, b in zip(losses, live) for k in b)
                assert worst <= 1e-5, f'{method}: the float32 cache differs from the live teacher by {worst:.2e}'
            diffs = [abs(a[k] - b[k]) / max(abs(b[k]), 1e-12) for a, b in zip(losses, reference) for k in b]
            rows.append((method, mode, per_sample, per_sample / rows[0][2] if rows else 1.0,
                         f'{sum(diffs) / len(diffs):.2e}', f'{max(diffs):.2e}'))
    return rows


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--methods', nargs='+', default=['retinanet_cwd', 'deeplabv3_cwd'], choices=list(METHODS))
    parser.add_argument('--images', type=int, default=16)
    parser.add_argument('--checkpoints', action='store_true', help="keep the config's teacher checkpoint")
    parser.add_argument('--budgets', action='store_true', help='print the computed budgets of real settings')
    parser.add_argument('--quick', action='store_true', help='2 images: a smoke run')
    parser.add_argument('--data-root', help="the data set of the (single) method in --methods (default: the "
                        "config's, under data/)")
    args = parser.parse_args(argv)
    if args.quick:
        args.images = 2
    if args.budgets:
        return budgets()
    torch.set_num_threads(1)
    os.chdir(ROOT)  # data_root of the configs is relative to the checkout
    if args.data_root is not None and len(args.methods) != 1:
        parser.error('--data-root needs exactly one method in --methods (each pair has its own data set)')
    rows = []
    for method in args.methods:
        rows += measure(method, args.images, args.checkpoints, args.data_root)
    print(markdown_table(['method', 'storage', 'bytes per sample', 'size vs float32',
                          'distill loss rel. diff vs float32 (mean)', 'max'], rows))


if __name__ == '__main__':
    main()
