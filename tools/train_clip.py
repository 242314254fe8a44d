"""Train a small CLIP contrastively on the embedded detection images (no pretrained CLIP here).

    python tools/train_clip.py [--data-root data/shapes_coco] [--model mmkd-tiny-vit-64]
        [--steps 500] [--batch-size 64] [--out work_dirs/clip/mmkd-tiny-vit-64_shapes_coco.pth]

**Users with real CLIP weights skip this step**: point the CLIP teacher at the
local checkpoint instead (``CLIPTeacher(model_name='ViT-B-32', ckpt=PATH)``,
see ``mmkd.models.clip.load_clip_checkpoint``).

OADP distils a CLIP that already knows every category, novel ones included,
from web-scale image-text pre-training. No such weights can be downloaded
here, so this tool makes a stand-in: an open_clip model (image and text
towers, ``pretrained=None``) trained with open_clip's ``ClipLoss`` (symmetric
InfoNCE, learnable logit scale, clamped to 100 as open_clip does) on pairs
from the training annotation with **all** categories (``mmkd.datasets.clip_pairs.CocoCaptionPairs``):
each box's adaptive square crop captioned with its category ("a photo of a
ring."), and each whole image captioned with every category present. Use the
full annotation, not the open-vocabulary training one: the novel categories
are hidden from the detector, not from the CLIP's pre-training.

At the end (and every ``--eval-every`` steps) it reports zero-shot
classification accuracy of the validation boxes' square crops against the
prompt-ensembled text embeddings of all categories, over base and novel
categories separately (``--split``, default the embedded set's 6 base / 2 novel).

Output: ``--out`` holds the bare open_clip state dict (the official key
layout) that ``load_clip_checkpoint`` / ``CLIPTeacher(ckpt=...)`` load
strictly, written atomically; ``--out`` + ``.json`` records the model, the
settings and the accuracies.

Calibration (defaults: ``mmkd-tiny-vit-64``, batch 64, AdamW lr 1e-3, 50 warm-up
steps then cosine decay; the embedded set: 1404 training pairs from 400 images,
244 validation crops; 2 CPU cores shared with other trainings, ``OMP_NUM_THREADS=1``,
about 0.75 s per step): zero-shot accuracy on the validation crops among all 8
categories, in one 500-step run (evaluated along the way, so the learning rate
had not yet decayed at the earlier points)::

    step   seconds   all     base    novel
     100      63     0.684   0.705   0.611
     200     140     0.811   0.805   0.833
     300     232     0.836   0.826   0.870
     400     298     0.844   0.837   0.870
     500     381     0.873   0.858   0.926

so ``--steps 500`` (about 6.5 minutes) gives a usable small teacher; the
accuracy is still rising slowly there, and longer runs are an option, not a
need. Novel categories are no harder than base ones for this CLIP, as for a
real CLIP: it saw them in pre-training; what is novel is the detector's view.
The file ``--out`` + ``.text.pth`` holds the prompt-ensembled text embeddings
of the categories (``{'classes', 'embeddings', 'templates'}``), the classifier
of the open-vocabulary student (``CLIPTextShared2FCBBoxHead(text_embeddings=...)``).
"""
from __future__ import annotations

import argparse
import json
import math
import os
import os.path as osp
import sys
import time
from typing import Dict, Iterator, List, Optional, Sequence

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))  # run from a checkout

import torch  # noqa: E402
from open_clip.loss import ClipLoss  # noqa: E402
from torch.utils.data import DataLoader  # noqa: E402

from mmkd.datasets.clip_pairs import CocoCaptionPairs  # noqa: E402
from mmkd.datasets.ov_split import OV_SPLITS, get_ov_split  # noqa: E402
from mmkd.models.clip import (DEFAULT_PROMPT_TEMPLATES, SMALL_CLIP_CONFIGS, build_clip_tokenizer,  # noqa: E402
                              build_open_clip, category_text_embeddings, clip_mean_std)
from mmkd.models.clip.zero_shot import zero_shot_accuracy  # noqa: E402
from mmkd.utils.checkpoint import atomic_save, atomic_write_bytes  # noqa: E402

