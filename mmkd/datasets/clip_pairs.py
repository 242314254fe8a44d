"""Image-text pairs from a COCO-format detection set, to train a small CLIP contrastively.

No pretrained CLIP can be downloaded here, so the project trains its own
small CLIP on the embedded detection images (``configs/clip``, trained by
mmengine's Runner through :class:`CaptionPairsDataset`). A real
CLIP learned from web captions that name what a photo shows, novel detection
categories included; the pairs here imitate that from the box annotations:

* an **object pair** per box: the box's adaptive square crop (side
  ``sqrt(8 * area)``, moved inside the image: the crop OAKE later feeds the
  teacher, so CLIP is trained on the view it is queried with) and a caption
  naming the box's category, e.g. ``'a photo of a ring.'``;
* an **image pair** per image: the whole image and a caption naming every
  category present, e.g. ``'a photo of a circle, a ring and a star.'``.

Every category of the annotation is used, novel ones included: the open-
vocabulary split restricts the *detector's* training boxes, not what the
CLIP saw in pre-training. Use the full annotation, not the OV-train one.

Training draws (``augment=True``) jitter each box a little before taking its
square, flip horizontally, pick a random caption template and shuffle the
names of an image caption; evaluation items are deterministic.
"""
from __future__ import annotations

import os.path as osp
from typing import Any, Dict, List, Optional, Sequence, Tuple

import torch
from torch import Tensor
from torch.utils.data import Dataset

from mmkd.registry import DATASETS
from mmkd.structures.boxes import adaptive_square_boxes, jitter_boxes
from mmkd.structures.crops import crop_and_resize
from .coco_json import load_coco
from .rgb_image import normalize_rgb, read_rgb

# Caption templates of the training pairs; ``{names}`` is one name or a list.
CAPTION_TEMPLATES = (
    'a photo of {names}.',
    'a picture of {names}.',
    'an image showing {names}.',
    '{names}.',
)

PAIR_KINDS = ('objects', 'images')


def with_article(name: str) -> str:
    """``'ring'`` -> ``'a ring'``, ``'hexagon'`` -> ``'a hexagon'``, ``'apple'`` -> ``'an apple'``."""
    name = name.replace('_', ' ')
    return f'{"an" if name[:1].lower() in "aeiou" else "a"} {name}'


def join_names(names: Sequence[str]) -> str:
    """``['circle', 'ring', 'star']`` -> ``'a circle, a ring and a star'``."""
    if not names:
        raise ValueError('join_names: no category names to write into a caption')
    parts = [with_article(n) for n in names]
    return parts[0] if len(parts) == 1 else f'{", ".join(parts[:-1])} and {parts[-1]}'


def caption(names: Sequence[str], template: str = CAPTION_TEMPLATES[0]) -> str:
    if '{names}' not in template:
        raise ValueError(f'caption template {template!r} has no {{names}} placeholder')
    return template.format(names=join_names(names))


