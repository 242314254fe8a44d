"""mmdet3d's own KITTI info converters, from the copy its wheel ships.

mmdet3d 1.4 installs its ``tools/dataset_converters`` under
``mmdet3d/.mim/tools`` (for ``mim run``), not as an importable package. The
info files of the embedded set are made by exactly those functions
(``create_kitti_info_file``, then ``update_pkl_infos`` to the v2 format
``KittiDataset`` reads), so they match what a real KITTI download produces.
The folder is loaded as a package of its own name, so its relative imports
work and nothing clashes with a ``tools`` folder of the caller.
"""
from __future__ import annotations

import importlib
import os.path as osp
import sys
from types import ModuleType

PACKAGE = 'mmdet3d_dataset_converters'


def converters_dir() -> str:
    import mmdet3d
    path = osp.join(osp.dirname(mmdet3d.__file__), '.mim', 'tools', 'dataset_converters')
    if not osp.isdir(path):
        raise ImportError(f'mmdet3d {mmdet3d.__version__} ships no dataset converters at {path}; '
                          'install mmdet3d==1.4.0 from its wheel (tools/install.sh)')
    return path


def converter(name: str) -> ModuleType:
    """``converter('kitti_converter')`` -> that module of mmdet3d's converters."""
    if PACKAGE not in sys.modules:
        package = ModuleType(PACKAGE)
        package.__path__ = [converters_dir()]  # a namespace-style package: the folder has no __init__.py
        sys.modules[PACKAGE] = package
    return importlib.import_module(f'{PACKAGE}.{name}')
