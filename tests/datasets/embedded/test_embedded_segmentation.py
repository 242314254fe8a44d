"""The generated segmentation set follows the Cityscapes layout and train ids."""
import re
from pathlib import Path

import cv2
import numpy as np

from mmkd.datasets.embedded.segmentation import CITIES

NAME = re.compile(r'^(?P<city>[a-z]+)_000000_\d{6}_leftImg8bit\.png$')


def label_path_of(image_path: Path, seg_root: Path) -> Path:
    relative = image_path.relative_to(seg_root / 'leftImg8bit')
    name = image_path.name.replace('_leftImg8bit.png', '_gtFine_labelTrainIds.png')
    return seg_root / 'gtFine' / relative.parent / name


def test_layout_counts_and_label_values(seg_root):
    allowed = set(range(19)) | {255}
    for split, num in (('train', 4), ('val', 2)):
        images = sorted((seg_root / 'leftImg8bit' / split).rglob('*.png'))
        assert len(images) == num
        assert len(list((seg_root / 'gtFine' / split).rglob('*.png'))) == num
        for path in images:
            match = NAME.match(path.name)
            assert match and match['city'] == path.parent.name and path.parent.name in CITIES[split]
            image = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
            labels = cv2.imread(str(label_path_of(path, seg_root)), cv2.IMREAD_UNCHANGED)
            assert image.shape == (128, 256, 3) and image.dtype == np.uint8
            assert labels.shape == (128, 256) and labels.dtype == np.uint8
            values = set(np.unique(labels).tolist())
            assert values <= allowed
            assert {0, 2, 10} <= values  # road, building, sky in every street scene
            assert len(values - {255}) >= 5


def test_images_are_textured_not_flat(seg_root):
    for path in (seg_root / 'leftImg8bit' / 'train').rglob('*.png'):
        image = cv2.imread(str(path)).astype(np.float32)
        labels = cv2.imread(str(label_path_of(path, seg_root)), cv2.IMREAD_UNCHANGED)
        assert image[labels == 0].std() > 5  # real-photo texture blended into the road
