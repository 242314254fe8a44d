"""Read COCO instances annotations: checked loading and per-image boxes.

Used by the CLIP image-text pairs (all categories) and by the OAKE
extraction (base boxes of the open-vocabulary training annotation as the
GT-jitter proposal source). mmdet's ``CocoDataset`` is the training reader;
these helpers are for the offline steps that only need the json.
"""
from __future__ import annotations

import json
import os.path as osp
from typing import Any, Dict, List

from mmengine.logging import MMLogger


def load_coco(ann_file: str) -> dict:
    """The annotation dict, checked to have ``images``, ``annotations`` and ``categories``."""
    if not osp.isfile(ann_file):
        raise FileNotFoundError(f'COCO annotation file not found: {ann_file!r}')
    with open(ann_file, encoding='utf-8') as f:
        coco = json.load(f)
    for key in ('images', 'annotations', 'categories'):
        if key not in coco:
            raise KeyError(f'{ann_file!r} is not a COCO instances annotation: it has no {key!r} key')
    return coco


def base_boxes_by_image(coco: dict, ann_file: str) -> Dict[Any, List[List[float]]]:
    """``{image id: [[x1, y1, x2, y2], ...]}`` of the non-crowd boxes of an
    open-vocabulary **training** annotation (written by
    :func:`mmkd.datasets.write_ov_split`), every image listed, boxless ones too.

    Refuses boxes of categories tagged ``split='novel'`` (the detector must not
    see them) and annotations naming unknown categories or images; warns when
    no category carries a base/novel tag (every box is then used).
    """
    categories = {c['id']: c for c in coco['categories']}
    for ann in coco['annotations']:
        if ann.get('category_id') not in categories:
            raise KeyError(f'{ann_file!r}: annotation {ann.get("id")!r} has category_id {ann.get("category_id")!r}, '
                           'which is not in its categories')
    novel = sorted({categories[a['category_id']]['name'] for a in coco['annotations']
                    if categories[a['category_id']].get('split') == 'novel'})
    if novel:
        raise ValueError(f'OAKE proposals: {ann_file!r} has boxes of novel categories {novel}; the proposal '
                         'source is the open-vocabulary training annotation (base boxes only, written by '
                         'mmkd.datasets.write_ov_split), so novel boxes must not be in it')
    if not any('split' in c for c in coco['categories']):
        MMLogger.get_current_instance().warning(
            f'OAKE proposals: the categories of {ann_file!r} carry no base/novel "split" tags; every box is '
            'used as a proposal source (pass the open-vocabulary training annotation)')
    boxes: Dict[Any, List[List[float]]] = {im['id']: [] for im in coco['images']}
    for ann in coco['annotations']:
        if ann.get('iscrowd', 0):
            continue
        if ann.get('image_id') not in boxes:
            raise KeyError(f'{ann_file!r}: annotation {ann.get("id")!r} refers to image {ann.get("image_id")!r}, '
                           'which is not in its images')
        x, y, w, h = ann['bbox']
        boxes[ann['image_id']].append([x, y, x + w, y + h])
    return boxes