def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--data-root', default='data/shapes_coco',
                        help='COCO-layout folder (generate with: python tools/data/generate_embedded.py --det-only)')
    parser.add_argument('--train-ann', default='annotations/instances_train2017.json',
                        help='training annotation with all categories, relative to --data-root')
    parser.add_argument('--train-img-dir', default='train2017', help='relative to --data-root')
    parser.add_argument('--val-ann', default='annotations/instances_val2017.json', help='relative to --data-root')
    parser.add_argument('--val-img-dir', default='val2017', help='relative to --data-root')
    parser.add_argument('--model', default='mmkd-tiny-vit-64',
                        help=f'open_clip model name or one of {sorted(SMALL_CLIP_CONFIGS)}')
    parser.add_argument('--split', default='shapes', choices=sorted(OV_SPLITS),
                        help='open-vocabulary split whose base / novel accuracies are reported')
    parser.add_argument('--steps', type=int, default=500, help='optimiser steps')
    parser.add_argument('--batch-size', type=int, default=64)
    parser.add_argument('--lr', type=float, default=1e-3)
    parser.add_argument('--weight-decay', type=float, default=0.1)
    parser.add_argument('--warmup', type=int, default=50, help='linear warm-up steps, then cosine decay')
    parser.add_argument('--box-jitter', type=float, default=0.1, help='training box jitter (fraction of size)')
    parser.add_argument('--max-images', type=int, help='use only the first N training images (smoke runs)')
    parser.add_argument('--max-val-images', type=int, help='use only the first N validation images')
    parser.add_argument('--eval-every', type=int, default=0, help='also evaluate every N steps (0: at the end)')
    parser.add_argument('--log-every', type=int, default=50)
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--device', default='cuda' if torch.cuda.is_available() else 'cpu')
    parser.add_argument('--out', help='checkpoint path (default: work_dirs/clip/<model>_<data folder>.pth)')
    return parser.parse_args(argv)


def _forever(loader: DataLoader) -> Iterator[dict]:
    while True:
        yield from loader


def _param_groups(model: torch.nn.Module, weight_decay: float) -> List[dict]:
    """open_clip's convention: no weight decay on 1-d tensors (gains, class token), norms, biases, logit scale."""
    decay, no_decay = [], []
    for name, param in model.named_parameters():
        if not param.requires_grad:
            continue
        exclude = param.ndim < 2 or 'bn' in name or 'ln' in name or 'bias' in name or 'logit_scale' in name
        (no_decay if exclude else decay).append(param)
    return [dict(params=no_decay, weight_decay=0.0), dict(params=decay, weight_decay=weight_decay)]


def _lr_factor(step: int, warmup: int, total: int) -> float:
    if step < warmup:
        return (step + 1) / warmup
    progress = (step - warmup) / max(1, total - warmup)
    return 0.5 * (1 + math.cos(math.pi * min(1.0, progress)))


@torch.no_grad()
def evaluate(model: torch.nn.Module, crops: torch.Tensor, labels: torch.Tensor, classes: Sequence[str],
             groups: Dict[str, List[int]], batch_size: int = 256) -> Dict[str, float]:
    """Zero-shot accuracy of ``crops`` against the prompt-ensembled embeddings of ``classes``."""
    was_training = model.training
    model.eval()
    try:
        device = next(model.parameters()).device
        text = category_text_embeddings(model, list(classes))
        images = torch.cat([model.encode_image(crops[i:i + batch_size].to(device), normalize=True)
                            for i in range(0, len(crops), batch_size)])
        return zero_shot_accuracy(images, labels, text, groups)
    finally:
        model.train(was_training)


def _groups(classes: Sequence[str], split: str) -> Dict[str, List[int]]:
    base, novel = get_ov_split(split)
    unknown = [c for c in base + novel if c not in classes]
    if unknown:
        raise KeyError(f'--split {split!r} names categories {unknown} that the annotation does not have '
                       f'(it has {list(classes)})')
    return dict(base=[classes.index(c) for c in base], novel=[classes.index(c) for c in novel])


