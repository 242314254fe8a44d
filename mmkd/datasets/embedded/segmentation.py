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
from .street_domains import STREET_DOMAINS, render_street_domain

SEG_DIRS = ('leftImg8bit', 'gtFine')
# Real Cityscapes city names of each split, so paths look like the real thing.
CITIES = {'train': ('aachen', 'bochum', 'bremen'), 'val': ('frankfurt', 'lindau', 'munster')}


def _write_split(root: str, split: str, num: int, seed: int, height: int, width: int, domain: str) -> None:
    cities = CITIES[split]
    for index in range(num):
        image, labels = render_street_domain(item_rng(seed, 'segmentation', split, index), height, width, domain)
        city = cities[index % len(cities)]
        stem = f'{city}_000000_{index:06d}'
        write_image(osp.join(root, 'leftImg8bit', split, city, f'{stem}_leftImg8bit.png'), image)
        write_image(osp.join(root, 'gtFine', split, city, f'{stem}_gtFine_labelTrainIds.png'), labels)


def generate_segmentation(root: str, seed: int = 0, num_train: int = 200, num_val: int = 50,
                          image_size: tuple[int, int] = (128, 256), domain: str = 'photo') -> str:
    """Write the embedded segmentation set to ``root`` (Cityscapes layout); return ``root``.

    Args:
        root: output folder, e.g. ``data/shapes_cityscapes``.
        seed: everything is a deterministic function of the seed and the
            other arguments: the same call writes byte-identical files.
        num_train, num_val: number of images per split.
        image_size: (height, width); Cityscapes' 1:2 aspect by default.
        domain: the look of the scenes, one of
            :data:`~mmkd.datasets.embedded.street_domains.STREET_DOMAINS`; the
            same seed gives the same scenes and label maps in every domain.

    When ``root/meta.json`` already records the same arguments the existing
    files are reused; otherwise the set is regenerated from scratch.
    """
    height, width = image_size
    if domain not in STREET_DOMAINS:
        raise ValueError(f'generate_segmentation: unknown domain {domain!r}; domains: {STREET_DOMAINS}')
    params = dict(num_train=num_train, num_val=num_val, image_size=[height, width])
    if domain != 'photo':  # the default set keeps its meta (and existing data stays valid)
        params['domain'] = domain
    meta = make_meta('segmentation', seed, params, list(CITYSCAPES_CLASSES))
    if is_up_to_date(root, meta):
        log(f'reusing embedded data at {root} (seed {seed})')
        return root
    prepare_root(root, SEG_DIRS)
    for split, num in (('train', num_train), ('val', num_val)):
        _write_split(root, split, num, seed, height, width, domain)
    write_meta(root, meta)
    log(f'generated embedded segmentation data at {root} (seed {seed}, domain {domain}: '
        f'{num_train} train / {num_val} val images of {height}x{width})')
    return root


def generate_street_domains(root: str, seed: int = 0, domains: tuple[str, ...] = STREET_DOMAINS,
                            num_train: int = 200, num_val: int = 50,
                            image_size: tuple[int, int] = (128, 256)) -> dict[str, str]:
    """Write each street domain as its own Cityscapes-layout set under ``root/<domain>``.

    Returns ``{domain: data root}``. Each domain is generated (or reused)
    independently, so an interrupted run resumes at the first incomplete one.
    """
    return {domain: generate_segmentation(osp.join(root, domain), seed, num_train, num_val, image_size, domain)
            for domain in domains}
