"""Shared test fixtures: a tiny registered model that needs no mmdet/mmseg.

Plain helpers shared by test modules (the repository root, ``load_tool``, tiny
SAM / CLIP / detector specs, short-run configs) live in tests/helpers.py,
importable from every test module as ``helpers`` (this file puts tests/ on
``sys.path``). Test modules never import one another.
"""
import os
import sys

import pytest
import torch
import torch.nn.functional as F
from mmengine.model import BaseModel
from torch import nn

TESTS = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(TESTS)
sys.path.insert(0, ROOT)
if TESTS not in sys.path:  # `import helpers` from test modules in any folder
    sys.path.insert(1, TESTS)

import mmkd  # noqa: E402,F401
from mmkd.registry import MODELS  # noqa: E402


@MODELS.register_module(force=True)
class ToyNet(BaseModel):
    """conv stem -> conv block -> global pool -> linear; labels are the data samples."""

    def __init__(self, width: int = 8, num_classes: int = 3, data_preprocessor=None, init_cfg=None):
        super().__init__(data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        self.backbone = nn.Sequential(nn.Conv2d(3, width, 3, padding=1), nn.BatchNorm2d(width), nn.ReLU())
        self.neck = nn.Conv2d(width, width, 3, padding=1)
        self.head = nn.Linear(width, num_classes)

    def _forward(self, inputs):
        feat = self.neck(self.backbone(inputs))
        return self.head(feat.mean((2, 3)))

    def forward(self, inputs, data_samples=None, mode='tensor'):
        logits = self._forward(inputs)
        if mode == 'loss':
            return dict(loss_cls=F.cross_entropy(logits, torch.as_tensor(data_samples)))
        if mode == 'predict':
            return logits.argmax(1)
        return logits


def _managed_classes():
    """Every class with its own mmengine ``ManagerMixin`` instance table (loggers, message hubs, visualizers)."""
    from mmengine.utils import ManagerMixin
    found, todo = [], [ManagerMixin]
    while todo:
        cls = todo.pop()
        todo.extend(cls.__subclasses__())
        if '_instance_dict' in vars(cls):
            found.append(cls)
    return found


@pytest.fixture(autouse=True)
def fresh_runner_instances():
    """Forget the loggers, message hubs and visualizers a test's Runners created.

    mmengine names them after the config file and the start second, and hands an
    existing instance to any later Runner of the same name: a Runner built in the
    same second as the previous test's would log into that run's file and folder.
    """
    before = {cls: set(cls._instance_dict) for cls in _managed_classes()}
    yield
    for cls in _managed_classes():
        for name in set(cls._instance_dict) - before.get(cls, set()):
            del cls._instance_dict[name]


@pytest.fixture
def toy_batch():
    g = torch.Generator().manual_seed(0)
    return torch.randn(4, 3, 8, 8, generator=g), torch.tensor([0, 1, 2, 1])


@pytest.fixture
def short_run():
    """``helpers.short_run_cfg``, for tests that train a project config for a few iterations."""
    from helpers import short_run_cfg
    return short_run_cfg


@pytest.fixture
def run_outputs():
    """A hook keeping each training iteration's logged losses and the last validation metrics."""
    from helpers import Outputs
    return Outputs()


@pytest.fixture(scope='session')
def tiny_lidar_root(tmp_path_factory):
    """A tiny generated LiDAR set (1 train + 1 val sequence of 3 frames, a 16-beam
    sensor) with its object-complete sweeps; skips without mmdet3d."""
    pytest.importorskip('mmdet3d')
    from mmkd.datasets.lidar import SpinningLidar, build_object_complete, generate_lidar
    root = str(tmp_path_factory.mktemp('lidar') / 'lidar_kitti')
    generate_lidar(root, seed=0, num_train=1, num_val=1, num_frames=3,
                   sensor=SpinningLidar(num_beams=16, azimuth_step=1.0))
    build_object_complete(root, strategy='concatenate')
    return root
