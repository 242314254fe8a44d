"""Teacher vs student features of a distillation config, and their difference, as one PNG grid.

``python tools/analysis/feature_diff.py CONFIG [CKPT] [--num-images 3 | --indices 0 5 | --images a.jpg b.jpg]
--out feature_diff.png``

Works from any distillation config unchanged: it builds the config's algorithm
(teachers from ``model.teacher(s).ckpt``, ``--cfg-options`` as in training),
loads ``CKPT`` (a full distillation checkpoint, with trained connectors, or a
student-only one), runs the teachers and the student on a few images through
the algorithm's own paths (``run_teachers``, the distiller's ``recording``),
so the features are those the training's recorders capture, and then asks the
distiller for what each loss receives (``ConfigurableDistiller.gather_loss_inputs``:
after connectors, level ``--level`` of a pyramid). For every loss that
compares a student input with a teacher input the row shows the student map,
the teacher map (channel mean, one colour scale for both) and the per-pixel
squared difference (channel mean of ``(S - T)^2``). Mask-based methods add
their masks: FGD's foreground mask (from the GT boxes or label map), ACAM-KD's
learned spatial masks, MGD's random generation mask (one draw). A distiller
that does not wire from config (OADP, TinySAM) is shown by the raw features
of the recorders the student and a teacher share a name with.

Images come from the config's validation set (``--data-root`` moves it) with
their annotations, so GT-driven masks exist and the student runs in ``loss``
mode as in training (``MethodOutputs`` recorders fire); ``--images`` runs
files through the test pipeline without annotations (student in tensor mode).
mmrazor's feature-map visualisation draws one model's hooked outputs; this
compares the pair exactly as the distillation loss sees it.
"""
from __future__ import annotations

import argparse
import math
import os
import os.path as osp
import sys
import warnings
from typing import Any, Dict, List, Optional, Sequence, Tuple

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))  # run from a checkout

import numpy as np  # noqa: E402
import torch  # noqa: E402
from mmengine.config import Config, DictAction  # noqa: E402
from mmengine.dataset import Compose, pseudo_collate  # noqa: E402
from mmengine.registry import init_default_scope  # noqa: E402

import mmkd  # noqa: E402,F401
from mmkd.datasets import set_data_root  # noqa: E402
from mmkd.registry import DATASETS, MODELS, scoped  # noqa: E402
from mmkd.utils.checkpoint import load_state_dict_file  # noqa: E402

STUDENT = 'student'
DATA_SAMPLES = 'data_samples'
# annotation loaders dropped from the test pipeline for --images files
ANNOTATION_LOADERS = ('LoadAnnotations',)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('config', help='a distillation config (the one training used)')
    parser.add_argument('checkpoint', nargs='?', help='full distillation checkpoint (epoch_N.pth) or student-only '
                        'checkpoint; default: the random initialisation (a warning says so)')
    parser.add_argument('--images', nargs='+', help='image files (test pipeline, no annotations) instead of '
                        'validation samples')
    parser.add_argument('--indices', type=int, nargs='+', help='validation sample indices (default: the first '
                        '--num-images)')
    parser.add_argument('--num-images', type=int, default=3, help='validation samples to show (default 3)')
    parser.add_argument('--level', type=int, default=0, help='pyramid level of tuple inputs (default 0, the finest)')
    parser.add_argument('--losses', nargs='+', help='only these losses (default: every loss with a student and '
                        'a teacher input)')
    parser.add_argument('--max-masks', type=int, default=3, help='masks shown per mask-based loss (default 3)')
    parser.add_argument('--data-root', help='read the validation set from another copy of the data')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction, help='override config entries, as in training')
    parser.add_argument('--seed', type=int, default=0, help='seed of random masks (MGD) (default 0)')
    parser.add_argument('--out', default='feature_diff.png', help='output PNG (default feature_diff.png)')
    args = parser.parse_args(argv)
    if args.num_images < 1:
        parser.error('--num-images must be >= 1')
    return args


