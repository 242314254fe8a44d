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
