"""prepare_cpu_distributed: the DDP settings a CPU torchrun launch gets."""
import pytest
from mmengine.config import Config

from mmkd.utils import distributed


@pytest.fixture
def cpu_launch(monkeypatch):
    """A torchrun launch on a CPU machine whose process group already exists."""
    monkeypatch.setattr(distributed.torch.cuda, 'is_available', lambda: False)
    monkeypatch.setattr(distributed.dist, 'is_initialized', lambda: True)

    def make(**entries):
        return Config(dict(launcher='pytorch', env_cfg=dict(dist_cfg=dict(backend='nccl')), **entries))
    return make


def test_cpu_wrapper_matches_mmengine_gpu_defaults(cpu_launch):
    cfg = cpu_launch()
    assert distributed.prepare_cpu_distributed(cfg)
    assert cfg.env_cfg.dist_cfg.backend == 'gloo'
    assert cfg.model_wrapper_cfg == dict(type='MMDistributedDataParallel', broadcast_buffers=False,
                                         find_unused_parameters=False, device_ids=None)


def test_find_unused_parameters_only_when_the_config_asks(cpu_launch):
    cfg = cpu_launch(find_unused_parameters=True)
    distributed.prepare_cpu_distributed(cfg)
    assert cfg.model_wrapper_cfg['find_unused_parameters'] is True
    # an explicit wrapper config wins over the top-level flag, and keeps its own type
    cfg = cpu_launch(find_unused_parameters=True,
                     model_wrapper_cfg=dict(type='MMDistributedDataParallel', find_unused_parameters=False))
    distributed.prepare_cpu_distributed(cfg)
    assert cfg.model_wrapper_cfg['find_unused_parameters'] is False


def test_sync_bn_is_dropped_on_cpu(cpu_launch):
    cfg = cpu_launch(sync_bn='torch')
    with pytest.warns(UserWarning, match='SyncBatchNorm needs a GPU'):
        distributed.prepare_cpu_distributed(cfg)
    assert cfg.sync_bn is None


def test_nothing_changes_without_torchrun_or_with_cuda(cpu_launch, monkeypatch):
    cfg = cpu_launch()
    cfg.launcher = 'none'
    assert not distributed.prepare_cpu_distributed(cfg)
    assert 'model_wrapper_cfg' not in cfg
    monkeypatch.setattr(distributed.torch.cuda, 'is_available', lambda: True)
    cfg = cpu_launch(sync_bn='torch')
    assert not distributed.prepare_cpu_distributed(cfg)
    assert cfg.sync_bn == 'torch' and cfg.env_cfg.dist_cfg.backend == 'nccl'


def test_release_tears_down_the_process_group_and_is_a_no_op_without_one(tmp_path):
    """tools/train.py ends a distributed run by destroying the group (a live gloo group can abort at exit)."""
    import torch.distributed as dist
    distributed.release_distributed()  # no group: nothing to do, no error
    dist.init_process_group('gloo', init_method=f'file://{tmp_path}/rendezvous', rank=0, world_size=1)
    assert dist.is_initialized()
    distributed.release_distributed()
    assert not dist.is_initialized()
    dist.init_process_group('gloo', init_method=f'file://{tmp_path}/rendezvous2', rank=0, world_size=1)
    distributed.release_distributed(wait=False)  # the error path: no barrier
    assert not dist.is_initialized()