# ----------------------------------------------------------------- model and data
def build_algorithm(cfg: Config, checkpoint: Optional[str]) -> torch.nn.Module:
    if 'distiller' not in cfg.model:
        raise KeyError(f'{cfg.filename}: model ({cfg.model.get("type")}) has no distiller: give a distillation config')
    model = MODELS.build(scoped(cfg.model))
    model.init_weights()
    if checkpoint:
        state = load_state_dict_file(checkpoint, what='checkpoint')
        if any(k.startswith(STUDENT + '.') for k in state):  # a full distillation checkpoint
            result = model.load_state_dict(state, strict=False)
            missing = [k for k in result.missing_keys if not k.startswith('teachers.')]
            if missing or result.unexpected_keys:
                raise KeyError(f'checkpoint {checkpoint!r} does not match {cfg.filename}: missing {missing[:5]}, '
                               f'unexpected {result.unexpected_keys[:5]}')
        else:  # a student-only checkpoint: connectors keep their initialisation
            result = model.student.load_state_dict(state, strict=False)
            if result.missing_keys or result.unexpected_keys:
                raise KeyError(f'checkpoint {checkpoint!r} is neither a distillation checkpoint of {cfg.filename} '
                               f'nor its student: missing {result.missing_keys[:5]}, '
                               f'unexpected {result.unexpected_keys[:5]}')
            warnings.warn('student-only checkpoint: the connectors are those of a random initialisation')
    else:
        warnings.warn('no checkpoint: the student and the connectors are those of a random initialisation')
    return model.eval()


def load_batch(cfg: Config, args) -> Tuple[dict, bool]:
    """(collated batch, whether it carries annotations)."""
    loader_cfg = cfg.val_dataloader
    if args.images:
        missing = [p for p in args.images if not osp.isfile(p)]
        if missing:
            raise FileNotFoundError(f'feature_diff: no image file {missing}')
        pipeline = [t for t in loader_cfg.dataset.pipeline
                    if str(t['type']).split('.')[-1] not in ANNOTATION_LOADERS]
        compose = Compose(pipeline)
        return pseudo_collate([compose(dict(img_path=p, img_id=i)) for i, p in enumerate(args.images)]), False
    dataset = DATASETS.build(loader_cfg.dataset)
    indices = args.indices or list(range(min(args.num_images, len(dataset))))
    bad = [i for i in indices if not 0 <= i < len(dataset)]
    if bad:
        raise IndexError(f'feature_diff: indices {bad} outside the validation set of {len(dataset)} samples')
    return pseudo_collate([dataset[i] for i in indices]), True


def record(model, batch: dict, annotated: bool) -> Tuple[torch.Tensor, List[Any]]:
    """Run teachers and student with the distiller recording, as a training step does."""
    data = model.data_preprocessor(batch, False)
    inputs, samples = data['inputs'], data['data_samples']
    distiller = model.distiller
    with torch.no_grad():
        with distiller.recording(list(model.teachers)):
            model.run_teachers(inputs, samples, {})
        with distiller.recording([STUDENT]):
            model.student(inputs, samples, mode='loss' if annotated else model.teacher_forward_mode)
    return inputs, samples


# ------------------------------------------------------------------ what to draw
def to_map(value: Any, level: int) -> Optional[torch.Tensor]:
    """``(N, C, H, W)`` from a feature, a level of a pyramid, or square token grids; None otherwise."""
    if isinstance(value, (list, tuple)):
        if not value or not isinstance(value[0], torch.Tensor):
            return None
        value = value[min(level, len(value) - 1)]
    if not isinstance(value, torch.Tensor) or not value.is_floating_point():
        return None
    value = value.detach().float()
    if value.dim() == 4:
        return value
    if value.dim() == 3:  # (N, L, C) tokens: a square grid, maybe after a class token
        n, tokens, channels = value.shape
        for skip in (0, 1):
            side = math.isqrt(tokens - skip)
            if side * side == tokens - skip and side > 1:
                return value[:, skip:].transpose(1, 2).reshape(n, channels, side, side)
    return None


