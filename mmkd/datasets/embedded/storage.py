"""File writing for the embedded data sets: atomic JSON, images, meta.json.

A generated folder is only trusted once ``meta.json`` exists, and that file is
written last. A run interrupted half-way therefore leaves no ``meta.json``
(or, when regenerating, the old one has been deleted first) and the next run
starts over instead of reusing a partial data set.
"""
import json
import logging
import os
import os.path as osp
import shutil
from typing import Any

import cv2
import numpy as np
from mmengine.logging import print_log

# Bump whenever the generated pixels or annotations change, so that data made
# by an older generator is regenerated rather than reused.
GENERATOR_VERSION = 1
META_FILE = 'meta.json'


def write_json(path: str, obj: Any) -> None:
    """Write JSON through a temporary file and ``os.replace``.

    ``os.replace`` is atomic on POSIX, so a reader (or an interrupted run)
    never sees a half-written annotation file.
    """
    os.makedirs(osp.dirname(path) or '.', exist_ok=True)
    tmp = f'{path}.tmp'
    with open(tmp, 'w', encoding='utf-8') as f:
        json.dump(obj, f, separators=(',', ':'))
    os.replace(tmp, path)


def write_image(path: str, image: np.ndarray, jpeg_quality: int = 95) -> None:
    """Write an RGB (or single-channel) uint8 image; format from the suffix.

    OpenCV is used because its encoders are deterministic for a given build
    and it is what mmcv reads the files back with.
    """
    os.makedirs(osp.dirname(path), exist_ok=True)
    if image.ndim == 3:
        image = cv2.cvtColor(image, cv2.COLOR_RGB2BGR)
    params = [cv2.IMWRITE_JPEG_QUALITY, jpeg_quality] if path.endswith('.jpg') else []
    if not cv2.imwrite(path, image, params):
        raise OSError(f'could not write {path}')


def make_meta(kind: str, seed: int, params: dict, classes: list[str]) -> dict:
    """The description a generated folder is matched against."""
    return dict(generator='mmkd.datasets.embedded', kind=kind,
                version=GENERATOR_VERSION, seed=seed, params=params, classes=classes)


def write_meta(root: str, meta: dict) -> None:
    """Mark ``root`` complete; must be the last file a generator writes."""
    write_json(osp.join(root, META_FILE), meta)


def json_file_equals(path: str, obj: Any) -> bool:
    """True when ``path`` holds JSON equal to ``obj`` (tuples compare equal to lists)."""
    if not osp.isfile(path):
        return False
    try:
        with open(path, encoding='utf-8') as f:
            # Round-trip through JSON so tuples compare equal to lists.
            return json.load(f) == json.loads(json.dumps(obj))
    except (OSError, ValueError):
        return False


def is_up_to_date(root: str, meta: dict) -> bool:
    """True when ``root`` holds a complete data set generated with ``meta``."""
    return json_file_equals(osp.join(root, META_FILE), meta)


def prepare_root(root: str, generated_dirs: tuple[str, ...]) -> None:
    """Remove a previous (stale or partial) data set before regenerating.

    Only the folders this generator writes are deleted, never ``root`` itself,
    so a mistyped ``--out`` cannot wipe unrelated files. Stale images must go:
    mmseg's CityscapesDataset lists every file under the split folders.
    """
    meta_path = osp.join(root, META_FILE)
    if osp.exists(meta_path):
        os.remove(meta_path)
    for name in generated_dirs:
        shutil.rmtree(osp.join(root, name), ignore_errors=True)
    os.makedirs(root, exist_ok=True)


def log(message: str) -> None:
    """Log through mmengine's current logger, so the line lands in the run's log."""
    print_log(message, logger='current', level=logging.INFO)
