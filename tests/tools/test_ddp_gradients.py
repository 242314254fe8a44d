"""DDP on CPU computes the same distillation gradients as one process.

Two gloo processes started by torchrun each take half of a fixed batch
through a distillation algorithm that mmengine's Runner wrapped the way
``tools/train.py`` does (``prepare_cpu_distributed`` then ``Runner.from_cfg``).
After backward, DDP's averaged student and connector gradients must equal
those of a single process on the whole batch: every loss here is a mean over
samples, so the mean of two half-batch gradients is the full-batch gradient.
The models have no BatchNorm, so splitting the batch changes no statistics.

This file is also the torchrun worker (see ``__main__`` at the bottom).
"""
import os
import os.path as osp
import socket
import subprocess
import sys

import pytest
import torch
import torch.nn.functional as F
from mmengine.model import BaseModel
from torch import nn

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))  # also run as a script by torchrun
sys.path.insert(0, ROOT)

import mmkd  # noqa: E402,F401
from mmkd.registry import MODELS  # noqa: E402

BATCH = 8
pytestmark = pytest.mark.slow  # two torchrun processes


@MODELS.register_module(force=True)
class NoNormToyNet(BaseModel):
    """conv -> ReLU -> conv (the recorded 'neck') -> global pool -> linear; no BatchNorm."""

    def __init__(self, width: int = 4, num_classes: int = 3, data_preprocessor=None, init_cfg=None):
        super().__init__(data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        self.backbone = nn.Sequential(nn.Conv2d(3, width, 3, padding=1), nn.ReLU())
        self.neck = nn.Conv2d(width, width, 3, padding=1)
        self.head = nn.Linear(width, num_classes)

    def forward(self, inputs, data_samples=None, mode='tensor'):
        logits = self.head(self.neck(self.backbone(inputs)).mean((2, 3)))
        if mode == 'loss':
            return dict(loss_cls=F.cross_entropy(logits, data_samples))
        return logits


# student width 4 -> connector -> teacher width 8 for CWD; KD on the logits
ALGORITHM = dict(
    type='mmkd.SingleTeacherDistill',
    student=dict(type='mmkd.NoNormToyNet', width=4),
    teacher=dict(type='mmkd.NoNormToyNet', width=8),
    distiller=dict(
        type='ConfigurableDistiller',
        student_recorders=dict(neck=dict(type='ModuleOutputs', source='neck'),
                               logits=dict(type='ModuleOutputs', source='head')),
        teacher_recorders=dict(neck=dict(type='ModuleOutputs', source='neck'),
                               logits=dict(type='ModuleOutputs', source='head')),
        connectors=dict(adapt=dict(type='ConvConnector', in_channels=4, out_channels=8)),
        losses=dict(loss_cwd=dict(type='ChannelWiseDivergence', tau=2.0, loss_weight=5.0),
                    loss_kd=dict(type='KDLoss', tau=4.0)),
        loss_inputs=dict(
            loss_cwd=dict(preds_S=dict(model='student', recorder='neck', connector='adapt'),
                          preds_T=('teacher', 'neck')),
            loss_kd=dict(preds_S=('student', 'logits'), preds_T=('teacher', 'logits')))))


def fixed_batch():
    g = torch.Generator().manual_seed(0)
    return torch.randn(BATCH, 3, 8, 8, generator=g), torch.randint(0, 3, (BATCH,), generator=g)


def gradients(model: nn.Module) -> dict:
    return {name: p.grad.detach().clone() for name, p in model.named_parameters() if p.requires_grad}


def worker(work_dir: str) -> None:
    """One torchrun process: build through the Runner as tools/train.py does, backward half a batch."""
    from mmengine.config import Config
    from mmengine.runner import Runner
    from mmkd.utils.distributed import prepare_cpu_distributed, release_distributed

    cfg = Config(dict(model=ALGORITHM, work_dir=work_dir, launcher='pytorch', default_scope='mmkd',
                      log_level='WARNING', env_cfg=dict(dist_cfg=dict(backend='nccl'))))
    assert prepare_cpu_distributed(cfg)
    runner = Runner.from_cfg(cfg)
    ddp = runner.model
    algorithm = ddp.module
    algorithm.load_state_dict(torch.load(osp.join(work_dir, 'init.pth'), weights_only=True))
    algorithm.train()

    rank, world = int(os.environ['RANK']), int(os.environ['WORLD_SIZE'])
    inputs, labels = fixed_batch()
    half = slice(rank * BATCH // world, (rank + 1) * BATCH // world)
    losses = ddp(inputs[half], labels[half], mode='loss')
    loss, _ = algorithm.parse_losses(losses)
    loss.backward()
    torch.save(dict(
        grads=gradients(algorithm),
        wrapper=type(ddp).__name__,
        find_unused_parameters=ddp.find_unused_parameters,
        teacher_grads=[n for n, p in algorithm.teacher.named_parameters() if p.grad is not None],
        teacher_trainable=[n for n, p in algorithm.teacher.named_parameters() if p.requires_grad],
    ), osp.join(work_dir, f'rank{rank}.pth'))
    del ddp  # the wrapper holds the gloo group: freed before the group is torn down (as tools/train.py does)
    release_distributed()  # a live gloo group at exit can abort the process (SIGABRT)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def test_two_process_gradients_equal_single_process_on_the_whole_batch(tmp_path):
    torch.manual_seed(0)
    algorithm = MODELS.build(ALGORITHM)
    torch.save(algorithm.state_dict(), tmp_path / 'init.pth')

    # reference: one process, the whole batch
    inputs, labels = fixed_batch()
    loss, _ = algorithm.parse_losses(algorithm(inputs, labels, mode='loss'))
    loss.backward()
    expected = gradients(algorithm)
    assert any(name.startswith('distiller.connectors.adapt.') for name in expected)
    assert any(name.startswith('student.') for name in expected)

    env = dict(os.environ, OMP_NUM_THREADS='1')
    result = subprocess.run(
        [sys.executable, '-m', 'torch.distributed.run', '--nproc_per_node=2',
         f'--master_port={free_port()}', '--master_addr=127.0.0.1', __file__, str(tmp_path)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, (result.stdout + result.stderr)[-3000:]

    for rank in range(2):
        report = torch.load(tmp_path / f'rank{rank}.pth', weights_only=True)
        assert report['wrapper'] == 'MMDistributedDataParallel'
        assert report['find_unused_parameters'] is False  # nothing in this distiller skips parameters
        assert report['teacher_grads'] == [] and report['teacher_trainable'] == []
        assert sorted(report['grads']) == sorted(expected)
        for name, grad in expected.items():
            torch.testing.assert_close(report['grads'][name], grad, rtol=1e-4, atol=1e-6,
                                       msg=lambda m, n=name, r=rank: f'rank {r}, {n}: {m}')


if __name__ == '__main__':
    worker(sys.argv[1])
