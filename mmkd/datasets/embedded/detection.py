"""The embedded detection set: coloured shapes on real photos, COCO format.

The layout is exactly what mmdet's ``CocoDataset`` reads for COCO 2017::

    root/annotations/instances_{train,val}2017.json
    root/{train,val}2017/000000000001.jpg

so every detection config works on it unchanged, and switching to real COCO
only means changing ``data_root``. The defaults are sized so that a tiny
RetinaNet trained from scratch on a CPU learns the task in minutes; all knobs
are arguments so the difficulty can be calibrated.
"""
import os.path as osp

import cv2
import numpy as np
from shapely import affinity
from shapely.geometry import Polygon

from .backgrounds import background
from .geometry import coco_polygons, polygons_bbox, rasterize
from .seeding import item_rng
from .shapes import SHAPES_CLASSES, make_shape, object_color
from .storage import is_up_to_date, log, make_meta, prepare_root, write_image, write_json, write_meta

DET_DIRS = ('annotations', 'train2017', 'val2017')


def _place(rng: np.random.Generator, shape: Polygon, side: int) -> Polygon:
    """Move ``shape`` to a random position fully inside the image."""
    minx, miny, maxx, maxy = shape.bounds
    dx = rng.uniform(-minx, side - maxx)
    dy = rng.uniform(-miny, side - maxy)
    return affinity.translate(shape, dx, dy)


def _draw_distractors(rng: np.random.Generator, canvas: np.ndarray, count: int) -> None:
    """Small blobs and thin lines that are NOT objects (clutter for the detector).

    They stay well under the smallest object size, so they are learnable as
    background, but they punish a detector that only looks for colour edges.
    """
    side = canvas.shape[0]
    for _ in range(count):
        color = tuple(float(c) for c in rng.uniform(40, 220, 3))
        if rng.random() < 0.5:
            center = (int(rng.integers(side)), int(rng.integers(side)))
            axes = tuple(int(a) for a in np.maximum(1, rng.uniform(0.01, 0.04, 2) * side))
            cv2.ellipse(canvas, center, axes, float(rng.uniform(0, 180)), 0, 360, color, -1,
                        cv2.LINE_AA)
        else:
            p0 = rng.uniform(0, side, 2)
            angle, length = rng.uniform(0, 2 * np.pi), rng.uniform(0.1, 0.35) * side
            p1 = p0 + length * np.array([np.cos(angle), np.sin(angle)])
            cv2.line(canvas, tuple(int(v) for v in p0), tuple(int(v) for v in p1), color,
                     int(rng.integers(1, 3)), cv2.LINE_AA)


def _paint(rng: np.random.Generator, canvas: np.ndarray, shape: Polygon, color: np.ndarray) -> None:
    """Alpha-blend a shaded object: a brightness gradient and fine noise make
    the fill look like a lit surface rather than a flat colour."""
    h, w = canvas.shape[:2]
    alpha = rasterize(shape, h, w)[:, :, None]
    minx, miny, maxx, maxy = shape.bounds
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    direction = rng.normal(size=2)
    direction /= np.linalg.norm(direction) + 1e-6
    ramp = ((xx - (minx + maxx) / 2) * direction[0] + (yy - (miny + maxy) / 2) * direction[1])
    ramp /= max(maxx - minx, maxy - miny, 1.0)
    shade = 1.0 + rng.uniform(0.1, 0.35) * ramp[:, :, None]
    fill = color * shade + rng.normal(0, 4, (h, w, 1)).astype(np.float32)
    canvas *= 1 - alpha
    canvas += alpha * fill


