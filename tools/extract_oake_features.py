"""Extract OADP's object / block / global CLIP embeddings (OAKE) of a training set into a cache.

    python tools/extract_oake_features.py --clip-ckpt work_dirs/clip/mmkd-tiny-vit-64_shapes_coco.pth
        [--clip-model mmkd-tiny-vit-64] [--data-root data/shapes_coco]
        [--ann-file annotations/instances_train2017_ov-shapes_train.json] [--ov-split shapes]
        [--cache-dir work_dirs/oake_cache/NAME] [--dtype float16]
        [--proposals rpn --detector-config C --detector-checkpoint P [--top-k 50]]

For every image of the open-vocabulary training annotation (base boxes
only) it embeds, with the CLIP teacher: the proposals with object-aware mask
attention, the sliding blocks plus the whole image, and the whole image
(global). Proposals (``--proposals``):

* ``gt-jitter`` (default): the base GT boxes plus ``--num-jitter`` jittered
  copies of each; needs no detector, covers base objects only.
* ``rpn``: the ``--top-k`` class-agnostic proposals per image (after the
  RPN's NMS, w, h >= 4 px, original pixels) of the RPN of a two-stage
  detector trained on the base boxes (``--detector-config`` /
  ``--detector-checkpoint``, e.g. the ``oadp_none`` row and its checkpoint),
  run with the config's test pipeline; novel objects can be among them.
  Stands in for OADP's OLN (see configs/oadp/README.md). Results go to a teacher-feature cache
(``mmkd.cache`` format; read with ``mmkd.models.oadp.OAKEFeatureCache``).
Run it again after an interruption: it resumes, keeping the finished shards.

``--ann-file`` missing and ``--ov-split`` given: the split is written first
from ``--source-ann`` (training file, and ``..._eval.json`` with all boxes).

The CLIP: ``--clip-ckpt`` is a real open_clip / OpenAI checkpoint (with
``--clip-model ViT-B-32`` etc.) or the small CLIP of ``configs/clip``.
Block sizes are in original image pixels: the defaults (64 / 32) suit the
128 px embedded images; OADP uses 224 / 112 on images of about 1333 x 800.
"""
from __future__ import annotations

import argparse
import os.path as osp
import sys
from typing import Dict, Optional, Sequence

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))  # run from a checkout

import torch  # noqa: E402

import mmkd  # noqa: E402,F401  (registers modules)
from mmkd.datasets.ov_split import OV_SPLITS, write_ov_split  # noqa: E402
from mmkd.models.clip import CLIPTeacher  # noqa: E402
from mmkd.models.oadp import RPNProposalSource, extract_oake_features  # noqa: E402


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--data-root', default='data/shapes_coco')
    parser.add_argument('--ann-file', default='annotations/instances_train2017_ov-shapes_train.json',
                        help='open-vocabulary training annotation (base boxes), relative to --data-root')
    parser.add_argument('--img-dir', default='train2017', help='relative to --data-root')
    parser.add_argument('--ov-split', choices=sorted(OV_SPLITS),
                        help='write --ann-file from --source-ann with this split when it does not exist')
    parser.add_argument('--source-ann', default='annotations/instances_train2017.json',
                        help='full training annotation for --ov-split, relative to --data-root')
    parser.add_argument('--clip-model', default='mmkd-tiny-vit-64', help='open_clip model name or small config')
    parser.add_argument('--clip-ckpt', help='local CLIP checkpoint (required unless --random-clip)')
    parser.add_argument('--random-clip', action='store_true', help='randomly initialised CLIP (smoke runs only)')
    parser.add_argument('--cache-dir', help='default: work_dirs/oake_cache/<clip model>_<data folder>')
    parser.add_argument('--proposals', choices=['gt-jitter', 'rpn'], default='gt-jitter',
                        help='proposal source: base GT boxes + jittered copies, or the RPN of a base-only detector')
    parser.add_argument('--detector-config', help='--proposals rpn: two-stage detector config (test pipeline too)')
    parser.add_argument('--detector-checkpoint', help='--proposals rpn: its trained weights')
    parser.add_argument('--detector-checkpoint-prefix',
                        help="--proposals rpn: keys to select and strip, e.g. 'student.' (distillation checkpoint)")
    parser.add_argument('--top-k', type=int, default=50, help='--proposals rpn: proposals kept per image')
    parser.add_argument('--num-jitter', type=int, default=4, help='jittered copies per GT box')
    parser.add_argument('--jitter', type=float, default=0.15, help='jitter amount (fraction of box size)')
    parser.add_argument('--seed', type=int, default=0, help='seed of the jittered proposals (and of --random-clip)')
    parser.add_argument('--block-size', type=float, default=64)
    parser.add_argument('--block-stride', type=float, default=32, help='largest stride between blocks')
    parser.add_argument('--dtype', choices=['float32', 'float16'], default='float32')
    parser.add_argument('--shard-size', type=int, default=256)
    parser.add_argument('--batch-size', type=int, default=512, help='crops per CLIP forward')
    parser.add_argument('--max-images', type=int, help='only the first N images (smoke runs)')
    parser.add_argument('--device', default='cuda' if torch.cuda.is_available() else 'cpu')
    return parser.parse_args(argv)


