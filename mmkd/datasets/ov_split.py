"""Open-vocabulary splits of COCO-format detection annotations.

An open-vocabulary detector trains on boxes of the **base** categories only
and is evaluated on base and **novel** categories; it learns about novel ones
only through the CLIP teacher and the text embeddings of their names. From one
COCO-format annotation this module makes:

* the training annotation: base boxes only (novel boxes removed, the images
  kept, so an image with only novel objects is an image without boxes, which
  mmdet's ``filter_empty_gt`` drops);
* the evaluation annotation: base and novel boxes.

Both keep the same category list, base and novel (each tagged
``"split": "base" | "novel"``), so a label index means the same class in
training and evaluation and the detector's classifier has a column for every
novel class (masked during training). Categories in neither list, and their
boxes, are removed from both (OV-COCO uses 65 of COCO's 80 categories).
"""
from __future__ import annotations

import copy
import json
import os
from typing import Dict, Optional, Sequence, Tuple

from .embedded import SHAPES_CLASSES

# OV-COCO (Bansal et al. 2018, used by OVR-CNN, ViLD, OADP): 48 base and 17 novel
# COCO 2017 category names; the other 15 COCO categories are not used.
OV_COCO_BASE_CLASSES = (
    'person', 'bicycle', 'car', 'motorcycle', 'train', 'truck', 'boat', 'bench', 'bird', 'horse', 'sheep',
    'bear', 'zebra', 'giraffe', 'backpack', 'handbag', 'suitcase', 'frisbee', 'skis', 'kite', 'surfboard',
    'bottle', 'fork', 'spoon', 'bowl', 'banana', 'apple', 'sandwich', 'orange', 'broccoli', 'carrot', 'pizza',
    'donut', 'chair', 'bed', 'toilet', 'tv', 'laptop', 'mouse', 'remote', 'microwave', 'oven', 'toaster',
    'refrigerator', 'book', 'clock', 'vase', 'toothbrush')
OV_COCO_NOVEL_CLASSES = (
    'airplane', 'bus', 'cat', 'dog', 'cow', 'elephant', 'umbrella', 'tie', 'snowboard', 'skateboard', 'cup',
    'knife', 'cake', 'couch', 'keyboard', 'sink', 'scissors')

# The embedded shapes set (8 categories): 2 novel shapes, each with a base
# shape it resembles (ring ~ circle, diamond ~ square), so knowledge can
# transfer from base to novel through shared visual parts, as between COCO's
# novel 'bus' and base 'truck'.
SHAPES_NOVEL_CLASSES = ('ring', 'diamond')
SHAPES_BASE_CLASSES = tuple(c for c in SHAPES_CLASSES if c not in SHAPES_NOVEL_CLASSES)

OV_SPLITS: Dict[str, Tuple[Tuple[str, ...], Tuple[str, ...]]] = {
    'coco': (OV_COCO_BASE_CLASSES, OV_COCO_NOVEL_CLASSES),
    'shapes': (SHAPES_BASE_CLASSES, SHAPES_NOVEL_CLASSES),
}


def get_ov_split(name: str) -> Tuple[Tuple[str, ...], Tuple[str, ...]]:
    """``(base_classes, novel_classes)`` of a named split: ``'coco'`` (48/17) or ``'shapes'`` (6/2)."""
    if name not in OV_SPLITS:
        raise KeyError(f'unknown open-vocabulary split {name!r}; known: {sorted(OV_SPLITS)}')
    return OV_SPLITS[name]


def _check_classes(base: Sequence[str], novel: Sequence[str], categories: Sequence[dict], source: str) -> None:
    if not base:
        raise ValueError(f'open-vocabulary split of {source}: base_classes is empty')
    for which, names in (('base_classes', base), ('novel_classes', novel)):
        if len(set(names)) != len(names):
            dup = sorted({n for n in names if list(names).count(n) > 1})
            raise ValueError(f'open-vocabulary split of {source}: {which} repeats {dup}')
    both = sorted(set(base) & set(novel))
    if both:
        raise ValueError(f'open-vocabulary split of {source}: {both} are both base and novel')
    known = {c['name'] for c in categories}
    unknown = [n for n in list(base) + list(novel) if n not in known]
    if unknown:
        raise KeyError(f'open-vocabulary split of {source}: categories {unknown} are not in its categories '
                       f'{sorted(known)}')


def split_coco_annotations(coco: dict, base_classes: Sequence[str], novel_classes: Sequence[str],
                           source: str = 'annotation') -> Tuple[dict, dict]:
    """``(train, eval)`` COCO dicts of an open-vocabulary split (see the module docstring).

    ``coco`` is not modified. ``source`` names it in error messages (a file path).
    """
    for key in ('images', 'annotations', 'categories'):
        if key not in coco:
            raise KeyError(f'{source} is not a COCO instances annotation: it has no {key!r} key')
    _check_classes(base_classes, novel_classes, coco['categories'], source)
    base, novel = set(base_classes), set(novel_classes)
    categories = []
    for cat in coco['categories']:
        if cat['name'] in base or cat['name'] in novel:
            categories.append(dict(copy.deepcopy(cat), split='base' if cat['name'] in base else 'novel'))
    base_ids = {c['id'] for c in categories if c['split'] == 'base'}
    kept_ids = {c['id'] for c in categories}
    for ann in coco['annotations']:
        if 'category_id' not in ann:
            raise KeyError(f'{source}: annotation {ann.get("id")!r} has no category_id')
    rest = {k: copy.deepcopy(v) for k, v in coco.items() if k not in ('annotations', 'categories')}
    train = dict(rest, categories=categories,
                 annotations=[copy.deepcopy(a) for a in coco['annotations'] if a['category_id'] in base_ids])
    evaluation = dict(copy.deepcopy(rest), categories=copy.deepcopy(categories),
                      annotations=[copy.deepcopy(a) for a in coco['annotations'] if a['category_id'] in kept_ids])
    return train, evaluation


def write_ov_split(ann_file: str, train_file: str, eval_file: str,
                   base_classes: Optional[Sequence[str]] = None, novel_classes: Optional[Sequence[str]] = None,
                   split: Optional[str] = None) -> Tuple[str, str]:
    """Write the training and evaluation annotations of an open-vocabulary split of ``ann_file``.

    Give either ``split`` (``'coco'`` or ``'shapes'``) or both class lists.
    Files are written to a temporary name and renamed, so an interrupted run
    never leaves a half-written annotation. Returns ``(train_file, eval_file)``.
    """
    if split is not None:
        if base_classes is not None or novel_classes is not None:
            raise ValueError('write_ov_split: give either split or base_classes/novel_classes, not both')
        base_classes, novel_classes = get_ov_split(split)
    elif base_classes is None or novel_classes is None:
        raise ValueError('write_ov_split: give split, or both base_classes and novel_classes')
    if not os.path.isfile(ann_file):
        raise FileNotFoundError(f'write_ov_split: annotation file not found: {ann_file!r}')
    with open(ann_file, encoding='utf-8') as f:
        coco = json.load(f)
    train, evaluation = split_coco_annotations(coco, base_classes, novel_classes, source=ann_file)
    for path, content in ((train_file, train), (eval_file, evaluation)):
        folder = os.path.dirname(os.path.abspath(path))
        os.makedirs(folder, exist_ok=True)
        tmp = os.path.join(folder, f'.tmp_{os.path.basename(path)}')
        with open(tmp, 'w', encoding='utf-8') as f:
            json.dump(content, f)
        os.replace(tmp, path)
    return train_file, eval_file
