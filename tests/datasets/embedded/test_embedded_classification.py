"""The generated classification set: layout, balance, determinism, pixels agree with labels."""
import hashlib

import cv2
import numpy as np
import pytest

from mmkd.datasets import CLASSIFICATION_CLASSES, generate_classification

NUM_TRAIN, NUM_VAL = 48, 32


@pytest.fixture(scope='module')
def cls_root(tmp_path_factory):
    root = tmp_path_factory.mktemp('embedded') / 'shapes_classification'
    generate_classification(str(root), seed=0, num_train=NUM_TRAIN, num_val=NUM_VAL)
    return root


def digest(root):
    h = hashlib.sha256()
    for path in sorted(root.rglob('*.png')):
        h.update(str(path.relative_to(root)).encode())
        h.update(path.read_bytes())
    return h.hexdigest()


def test_class_per_folder_layout_and_balance(cls_root):
    assert len(CLASSIFICATION_CLASSES) >= 10
    for split, total in (('train', NUM_TRAIN), ('val', NUM_VAL)):
        folders = sorted(p.name for p in (cls_root / split).iterdir())
        assert folders == sorted(CLASSIFICATION_CLASSES)
        counts = [len(list((cls_root / split / c).glob('*.png'))) for c in CLASSIFICATION_CLASSES]
        assert sum(counts) == total and max(counts) - min(counts) <= 1
    image = cv2.imread(str(next((cls_root / 'train' / 'star_cool').glob('*.png'))))
    assert image.shape == (32, 32, 3)


def test_deterministic_from_the_seed(cls_root, tmp_path):
    again = tmp_path / 'again'
    generate_classification(str(again), seed=0, num_train=NUM_TRAIN, num_val=NUM_VAL)
    assert digest(again) == digest(cls_root)
    other = tmp_path / 'other'
    generate_classification(str(other), seed=1, num_train=NUM_TRAIN, num_val=NUM_VAL)
    assert digest(other) != digest(cls_root)


def test_palette_of_the_centre_matches_the_label(cls_root):
    """The saturated pixels around the centre (the object) have the label's palette hues."""
    for path in cls_root.rglob('*.png'):
        palette = path.parent.name.rsplit('_', 1)[1]
        hsv = cv2.cvtColor(cv2.imread(str(path)), cv2.COLOR_BGR2HSV_FULL)[8:24, 8:24].reshape(-1, 3)
        hue = hsv[hsv[:, 1] > 127, 0].astype(float) * 360 / 256
        warm = np.mean((hue >= 330) | (hue <= 60))
        cool = np.mean((hue >= 155) & (hue <= 255))
        assert (warm > cool) == (palette == 'warm'), path