class CocoCaptionPairs(Dataset):
    """Object-crop and whole-image caption pairs of a COCO instances annotation.

    Args:
        ann_file: COCO instances json (all categories, novel ones included).
        img_dir: folder of the images (``file_name`` is relative to it).
        image_size: side of the square inputs (the CLIP's input size).
        mean, std: CLIP pixel normalisation (RGB in ``[0, 1]``).
        kinds: which pairs to make, a subset of ``('objects', 'images')``.
        augment: random box jitter, horizontal flip, caption template and
            name order; ``False`` gives fixed, evaluation items.
        box_jitter: see :func:`mmkd.structures.jitter_boxes` (training draws only).
        scale_ratio: area of the crop square over the box's (OAKE's 8).
        min_box_size: boxes narrower or lower than this (pixels) are skipped.
        max_images: use only the first ``max_images`` images (smoke runs, tests).
        templates: caption templates with a ``{names}`` placeholder.

    Items are dicts: ``image`` ``(3, S, S)`` float, ``caption`` str, ``label``
    (contiguous category index for objects, ``-1`` for whole images) and ``kind``.
    """

    def __init__(self, ann_file: str, img_dir: str, image_size: int, mean: Sequence[float],
                 std: Sequence[float], kinds: Sequence[str] = PAIR_KINDS, augment: bool = True,
                 box_jitter: float = 0.1, scale_ratio: float = 8.0, min_box_size: float = 4.0,
                 max_images: Optional[int] = None, templates: Sequence[str] = CAPTION_TEMPLATES) -> None:
        bad = [k for k in kinds if k not in PAIR_KINDS]
        if bad or not kinds:
            raise ValueError(f'CocoCaptionPairs: kinds must be a non-empty subset of {PAIR_KINDS}, got {kinds}')
        if not osp.isdir(img_dir):
            raise FileNotFoundError(f'CocoCaptionPairs: image folder not found: {img_dir!r}')
        for template in templates:
            caption(['x'], template)  # fails early on a template without {names}
        coco = load_coco(ann_file)
        self.ann_file, self.img_dir = ann_file, img_dir
        self.image_size = int(image_size)
        self.mean, self.std = tuple(mean), tuple(std)
        self.augment, self.box_jitter, self.scale_ratio = augment, float(box_jitter), float(scale_ratio)
        self.templates = tuple(templates)
        categories = sorted(coco['categories'], key=lambda c: c['id'])
        self.classes = tuple(c['name'] for c in categories)
        cat_index = {c['id']: i for i, c in enumerate(categories)}
        images = sorted(coco['images'], key=lambda im: im['id'])
        if max_images is not None:
            images = images[:max_images]
        self.images: List[Dict[str, Any]] = images
        row_of = {im['id']: row for row, im in enumerate(images)}
        boxes: Dict[int, List[Tuple[List[float], int]]] = {row: [] for row in range(len(images))}
        for ann in coco['annotations']:
            row = row_of.get(ann.get('image_id'))
            if row is None or ann.get('iscrowd', 0):
                continue
            if ann.get('category_id') not in cat_index:
                raise KeyError(f'{ann_file!r}: annotation {ann.get("id")!r} has category_id '
                               f'{ann.get("category_id")!r}, which is not in its categories')
            x, y, w, h = ann['bbox']
            if w >= min_box_size and h >= min_box_size:
                boxes[row].append(([x, y, x + w, y + h], cat_index[ann['category_id']]))
        self.items: List[Tuple[str, int, Optional[List[float]], Tuple[int, ...]]] = []
        for row in range(len(images)):
            if 'objects' in kinds:
                self.items += [('objects', row, box, (label,)) for box, label in boxes[row]]
            if 'images' in kinds and boxes[row]:
                labels = tuple(sorted({label for _, label in boxes[row]}))
                self.items.append(('images', row, None, labels))
        if not self.items:
            raise ValueError(f'CocoCaptionPairs: {ann_file!r} gives no pairs (images={len(images)}, '
                             f'kinds={tuple(kinds)}, min_box_size={min_box_size})')
        self._pixels: Dict[int, Tensor] = {}

    def __len__(self) -> int:
        return len(self.items)

    def _image(self, row: int) -> Tensor:
        """The CLIP-normalised ``(3, H, W)`` image (decoded once, kept as uint8)."""
        if row not in self._pixels:
            path = osp.join(self.img_dir, self.images[row]['file_name'])
            self._pixels[row] = read_rgb(path, f'{self.ann_file!r}: image {self.images[row]["id"]}')
        return normalize_rgb(self._pixels[row], self.mean, self.std)

    def region(self, row: int, box: Optional[Sequence[float]], flip: bool = False) -> Tuple[Tensor, Tensor]:
        """``(crop (3, S, S), square (4,))``: the adaptive square of ``box`` (the whole
        image for ``None``) cropped and resized; ``flip`` mirrors the image first."""
        image = self._image(row)
        height, width = image.shape[-2:]
        if flip:
            image = image.flip(-1)
        if box is None:
            square = torch.tensor([[0.0, 0.0, float(width), float(height)]])
        else:
            boxes = torch.tensor([box], dtype=torch.float32)
            if flip:
                boxes = torch.stack([width - boxes[:, 2], boxes[:, 1], width - boxes[:, 0], boxes[:, 3]], 1)
            if self.augment:
                boxes = jitter_boxes(boxes, self.box_jitter)
            square = adaptive_square_boxes(boxes, (height, width), self.scale_ratio)
        return crop_and_resize(image, square, self.image_size)[0], square[0]

    def __getitem__(self, index: int) -> Dict[str, Any]:
        kind, row, box, labels = self.items[index]
        flip = self.augment and bool(torch.rand(()) < 0.5)
        crop, _ = self.region(row, box, flip)
        names = [self.classes[i] for i in labels]
        template = self.templates[0]
        if self.augment:
            template = self.templates[int(torch.randint(len(self.templates), ()))]
            names = [names[i] for i in torch.randperm(len(names)).tolist()]
        return dict(image=crop, caption=caption(names, template), kind=kind,
                    label=labels[0] if kind == 'objects' else -1)


@DATASETS.register_module()
class CaptionPairsDataset(CocoCaptionPairs):
    """:class:`CocoCaptionPairs` for mmengine's Runner: paths under ``data_root``
    (so ``--cfg-options data_root=...`` moves it), items packed as
    ``dict(inputs=image, data_samples=dict(caption, label, kind))`` and the
    category names as ``metainfo['classes']`` (the zero-shot metric's classes).

    Collate with ``collate_fn=dict(type='default_collate')``: a batch is then
    ``inputs`` ``(B, 3, S, S)`` and ``data_samples`` with a list of captions,
    a ``(B,)`` label tensor and a list of kinds.
    """

    def __init__(self, ann_file: str, img_dir: str, data_root: str = '', **kwargs) -> None:
        self.data_root = data_root
        super().__init__(osp.join(data_root, ann_file), osp.join(data_root, img_dir), **kwargs)

    @property
    def metainfo(self) -> Dict[str, Any]:
        return dict(classes=self.classes)

    def __getitem__(self, index: int) -> Dict[str, Any]:
        item = super().__getitem__(index)
        return dict(inputs=item['image'],
                    data_samples=dict(caption=item['caption'], label=item['label'], kind=item['kind']))
