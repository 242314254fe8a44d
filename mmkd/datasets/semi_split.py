"""Labeled / unlabeled partitions of a segmentation training set, as split files.

Semi-supervised segmentation papers (CPS, MGD-SSSS...) fix which training
images keep their labels (1/16, 1/8, 1/4 of the set) in text files, one
image per line, and every method is compared on the same files. This module
makes such partitions for any Cityscapes-layout set, deterministically from a
seed, and writes them in the same format as the CPS / MGD-SSSS repositories
(``subset_train/train_aug_labeled_1-16.txt`` and
``train_aug_unlabeled_1-16.txt``), one tab-separated image / label pair a
line::

    /images/train/aachen_000000_000019.png\t/segmentation/train/aachen_000000_000019_gtFine.png

so the published Cityscapes split files drop in unchanged: the only thing
read back from a line is the image stem (``aachen_000000_000019``), which is
also the stem of mmseg's ``<city>/<stem>_leftImg8bit.png`` layout
(:class:`~mmkd.datasets.split_cityscapes.SplitCityscapesDataset`).

The partitions of one seed are nested (the 1/16 labeled images are among the
1/8 ones, which are among the 1/4 ones), as with the published splits, so a
larger labeled fraction only adds labels.
"""
from __future__ import annotations

import glob
import math
import os
import os.path as osp
from typing import Dict, List, Sequence, Tuple

import numpy as np

SPLIT_DIR = 'subset_train'
IMAGE_SUFFIX = '_leftImg8bit.png'


def split_file_names(denominator: int) -> Tuple[str, str]:
    """``(labeled, unlabeled)`` file names of the 1/``denominator`` partition."""
    return f'train_aug_labeled_1-{denominator}.txt', f'train_aug_unlabeled_1-{denominator}.txt'


def partition(stems: Sequence[str], denominator: int, seed: int = 0) -> Tuple[List[str], List[str]]:
    """Split ``stems`` into ``(labeled, unlabeled)`` with 1/``denominator`` labeled.

    The order is a seeded permutation of the sorted stems, so the result does
    not depend on the order the files were listed in; the labeled part is its
    first ``round(n / denominator)`` items (at least one), which makes the
    partitions of one seed nested across denominators.
    """
    if denominator < 1:
        raise ValueError(f'partition: denominator must be >= 1, got {denominator}')
    names = sorted(set(stems))
    if len(names) != len(stems):
        raise ValueError(f'partition: {len(stems) - len(names)} duplicate image stems')
    if not names:
        raise ValueError('partition: no images to split')
    order = np.random.default_rng(seed).permutation(len(names))
    num_labeled = max(1, math.floor(len(names) / denominator + 0.5))
    labeled = [names[i] for i in order[:num_labeled]]
    unlabeled = [names[i] for i in order[num_labeled:]]
    return labeled, unlabeled


def format_line(stem: str) -> str:
    """One split-file line for image ``stem`` (the CPS / MGD-SSSS format)."""
    return f'/images/train/{stem}.png\t/segmentation/train/{stem}_gtFine.png'


def read_split_file(path: str) -> List[str]:
    """Image stems listed in a split file (the CPS format, or one stem a line)."""
    if not osp.isfile(path):
        raise FileNotFoundError(f'split file {path!r} does not exist; write the embedded set\'s splits '
                                'with tools/data/generate_embedded.py or copy the published ones')
    stems = []
    with open(path, encoding='utf-8') as f:
        for number, line in enumerate(f, 1):
            line = line.strip()
            if not line:
                continue
            image = line.split()[0]
            stem = osp.basename(image)
            for suffix in (IMAGE_SUFFIX, '.png', '.jpg'):
                if stem.endswith(suffix):
                    stem = stem[:-len(suffix)]
                    break
            if not stem:
                raise ValueError(f'{path}:{number}: cannot read an image name from {line!r}')
            stems.append(stem)
    return stems


def list_train_stems(data_root: str, img_dir: str = 'leftImg8bit/train') -> List[str]:
    """Stems of the ``*_leftImg8bit.png`` images under ``data_root/img_dir/<city>/``."""
    paths = glob.glob(osp.join(data_root, img_dir, '*', '*' + IMAGE_SUFFIX))
    if not paths:
        raise FileNotFoundError(f'no *{IMAGE_SUFFIX} images under {osp.join(data_root, img_dir)}/<city>/')
    return sorted(osp.basename(p)[:-len(IMAGE_SUFFIX)] for p in paths)


def _write_lines(path: str, stems: Sequence[str]) -> None:
    tmp = f'{path}.tmp'
    with open(tmp, 'w', encoding='utf-8') as f:
        f.writelines(format_line(s) + '\n' for s in stems)
    os.replace(tmp, path)  # atomic: a reader never sees half a split


def write_semi_splits(data_root: str, denominators: Sequence[int] = (16, 8, 4), seed: int = 0,
                      out_dir: str | None = None) -> Dict[int, Tuple[str, str]]:
    """Write the labeled / unlabeled split files of ``data_root``'s training images.

    Files go to ``out_dir`` (default ``data_root/subset_train``); returns
    ``{denominator: (labeled file, unlabeled file)}``. Rewriting with the same
    images and seed gives identical files.
    """
    stems = list_train_stems(data_root)
    out_dir = out_dir or osp.join(data_root, SPLIT_DIR)
    os.makedirs(out_dir, exist_ok=True)
    written = {}
    for denominator in denominators:
        labeled, unlabeled = partition(stems, denominator, seed)
        files = tuple(osp.join(out_dir, name) for name in split_file_names(denominator))
        _write_lines(files[0], labeled)
        _write_lines(files[1], unlabeled)
        written[denominator] = files
    return written