def build_proposal_source(args: argparse.Namespace) -> Optional[RPNProposalSource]:
    """``None`` for gt-jitter (extract_oake_features' default), else the RPN source."""
    detector_args = dict(detector_config=args.detector_config, detector_checkpoint=args.detector_checkpoint,
                         detector_checkpoint_prefix=args.detector_checkpoint_prefix)
    if args.proposals == 'gt-jitter':
        given = [f'--{k.replace("_", "-")}' for k, v in detector_args.items() if v]
        if given:
            raise ValueError(f'{"/".join(given)} only apply to --proposals rpn (the proposals are gt-jitter)')
        return None
    missing = [f'--{k.replace("_", "-")}' for k in ('detector_config', 'detector_checkpoint')
               if not detector_args[k]]
    if missing:
        raise ValueError(f'--proposals rpn needs {" and ".join(missing)} (a two-stage detector trained on the '
                         'base boxes, e.g. the oadp_none row and its checkpoint)')
    return RPNProposalSource(args.detector_config, args.detector_checkpoint, top_k=args.top_k,
                             device=args.device, checkpoint_prefix=args.detector_checkpoint_prefix)


def main(argv: Optional[Sequence[str]] = None) -> Dict[str, int]:
    args = parse_args(argv)
    if not args.clip_ckpt and not args.random_clip:
        raise ValueError('--clip-ckpt is required (a real CLIP checkpoint or the one configs/clip writes); '
                         '--random-clip embeds with random weights, for smoke runs only')
    proposal_source = build_proposal_source(args)  # before anything is written: bad options fail first
    ann_file = osp.join(args.data_root, args.ann_file)
    if not osp.isfile(ann_file):
        if args.ov_split is None:
            raise FileNotFoundError(f'--ann-file {ann_file!r} not found; pass --ov-split NAME to write it from '
                                    f'--source-ann, or make it with mmkd.datasets.write_ov_split')
        eval_file = ann_file[:-len('_train.json')] + '_eval.json' if ann_file.endswith('_train.json') \
            else ann_file.replace('.json', '_eval.json')
        write_ov_split(osp.join(args.data_root, args.source_ann), ann_file, eval_file, split=args.ov_split)
        print(f'extract_oake_features: wrote the {args.ov_split!r} split: {ann_file}, {eval_file}')
    torch.manual_seed(args.seed)  # the same random CLIP on every run of --random-clip (its cache resumes)
    teacher = CLIPTeacher(model_name=args.clip_model, ckpt=None if args.random_clip else args.clip_ckpt)
    teacher.to(args.device)
    cache_dir = args.cache_dir or osp.join('work_dirs', 'oake_cache',
                                           f'{args.clip_model}_{osp.basename(osp.normpath(args.data_root))}')
    stats = extract_oake_features(
        teacher, ann_file, osp.join(args.data_root, args.img_dir), cache_dir, dict(model_name=args.clip_model),
        num_jitter=args.num_jitter, jitter=args.jitter, seed=args.seed, block_size=args.block_size,
        max_stride=args.block_stride, dtype=args.dtype, shard_size=args.shard_size, batch_size=args.batch_size,
        max_images=args.max_images, proposal_source=proposal_source)
    print(f'extract_oake_features: {cache_dir}: {stats}')
    return stats


if __name__ == '__main__':
    main()