def main(argv: Optional[Sequence[str]] = None) -> Dict[str, object]:
    args = parse_args(argv)
    for name in ('steps', 'batch_size'):
        if getattr(args, name) < 1:
            raise ValueError(f'--{name.replace("_", "-")} must be positive, got {getattr(args, name)}')
    torch.manual_seed(args.seed)
    model = build_open_clip(args.model).to(args.device)
    model.train()
    mean, std = clip_mean_std(model)
    size = int(model.visual.image_size[0])
    root = args.data_root
    train_set = CocoCaptionPairs(osp.join(root, args.train_ann), osp.join(root, args.train_img_dir), size, mean,
                                 std, augment=True, box_jitter=args.box_jitter, max_images=args.max_images)
    val_set = CocoCaptionPairs(osp.join(root, args.val_ann), osp.join(root, args.val_img_dir), size, mean, std,
                               kinds=('objects',), augment=False, max_images=args.max_val_images)
    if val_set.classes != train_set.classes:
        raise ValueError(f'{args.val_ann} has categories {val_set.classes}, {args.train_ann} has '
                         f'{train_set.classes}; they must be the same list')
    classes = list(train_set.classes)
    groups = _groups(classes, args.split)
    val_items = [val_set[i] for i in range(len(val_set))]
    val_crops = torch.stack([item['image'] for item in val_items])
    val_labels = torch.tensor([item['label'] for item in val_items])

    tokenizer = build_clip_tokenizer(model)
    loss_fn = ClipLoss()
    optimizer = torch.optim.AdamW(_param_groups(model, args.weight_decay), lr=args.lr, betas=(0.9, 0.98), eps=1e-6)
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda s: _lr_factor(s, args.warmup, args.steps))
    generator = torch.Generator().manual_seed(args.seed)
    loader = DataLoader(train_set, batch_size=min(args.batch_size, len(train_set)), shuffle=True, drop_last=True,
                        generator=generator, num_workers=0)
    print(f'train_clip: {args.model} on {len(train_set)} pairs ({len(train_set.images)} images), '
          f'{len(val_crops)} val crops, {args.steps} steps of {loader.batch_size}', flush=True)
    history = []
    start = time.time()
    batches = _forever(loader)
    for step in range(args.steps):
        batch = next(batches)
        out = model(batch['image'].to(args.device), tokenizer(batch['caption']).to(args.device))
        if isinstance(out, dict):
            image_features, text_features, logit_scale = (out['image_features'], out['text_features'],
                                                          out['logit_scale'])
        else:
            image_features, text_features, logit_scale = out[:3]
        loss = loss_fn(image_features, text_features, logit_scale)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        scheduler.step()
        with torch.no_grad():  # as open_clip's training: temperature at most 1/100
            model.logit_scale.clamp_(0, math.log(100))
        done = step + 1
        if done % args.log_every == 0 or done == args.steps:
            print(f'step {done}/{args.steps} loss {loss.item():.4f} logit_scale {model.logit_scale.exp().item():.1f} '
                  f'{time.time() - start:.0f}s', flush=True)
        if done == args.steps or (args.eval_every and done % args.eval_every == 0):
            acc = evaluate(model, val_crops, val_labels, classes, groups)
            history.append(dict(step=done, seconds=round(time.time() - start, 1), loss=loss.item(), **acc))
            print(f'step {done}: zero-shot accuracy on val crops all {acc["all"]:.3f} base {acc["base"]:.3f} '
                  f'novel {acc["novel"]:.3f}', flush=True)

    out_path = args.out or osp.join('work_dirs', 'clip', f'{args.model}_{osp.basename(osp.normpath(root))}.pth')
    os.makedirs(osp.dirname(osp.abspath(out_path)), exist_ok=True)
    model.eval()
    atomic_save({k: v.detach().cpu() for k, v in model.state_dict().items()}, out_path)
    summary = dict(model=args.model, checkpoint=out_path, classes=classes, split=args.split, groups=groups,
                   train_pairs=len(train_set), val_crops=len(val_crops), seconds=round(time.time() - start, 1),
                   args=vars(args), history=history, zero_shot=history[-1])
    atomic_write_bytes(json.dumps(summary, indent=1).encode(), out_path + '.json')
    text = category_text_embeddings(model, classes, DEFAULT_PROMPT_TEMPLATES).cpu()
    atomic_save(dict(classes=classes, embeddings=text, templates=list(DEFAULT_PROMPT_TEMPLATES)),
                out_path + '.text.pth')
    print(f'train_clip: wrote {out_path} (load with CLIPTeacher(model_name={args.model!r}, ckpt=...))', flush=True)
    return summary


if __name__ == '__main__':
    main()
