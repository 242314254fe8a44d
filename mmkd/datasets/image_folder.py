"""A class-per-folder image data set (the layout of ImageNet and torchvision's ImageFolder).

``root/<split>/<class name>/<image>`` is all it reads: no annotation file.
The embedded classification set is written this way, and so are ImageNet
(train; val after the usual "one folder per synset" step) and CIFAR-100
exported to PNG folders, so one config serves all of them by ``data_root``.
"""
from __future__ import annotations

import os
import os.path as osp
from typing import List, Optional, Sequence

from mmengine.dataset import BaseDataset

from mmkd.registry import DATASETS

IMAGE_EXTENSIONS = ('.jpg', '.jpeg', '.png', '.bmp', '.webp', '.tif', '.tiff')


@DATASETS.register_module()
class ImageFolderDataset(BaseDataset):
    """Images under ``data_root/data_prefix['img_path']/<class>/``.

    Args:
        metainfo: ``dict(classes=(...))`` fixes the class order (label i is
            ``classes[i]``) and requires a folder for each class, no other.
            Without it the sorted folder names are the classes, as in
            torchvision, so train and val agree as long as both splits have
            every folder.
        extensions: file suffixes counted as images (case-insensitive).
        Other arguments are mmengine ``BaseDataset``'s; ``ann_file`` is unused.

    Each item is ``dict(img_path=..., gt_label=int)``; files are listed in
    sorted order, so sample indices are stable across runs and machines.
    """

    def __init__(self, data_root: str = '', data_prefix: Optional[dict] = None,
                 extensions: Sequence[str] = IMAGE_EXTENSIONS, **kwargs) -> None:
        self.extensions = tuple(e.lower() for e in extensions)
        super().__init__(data_root=data_root, data_prefix=data_prefix or dict(img_path=''), **kwargs)

    def _class_folders(self, folder: str) -> List[str]:
        if not osp.isdir(folder):
            raise FileNotFoundError(
                f'ImageFolderDataset: image folder {folder!r} does not exist (data_root={self.data_root!r}, '
                f'data_prefix={self.data_prefix!r}); generate the embedded set with '
                '`python tools/data/generate_embedded.py --cls-only` or point data_root at your data')
        found = sorted(d for d in os.listdir(folder) if osp.isdir(osp.join(folder, d)))
        classes = self._metainfo.get('classes')
        if classes is None:
            if not found:
                raise FileNotFoundError(f'ImageFolderDataset: {folder!r} has no class sub-folders')
            self._metainfo['classes'] = tuple(found)
            return found
        missing = [c for c in classes if c not in found]
        extra = [d for d in found if d not in classes]
        if missing or extra:
            raise ValueError(f'ImageFolderDataset: folders of {folder!r} do not match metainfo classes: '
                             f'missing {missing}, not a class {extra}')
        return list(classes)

    def load_data_list(self) -> List[dict]:
        folder = self.data_prefix['img_path']
        data_list = []
        for label, name in enumerate(self._class_folders(folder)):
            class_dir = osp.join(folder, name)
            for root, _, files in sorted(os.walk(class_dir, followlinks=True)):
                for file in sorted(files):
                    if file.lower().endswith(self.extensions):
                        data_list.append(dict(img_path=osp.join(root, file), gt_label=label))
        if not data_list:
            raise FileNotFoundError(f'ImageFolderDataset: no images with suffix {self.extensions} under {folder!r}')
        return data_list
