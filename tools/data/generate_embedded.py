"""Generate the embedded (offline, deterministic) data sets.

``python tools/data/generate_embedded.py --out data/ --seed 0`` writes
``data/shapes_coco`` (COCO-format detection), ``data/shapes_cityscapes``
(Cityscapes-layout segmentation, with its semi-supervised labeled /
unlabeled split files in ``subset_train/``) and ``data/shapes_classification``
(class-per-folder object crops). Rerunning with the same arguments reuses
the existing files; different arguments regenerate them.

``--dg-only`` writes the domain-generalisation benchmark instead:
``data/street_dg/<domain>`` for each street domain (``synthetic``, ``photo``,
``night``, ``fog``), the same scenes and label maps in each, Cityscapes layout.

``--segments-only`` writes ``data/street_segments``: street scenes in the COCO
layout whose instance masks (every connected component of every class) cover
every labelled pixel, for SAM's segment-everything benchmark.
"""
import argparse
import os.path as osp
import sys
import time

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))  # run from a checkout

from mmkd.datasets.embedded import (generate_classification, generate_detection,  # noqa: E402
                                    generate_segmentation, generate_street_domains, generate_street_segments)
from mmkd.datasets.semi_split import write_semi_splits  # noqa: E402

DET_DIR, SEG_DIR, CLS_DIR, DG_DIR = 'shapes_coco', 'shapes_cityscapes', 'shapes_classification', 'street_dg'
SEGMENTS_DIR = 'street_segments'


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--out', default='data', help='parent folder of the data sets (default: data)')
    parser.add_argument('--seed', type=int, default=0)
    only = parser.add_mutually_exclusive_group()
    only.add_argument('--det-only', action='store_true', help=f'only {DET_DIR}')
    only.add_argument('--seg-only', action='store_true', help=f'only {SEG_DIR}')
    only.add_argument('--cls-only', action='store_true', help=f'only {CLS_DIR}')
    only.add_argument('--dg-only', action='store_true',
                      help=f'only {DG_DIR}/<domain>: the street scenes in every visual domain')
    only.add_argument('--segments-only', action='store_true',
                      help=f'only {SEGMENTS_DIR}: full-coverage street segments, COCO layout (--det-image-size)')
    parser.add_argument('--num-train', type=int, help='training images per set '
                        '(default: 400 detection, 200 segmentation, 3200 classification)')
    parser.add_argument('--num-val', type=int, help='validation images per set '
                        '(default: 100 detection, 50 segmentation, 800 classification)')
    parser.add_argument('--det-image-size', type=int, default=128,
                        help='side of the square detection images')
    parser.add_argument('--seg-image-size', type=int, nargs=2, default=(128, 256),
                        metavar=('HEIGHT', 'WIDTH'), help='size of the segmentation images')
    parser.add_argument('--cls-image-size', type=int, default=32,
                        help='side of the square classification images')
    parser.add_argument('--split-seed', type=int, default=0,
                        help='seed of the labeled/unlabeled partitions of the segmentation set')
    parser.add_argument('--split-denominators', type=int, nargs='+', default=(16, 8, 4), metavar='N',
                        help='write the 1/N labeled partitions (default: 16 8 4)')
    return parser.parse_args(argv)


def main(argv=None) -> None:
    args = parse_args(argv)
    counts = {k: v for k, v in (('num_train', args.num_train), ('num_val', args.num_val))
              if v is not None}
    jobs = []
    everything = not (args.det_only or args.seg_only or args.cls_only or args.dg_only or args.segments_only)
    if everything or args.det_only:
        jobs.append((DET_DIR, generate_detection, dict(image_size=args.det_image_size)))
    if everything or args.seg_only:
        jobs.append((SEG_DIR, generate_segmentation, dict(image_size=tuple(args.seg_image_size))))
    if everything or args.cls_only:
        jobs.append((CLS_DIR, generate_classification, dict(image_size=args.cls_image_size)))
    if args.dg_only:
        jobs.append((DG_DIR, generate_street_domains, dict(image_size=tuple(args.seg_image_size))))
    if args.segments_only:
        jobs.append((SEGMENTS_DIR, generate_street_segments, dict(image_size=(args.det_image_size,) * 2)))
    for name, generate, kwargs in jobs:
        root = osp.join(args.out, name)
        start = time.perf_counter()
        generate(root, seed=args.seed, **counts, **kwargs)
        print(f'{root}: ready in {time.perf_counter() - start:.1f} s (seed {args.seed})')
        if name == SEG_DIR:
            files = write_semi_splits(root, args.split_denominators, seed=args.split_seed)
            print(f'{root}: semi-supervised splits 1/{", 1/".join(map(str, files))} (seed {args.split_seed})')


if __name__ == '__main__':
    main()