def feature_pairs(model, samples, args) -> List[dict]:
    """Every (student, teacher) input pair of a loss, after connectors."""
    distiller = model.distiller
    pairs = []
    if hasattr(distiller, 'gather_loss_inputs'):
        for loss_name, mapping in distiller.loss_inputs.items():
            if args.losses and loss_name not in args.losses:
                continue
            inputs = distiller.gather_loss_inputs(loss_name, samples)
            student = [a for a, item in mapping.items() if item.model == STUDENT]
            teacher = [a for a, item in mapping.items() if item.model not in (STUDENT, DATA_SAMPLES)]
            if not student or not teacher:
                continue
            s_arg = next((a for a in student if a.endswith('_S') and 'aligned' not in a), student[0])
            t_arg = teacher[0]
            aligned = [a for a in student if 'aligned' in a]  # the student as the loss compares it (ACAM)
            pairs.append(dict(loss=loss_name, student=inputs[aligned[0] if aligned else s_arg],
                              teacher=inputs[t_arg], raw_student=inputs[s_arg], inputs=inputs, mapping=mapping,
                              names=(mapping[aligned[0] if aligned else s_arg].describe(),
                                     mapping[t_arg].describe())))
    else:
        managers = distiller.recorder_managers
        teachers = [n for n in managers if n != STUDENT]
        for name in managers.get(STUDENT, {}).recorders if STUDENT in managers else []:
            for t in teachers:
                if name in managers[t].recorders:
                    pairs.append(dict(loss=f'recorder {name}', student=managers[STUDENT].get(name),
                                      teacher=managers[t].get(name), raw_student=None, inputs={}, mapping={},
                                      names=(f'student.{name}', f'{t}.{name}')))
    if not pairs:
        raise ValueError(f'feature_diff: {type(distiller).__name__} has no loss comparing a student feature with a '
                         f'teacher feature{" among " + str(args.losses) if args.losses else ""}')
    return pairs


def masks_of(model, pair: dict, level: int, max_masks: int) -> List[Tuple[str, torch.Tensor]]:
    """The masks a mask-based loss uses on this batch, ``(title, (N, H, W))`` each."""
    loss = model.distiller.losses[pair['loss']] if pair['mapping'] else None
    out: List[Tuple[str, torch.Tensor]] = []
    if loss is None:
        return out
    inputs = {k: (v[min(level, len(v) - 1)] if isinstance(v, (list, tuple)) and k in pair['mapping']
                  and pair['mapping'][k].model != DATA_SAMPLES else v) for k, v in pair['inputs'].items()}
    name = type(loss).__name__
    with torch.no_grad():
        if hasattr(loss, 'compute'):  # ACAM-KD: learned spatial masks
            result = loss.compute(**inputs)
            mask_s = result.get('mask_s') if isinstance(result, dict) else None
            if isinstance(mask_s, torch.Tensor) and mask_s.dim() == 4:
                out += [(f'{name} mask {m}', mask_s[:, m]) for m in range(min(max_masks, mask_s.shape[1]))]
        elif hasattr(loss, 'masks') and 'gt' in inputs:  # FGD: foreground from the ground truth
            feat = inputs.get('preds_T')
            if isinstance(feat, torch.Tensor) and feat.dim() == 4:
                fg, _ = loss.masks(inputs['gt'], feat.shape[0], feat.shape[2:], feat.device)
                out.append((f'{name} foreground', fg))
    for arg, item in pair['mapping'].items():  # MGD: the generator's random mask on its input
        connector = model.distiller.connectors[item.connector] if item.connector else None
        if connector is not None and hasattr(connector, 'random_mask'):
            raw = item.select(model.distiller.recorder_managers[item.model].get(item.recorder))
            feat = to_map(raw, level)
            if feat is not None:
                mask = connector.random_mask(feat)
                if mask.shape[1] == 1:
                    out.append((f'{type(connector).__name__} mask (kept=1)', mask[:, 0].float()))
    return out


# ------------------------------------------------------------------------ drawing
def display_image(tensor: torch.Tensor) -> np.ndarray:
    """An input image (C, H, W, BGR as the loaders read it) as RGB for matplotlib."""
    img = tensor.detach().float().cpu()
    if img.dim() == 3 and img.shape[0] in (1, 3):
        img = img.flip(0) if img.shape[0] == 3 else img
        img = img.permute(1, 2, 0)
    img = img.numpy()
    lo, hi = img.min(), img.max()
    return (img - lo) / (hi - lo + 1e-12)


