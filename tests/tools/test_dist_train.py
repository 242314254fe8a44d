"""tools/dist_train.sh: two gloo processes on CPU train a distillation config."""
import os
import os.path as osp
import socket
import subprocess
import sys

import pytest
import torch
from helpers import ROOT

pytest.importorskip('mmdet')

CONFIG = 'configs/cwd/cwd_logits_retinanet-r50-w16_retinanet-r18-w8_adamw-12e_shapes-coco.py'
pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def test_two_process_cpu_training(tmp_path):
    from mmkd.datasets import generate_detection
    from mmkd.models.builder import build_model
    from mmengine.config import Config
    data = generate_detection(str(tmp_path / 'data'), seed=0, num_train=16, num_val=4)
    teacher_ckpt = str(tmp_path / 'teacher.pth')
    torch.save({'state_dict': build_model(Config.fromfile(osp.join(ROOT, CONFIG)).model.teacher,
                                          'teacher').state_dict()}, teacher_ckpt)
    loaders = [f'{s}_dataloader.{k}' for s in ('train', 'val', 'test')
               for k in ('num_workers=0', 'persistent_workers=False')]
    env = dict(os.environ, PYTHON=sys.executable, PORT=str(free_port()))
    result = subprocess.run(
        ['bash', 'tools/dist_train.sh', CONFIG, '2', '--work-dir', str(tmp_path / 'work'),
         '--cfg-options', f'data_root={data}/', f'model.teacher.ckpt={teacher_ckpt}',
         'train_cfg.max_epochs=1', 'train_dataloader.batch_size=4', 'default_hooks.logger.interval=1',
         *loaders],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    log = result.stdout + result.stderr
    assert result.returncode == 0, log[-3000:]
    # 16 images / (2 processes x batch 4) = 2 iterations per epoch
    assert 'Epoch(train) [1][2/2]' in log and 'Epoch(train) [1][3/' not in log
    assert osp.isfile(tmp_path / 'work' / 'student_latest.pth')