def render_detection_image(rng: np.random.Generator, image_size: int, min_objects: int,
                           max_objects: int, size_range: tuple[float, float],
                           max_distractors: int, min_visible: float,
                           max_tries: int = 30) -> tuple[np.ndarray, list[tuple[int, Polygon]]]:
    """One image and its objects as (class index, visible geometry) pairs.

    Objects are drawn in order, so later ones occlude earlier ones; a new
    object is only accepted if every earlier object keeps at least
    ``min_visible`` of its area, otherwise another draw is tried (up to
    ``max_tries``), so crowded images may end up with fewer objects.
    """
    canvas = background(rng, image_size, image_size).astype(np.float32)
    _draw_distractors(rng, canvas, int(rng.integers(0, max_distractors + 1)))
    num = int(rng.integers(min_objects, max_objects + 1))
    objects: list[tuple[int, Polygon, Polygon]] = []  # class, full shape, visible part
    for _ in range(num):
        for _ in range(max_tries):
            label = int(rng.integers(len(SHAPES_CLASSES)))
            size = rng.uniform(*size_range) * image_size
            shape = _place(rng, make_shape(rng, SHAPES_CLASSES[label], size), image_size)
            visible = [vis.difference(shape) for _, _, vis in objects]
            if all(v.area >= min_visible * full.area for v, (_, full, _) in zip(visible, objects)):
                break
        else:
            continue
        objects = [(c, full, v) for (c, full, _), v in zip(objects, visible)]
        objects.append((label, shape, shape))
        _paint(rng, canvas, shape, object_color(rng, SHAPES_CLASSES[label]))
    image = np.clip(canvas, 0, 255).astype(np.uint8)
    return image, [(label, vis) for label, _, vis in objects]


def _write_split(root: str, split: str, num: int, seed: int, params: dict) -> None:
    images, annotations = [], []
    size = params['image_size']
    for index in range(num):
        rng = item_rng(seed, 'detection', split, index)
        image, objects = render_detection_image(
            rng, size, params['min_objects'], params['max_objects'],
            tuple(params['size_range']), params['max_distractors'], params['min_visible'])
        image_id = index + 1  # pycocotools treats id 0 as "unmatched"
        file_name = f'{image_id:012d}.jpg'
        write_image(osp.join(root, f'{split}2017', file_name), image)
        images.append(dict(id=image_id, file_name=file_name, height=size, width=size))
        for label, visible in objects:
            polygons = coco_polygons(visible)
            annotations.append(dict(
                id=len(annotations) + 1, image_id=image_id, category_id=label + 1,
                bbox=polygons_bbox(polygons), area=round(float(visible.area), 2),
                segmentation=polygons, iscrowd=0))
    categories = [dict(id=i + 1, name=name, supercategory='shape')
                  for i, name in enumerate(SHAPES_CLASSES)]
    write_json(osp.join(root, 'annotations', f'instances_{split}2017.json'),
               dict(info=dict(description='mmkd embedded shapes (synthetic)', version='1.0'),
                    licenses=[], images=images, annotations=annotations, categories=categories))


def generate_detection(root: str, seed: int = 0, num_train: int = 400, num_val: int = 100,
                       image_size: int = 128, min_objects: int = 1, max_objects: int = 4,
                       size_range: tuple[float, float] = (0.12, 0.6), max_distractors: int = 4,
                       min_visible: float = 0.5) -> str:
    """Write the embedded detection set to ``root`` (COCO 2017 layout); return ``root``.

    Args:
        root: output folder, e.g. ``data/shapes_coco``.
        seed: everything is a deterministic function of the seed and the
            other arguments: the same call writes byte-identical files.
        num_train, num_val: number of images per split.
        image_size: side of the square images in pixels.
        min_objects, max_objects: objects per image (fewer when crowded).
        size_range: object extent as a fraction of ``image_size``.
        max_distractors: up to this many non-object blobs/lines per image.
        min_visible: smallest fraction of an object that occluders may leave.

    When ``root/meta.json`` already records the same arguments the existing
    files are reused; otherwise the set is regenerated from scratch.
    """
    params = dict(num_train=num_train, num_val=num_val, image_size=image_size,
                  min_objects=min_objects, max_objects=max_objects,
                  size_range=list(size_range), max_distractors=max_distractors,
                  min_visible=min_visible)
    meta = make_meta('detection', seed, params, list(SHAPES_CLASSES))
    if is_up_to_date(root, meta):
        log(f'reusing embedded data at {root} (seed {seed})')
        return root
    prepare_root(root, DET_DIRS)
    for split, num in (('train', num_train), ('val', num_val)):
        _write_split(root, split, num, seed, params)
    write_meta(root, meta)
    log(f'generated embedded detection data at {root} (seed {seed}: '
        f'{num_train} train / {num_val} val images, {len(SHAPES_CLASSES)} classes)')
    return root