def draw(images, rows: List[List[Tuple[str, np.ndarray, dict]]], out: str) -> None:
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    cols = 1 + max(len(r) for r in rows)
    fig, axes = plt.subplots(len(rows), cols, figsize=(2.3 * cols, 2.3 * len(rows) + 0.3), squeeze=False)
    for i, (image, panels) in enumerate(zip(images, rows)):
        axes[i, 0].imshow(image.squeeze(), cmap='gray' if image.ndim == 2 or image.shape[-1] == 1 else None)
        axes[i, 0].set_title('input' if i == 0 else '', fontsize=8)
        for j, (title, array, style) in enumerate(panels, 1):
            handle = axes[i, j].imshow(array, **style)
            if i == 0:
                axes[i, j].set_title(title, fontsize=7)
            fig.colorbar(handle, ax=axes[i, j], fraction=0.046, pad=0.02).ax.tick_params(labelsize=5)
        for ax in axes[i]:
            ax.set_xticks([])
            ax.set_yticks([])
        for ax in axes[i, 1 + len(panels):]:
            ax.axis('off')
    fig.tight_layout()
    os.makedirs(osp.dirname(osp.abspath(out)), exist_ok=True)
    fig.savefig(out, dpi=100)
    plt.close(fig)


def main(argv=None) -> Dict[str, Any]:
    args = parse_args(argv)
    if not osp.isfile(args.config):
        raise FileNotFoundError(f'feature_diff: config file not found: {args.config}')
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    if args.data_root:
        set_data_root(cfg, args.data_root)
    init_default_scope(cfg.get('default_scope', 'mmkd'))
    torch.manual_seed(args.seed)
    model = build_algorithm(cfg, args.checkpoint)
    batch, annotated = load_batch(cfg, args)
    inputs, samples = record(model, batch, annotated)
    pairs = feature_pairs(model, samples, args)

    n = inputs.shape[0]
    rows: List[List[Tuple[str, np.ndarray, dict]]] = [[] for _ in range(n)]
    summary: Dict[str, Any] = {}
    for pair in pairs:
        s, t = to_map(pair['student'], args.level), to_map(pair['teacher'], args.level)
        if s is None or t is None:
            print(f'{pair["loss"]}: {pair["names"][0]} / {pair["names"][1]} are not feature maps; skipped')
            continue
        same = s.shape == t.shape
        diff = ((s - t) ** 2).mean(1) if same else None
        mse = diff.flatten(1).mean(1).tolist() if same else None
        masks = masks_of(model, pair, args.level, args.max_masks)
        summary[pair['loss']] = dict(student=tuple(s.shape), teacher=tuple(t.shape), mse=mse,
                                     masks=[title for title, _ in masks])
        print(f'{pair["loss"]}: {pair["names"][0]} {tuple(s.shape)} vs {pair["names"][1]} {tuple(t.shape)}'
              + (f', per-image MSE {["%.4g" % v for v in mse]}' if same else ', shapes differ: no difference map'))
        s_mean, t_mean = s.mean(1), t.mean(1)
        for i in range(n):
            lo = float(min(s_mean[i].min(), t_mean[i].min()))
            hi = float(max(s_mean[i].max(), t_mean[i].max()))
            shared = dict(cmap='viridis', vmin=lo, vmax=hi)
            rows[i] += [(f'{pair["loss"]}: student\n{pair["names"][0]}', s_mean[i].cpu().numpy(), shared),
                        (f'{pair["loss"]}: teacher\n{pair["names"][1]}', t_mean[i].cpu().numpy(), shared)]
            if same:
                rows[i].append((f'{pair["loss"]}: (S - T)^2', diff[i].cpu().numpy(), dict(cmap='magma', vmin=0)))
            rows[i] += [(title, mask[i].float().cpu().numpy(), dict(cmap='gray')) for title, mask in masks]
    if not any(rows):
        raise ValueError('feature_diff: no loss input is a feature map (N, C, H, W) or a square token grid')
    draw([display_image(img) for img in batch['inputs']], rows, args.out)
    print(f'{len(summary)} feature pairs of {n} images written to {args.out}')
    return summary


if __name__ == '__main__':
    main()
