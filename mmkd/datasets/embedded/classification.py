"""The embedded classification set: one object crop per image, class-per-folder.

The layout is the one torchvision's ``ImageFolder`` and ImageNet use::

    root/train/<class>/000000.png
    root/val/<class>/000016.png
    root/meta.json

so ``mmkd.ImageFolderDataset`` reads it, and switching to real ImageNet (or
CIFAR-100 exported to folders) only means changing ``data_root``.

A class is an outline AND a palette: the 8 shapes of the detection set, each
in warm or cool colours, 16 classes. Colour alone therefore settles only half
of the answer and the outline the rest; at 32 px a hexagon and a circle, or a
star and a cross, differ by a few pixels, which leaves room between a small
student and a larger teacher. The confusions are structured (same outline,
other palette; similar outlines, same palette), which is what a teacher's
soft labels carry and distillation passes on. Each crop looks like a piece of
a detection image: a toned-down photo background, clutter blobs and lines,
and often a neighbouring object cut by the crop border.
"""
import colorsys
import os
import os.path as osp

import numpy as np
from shapely import affinity

from .backgrounds import background
from .detection import _draw_distractors, _paint  # the detection set's painters: crops look like its images
from .seeding import item_rng
from .shapes import SHAPES_CLASSES, make_shape
from .storage import is_up_to_date, log, make_meta, prepare_root, write_image, write_meta

CLS_DIRS = ('train', 'val')
# Hue ranges in degrees; the green and magenta bands between them are left out
# so that every colour belongs clearly to one palette.
PALETTE_HUES = {'warm': (-25.0, 55.0), 'cool': (160.0, 250.0)}
CLASSIFICATION_CLASSES = tuple(f'{shape}_{palette}' for shape in SHAPES_CLASSES
                               for palette in PALETTE_HUES)


def palette_color(rng: np.random.Generator, palette: str) -> np.ndarray:
    """A random saturated colour of ``palette`` as float RGB in [0, 255]."""
    low, high = PALETTE_HUES[palette]
    hue = (rng.uniform(low, high) % 360.0) / 360.0
    rgb = colorsys.hsv_to_rgb(hue, rng.uniform(0.55, 1.0), rng.uniform(0.6, 1.0))
    return np.asarray(rgb, np.float32) * 255.0


def _neighbour(rng: np.random.Generator, side: int, size_range: tuple[float, float]):
    """Another object whose centre lies outside the central area, so the crop
    border cuts it: it is clutter, never the labelled object."""
    name = SHAPES_CLASSES[int(rng.integers(len(SHAPES_CLASSES)))]
    shape = make_shape(rng, name, rng.uniform(*size_range) * side)
    angle, distance = rng.uniform(0, 2 * np.pi), rng.uniform(0.55, 0.8) * side
    centre = side / 2 + distance * np.array([np.cos(angle), np.sin(angle)])
    palette = tuple(PALETTE_HUES)[int(rng.integers(len(PALETTE_HUES)))]
    return affinity.translate(shape, *centre), palette_color(rng, palette)


def render_classification_image(rng: np.random.Generator, label: int, image_size: int = 32,
                                size_range: tuple[float, float] = (0.4, 0.85),
                                center_jitter: float = 0.15, max_distractors: int = 2,
                                neighbour_prob: float = 0.5) -> np.ndarray:
    """One RGB uint8 crop showing class ``label`` of :data:`CLASSIFICATION_CLASSES`.

    The object's extent is ``size_range`` of the side, its centre moves up to
    ``center_jitter`` of the side away from the image centre; a neighbour is
    drawn first (under the object) with probability ``neighbour_prob``.
    """
    shape_name, palette = CLASSIFICATION_CLASSES[label].rsplit('_', 1)
    side = image_size
    canvas = background(rng, side, side).astype(np.float32)
    _draw_distractors(rng, canvas, int(rng.integers(0, max_distractors + 1)))
    if rng.random() < neighbour_prob:
        _paint(rng, canvas, *_neighbour(rng, side, size_range))
    shape = make_shape(rng, shape_name, rng.uniform(*size_range) * side)
    offset = side / 2 + rng.uniform(-center_jitter, center_jitter, 2) * side
    _paint(rng, canvas, affinity.translate(shape, *offset), palette_color(rng, palette))
    return np.clip(canvas, 0, 255).astype(np.uint8)


def _write_split(root: str, split: str, num: int, seed: int, params: dict) -> None:
    for name in CLASSIFICATION_CLASSES:  # every class has a folder, even when empty
        os.makedirs(osp.join(root, split, name), exist_ok=True)
    render_args = {k: params[k] for k in ('image_size', 'center_jitter', 'max_distractors',
                                          'neighbour_prob')}
    for index in range(num):
        label = index % len(CLASSIFICATION_CLASSES)  # balanced classes
        image = render_classification_image(item_rng(seed, 'classification', split, index), label,
                                            size_range=tuple(params['size_range']), **render_args)
        write_image(osp.join(root, split, CLASSIFICATION_CLASSES[label], f'{index:06d}.png'), image)


def generate_classification(root: str, seed: int = 0, num_train: int = 3200, num_val: int = 800,
                            image_size: int = 32, size_range: tuple[float, float] = (0.4, 0.85),
                            center_jitter: float = 0.15, max_distractors: int = 2,
                            neighbour_prob: float = 0.5) -> str:
    """Write the embedded classification set to ``root`` (ImageFolder layout); return ``root``.

    Args:
        root: output folder, e.g. ``data/shapes_classification``.
        seed: everything is a deterministic function of the seed and the
            other arguments: the same call writes byte-identical files.
        num_train, num_val: images per split, spread evenly over the classes.
        image_size: side of the square PNG images in pixels.
        size_range, center_jitter, max_distractors, neighbour_prob: see
            :func:`render_classification_image`.

    When ``root/meta.json`` already records the same arguments the existing
    files are reused; otherwise the set is regenerated from scratch.
    """
    params = dict(num_train=num_train, num_val=num_val, image_size=image_size,
                  size_range=list(size_range), center_jitter=center_jitter,
                  max_distractors=max_distractors, neighbour_prob=neighbour_prob)
    meta = make_meta('classification', seed, params, list(CLASSIFICATION_CLASSES))
    if is_up_to_date(root, meta):
        log(f'reusing embedded data at {root} (seed {seed})')
        return root
    prepare_root(root, CLS_DIRS)
    for split, num in (('train', num_train), ('val', num_val)):
        _write_split(root, split, num, seed, params)
    write_meta(root, meta)
    log(f'generated embedded classification data at {root} (seed {seed}: {num_train} train / '
        f'{num_val} val images of {image_size} px, {len(CLASSIFICATION_CLASSES)} classes)')
    return root
