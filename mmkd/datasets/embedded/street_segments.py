"""The embedded "everything" set: street scenes whose instance masks tile the whole image.

SAM's segment-everything mode answers "every segment in the image"; its
training masks (SA-1B) cover nearly every pixel, stuff as well as things.
The embedded shapes set cannot test that: its objects cover about a tenth of
each image and the rest is unlabelled background, so a model never learns a
background segment and a sparse-to-dense generator has nothing to skip. Here
every connected component of every class of the street scenes (road, sky,
building, each car, ...) is one instance, so the masks partition every
labelled pixel, as SA-1B's do.

Written in the COCO 2017 layout with RLE masks (``root/{train,val}2017/*.jpg``,
``root/annotations/instances_{split}2017.json``, category = the Cityscapes
train id's class), read by mmdet's ``CocoDataset`` and
``LoadAnnotations(with_mask=True)`` unchanged.
"""
from __future__ import annotations

import os.path as osp

import numpy as np
from pycocotools import mask as mask_utils
from scipy import ndimage

from .cityscapes_classes import CITYSCAPES_CLASSES
from .seeding import item_rng
from .storage import is_up_to_date, log, make_meta, prepare_root, write_image, write_json, write_meta
from .street_domains import STREET_DOMAINS, render_street_domain

SEGMENT_DIRS = ('train2017', 'val2017', 'annotations')
IGNORE_LABEL = 255


def label_map_segments(labels: np.ndarray, min_area: int = 1) -> list[tuple[int, np.ndarray]]:
    """``[(train id, boolean mask)]``: every 4-connected component of every class of a label map.

    ``min_area`` drops components smaller than that many pixels (1 keeps
    all, so the masks cover every labelled pixel); ``IGNORE_LABEL`` pixels
    belong to no segment.
    """
    if labels.ndim != 2:
        raise ValueError(f'label_map_segments expects an (H, W) label map, got shape {labels.shape}')
    segments = []
    for train_id in np.unique(labels):
        if train_id == IGNORE_LABEL:
            continue
        components, count = ndimage.label(labels == train_id)
        for k in range(1, count + 1):
            mask = components == k
            if mask.sum() >= min_area:
                segments.append((int(train_id), mask))
    return segments


def _annotation(ann_id: int, image_id: int, train_id: int, mask: np.ndarray) -> dict:
    rle = mask_utils.encode(np.asfortranarray(mask.astype(np.uint8)))
    rle['counts'] = rle['counts'].decode('ascii')
    x, y, w, h = (float(v) for v in mask_utils.toBbox(rle))
    return dict(id=ann_id, image_id=image_id, category_id=train_id + 1, segmentation=rle,
                area=float(mask.sum()), bbox=[x, y, w, h], iscrowd=0)


def _write_split(root: str, split: str, num: int, seed: int, height: int, width: int, domain: str,
                 min_area: int) -> None:
    images, annotations = [], []
    for index in range(num):
        image, labels = render_street_domain(item_rng(seed, 'street_segments', split, index), height, width, domain)
        image_id = index + 1  # pycocotools treats id 0 as "unmatched"
        file_name = f'{image_id:012d}.jpg'
        write_image(osp.join(root, f'{split}2017', file_name), image)
        images.append(dict(id=image_id, file_name=file_name, height=height, width=width))
        for train_id, mask in label_map_segments(labels, min_area):
            annotations.append(_annotation(len(annotations) + 1, image_id, train_id, mask))
    categories = [dict(id=i + 1, name=name, supercategory='street') for i, name in enumerate(CITYSCAPES_CLASSES)]
    write_json(osp.join(root, 'annotations', f'instances_{split}2017.json'),
               dict(info=dict(description='mmkd embedded street segments (synthetic, full coverage)',
                              version='1.0'), licenses=[], images=images, annotations=annotations,
                    categories=categories))


def generate_street_segments(root: str, seed: int = 0, num_train: int = 400, num_val: int = 100,
                             image_size: tuple[int, int] = (128, 128), domain: str = 'photo',
                             min_area: int = 1) -> str:
    """Write the full-coverage segments set to ``root`` (COCO 2017 layout, RLE masks); return ``root``.

    Args:
        root: output folder, e.g. ``data/street_segments``.
        seed: the same call writes byte-identical files.
        num_train, num_val: number of images per split.
        image_size: (height, width); square by default, the SAM models' input.
        domain: the look of the scenes (:data:`STREET_DOMAINS`).
        min_area: smallest segment kept, in pixels (1: every labelled pixel
            belongs to a segment).

    Reuses the files when ``root/meta.json`` records the same arguments.
    """
    height, width = image_size
    if domain not in STREET_DOMAINS:
        raise ValueError(f'generate_street_segments: unknown domain {domain!r}; domains: {STREET_DOMAINS}')
    if min_area < 1:
        raise ValueError(f'generate_street_segments: min_area must be >= 1 pixel, got {min_area}')
    params = dict(num_train=num_train, num_val=num_val, image_size=[height, width], domain=domain,
                  min_area=min_area)
    meta = make_meta('street_segments', seed, params, list(CITYSCAPES_CLASSES))
    if is_up_to_date(root, meta):
        log(f'reusing embedded data at {root} (seed {seed})')
        return root
    prepare_root(root, SEGMENT_DIRS)
    for split, num in (('train', num_train), ('val', num_val)):
        _write_split(root, split, num, seed, height, width, domain, min_area)
    write_meta(root, meta)
    log(f'generated embedded street segments at {root} (seed {seed}: {num_train} train / {num_val} val images '
        f'of {height}x{width}, every class component one instance)')
    return root
