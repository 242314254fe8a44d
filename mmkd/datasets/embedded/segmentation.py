"""The embedded segmentation set: street scenes in the Cityscapes layout.

Files are laid out and named exactly as mmseg's ``CityscapesDataset``
expects after Cityscapes' own ``createTrainIdLabelImgs`` step::

    root/leftImg8bit/{train,val}/<city>/<city>_000000_<frame>_leftImg8bit.png
    root/gtFine/{train,val}/<city>/<city>_000000_<frame>_gtFine_labelTrainIds.png

so segmentation configs run on it unchanged and switching to real
Cityscapes only means changing ``data_root``.
"""
import os.path as osp

from .cityscapes_classes import CITYSCAPES_CLASSES
from .seeding import item_rng
from .storage import is_up_to_date, log, make_meta, prepare_root, write_image, write_meta
from .street import render_street_scene

SEG_DIRS = ('leftImg8bit', 'gtFine')
# Real Cityscapes city names of each split, so paths look like the real thing.
CITIES = {'train': ('aachen', 'bochum', 'bremen'), 'val': ('frankfurt', 'lindau', 'munster')}


def _write_split(root: str, split: str, num: int, seed: int, height: int, width: int) -> None:
    cities = CITIES[split]
    for index in range(num):
        image, labels = render_street_scene(item_rng(seed, 'segmentation', split, index), height, width)
        city = cities[index % len(cities)]
        stem = f'{city}_000000_{index:06d}'
        write_image(osp.join(root, 'leftImg8bit', split, city, f'{stem}_leftImg8bit.png'), image)
        write_image(osp.join(root, 'gtFine', split, city, f'{stem}_gtFine_labelTrainIds.png'), labels)


def generate_segmentation(root: str, seed: int = 0, num_train: int = 200, num_val: int = 50,
                          image_size: tuple[int, int] = (128, 256)) -> str:
    """Write the embedded segmentation set to ``root`` (Cityscapes layout); return ``root``.

    Args:
        root: output folder, e.g. ``data/shapes_cityscapes``.
        seed: everything is a deterministic function of the seed and the
            other arguments: the same call writes byte-identical files.
        num_train, num_val: number of images per split.
        image_size: (height, width); Cityscapes' 1:2 aspect by default.

    When ``root/meta.json`` already records the same arguments the existing
    files are reused; otherwise the set is regenerated from scratch.
    """
    height, width = image_size
    params = dict(num_train=num_train, num_val=num_val, image_size=[height, width])
    meta = make_meta('segmentation', seed, params, list(CITYSCAPES_CLASSES))
    if is_up_to_date(root, meta):
        log(f'reusing embedded data at {root} (seed {seed})')
        return root
    prepare_root(root, SEG_DIRS)
    for split, num in (('train', num_train), ('val', num_val)):
        _write_split(root, split, num, seed, height, width)
    write_meta(root, meta)
    log(f'generated embedded segmentation data at {root} (seed {seed}: '
        f'{num_train} train / {num_val} val images of {height}x{width})')
    return root
