"""docs/adding_a_method.md cannot rot: its worked example is the shipped code, and it trains.

Every code block marked ``<!-- file: PATH -->`` must equal that file of the
repository; the example config then trains two iterations through mmengine's
Runner, and the distiller skeleton of part 2 implements the contract.
"""
import re
from pathlib import Path

import pytest
import torch
from mmengine.config import Config
from mmengine.hooks import Hook
from mmengine.runner import Runner

from mmkd.datasets.embedded import generate_detection
from mmkd.models.distillers import BaseDistiller

ROOT = Path(__file__).resolve().parents[2]
DOC = (ROOT / 'docs' / 'adding_a_method.md').read_text()
FILE_BLOCKS = re.findall(r'<!-- file: (\S+) -->\n```python\n(.*?)```', DOC, flags=re.S)


def test_doc_names_the_files_it_shows():
    assert {path for path, _ in FILE_BLOCKS} == {
        'mmkd/models/losses/attention_transfer.py',
        'configs/at/at_fpn_retinanet-r50-w16_retinanet-r18-w8_adamw-12e_shapes-coco.py',
        'tests/models/losses/test_attention_transfer.py'}


@pytest.mark.parametrize('path,code', FILE_BLOCKS, ids=[p for p, _ in FILE_BLOCKS])
def test_each_block_is_the_shipped_file(path, code):
    assert (ROOT / path).read_text() == code, f'docs/adding_a_method.md shows an outdated {path}'


@pytest.mark.slow
def test_worked_example_trains_two_iterations(tmp_path):
    config = dict(FILE_BLOCKS)[
        'configs/at/at_fpn_retinanet-r50-w16_retinanet-r18-w8_adamw-12e_shapes-coco.py']
    cfg_file = tmp_path / 'at.py'  # the doc's config, its relative _base_ pointed at the repository
    cfg_file.write_text(config.replace("'../_base_/", f"'{ROOT}/configs/_base_/"))
    generate_detection(str(tmp_path / 'data'), seed=0, num_train=4, num_val=2)
    cfg = Config.fromfile(str(cfg_file))
    cfg.model.teacher.ckpt = None
    cfg.work_dir = str(tmp_path / 'work')
    cfg.train_cfg = dict(type='IterBasedTrainLoop', max_iters=2, val_interval=100)
    cfg.param_scheduler = []
    cfg.default_hooks.checkpoint = dict(type='CheckpointHook', interval=100)
    cfg.custom_hooks = []
    for split in ('val', 'test'):
        cfg[f'{split}_dataloader'] = cfg[f'{split}_cfg'] = cfg[f'{split}_evaluator'] = None
    cfg.train_dataloader.dataset.data_root = str(tmp_path / 'data')
    cfg.train_dataloader.update(batch_size=2, num_workers=0, persistent_workers=False)
    runner = Runner.from_cfg(cfg)
    losses = []
    runner.register_hook(_Losses(losses))
    runner.train()
    assert len(losses) == 2 and all('distill.loss_at' in out and torch.isfinite(out['distill.loss_at'])
                                    for out in losses)


class _Losses(Hook):
    def __init__(self, store):
        self.store = store

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None):
        self.store.append(dict(outputs))


def test_distiller_skeleton_implements_the_contract(monkeypatch):
    code = re.search(r'```python\n(from mmkd.models.distillers import BaseDistiller\n.*?)```', DOC, flags=re.S).group(1)
    from mmkd.registry import MODELS
    monkeypatch.setattr(MODELS, 'register_module', lambda *a, **k: (lambda cls: cls))
    namespace = {}
    exec(compile(code, 'docs/adding_a_method.md', 'exec'), namespace)
    distiller = namespace['MyDistiller'](losses=dict(loss_x=dict(type='FitNetLoss')))
    assert isinstance(distiller, BaseDistiller) and list(distiller.losses) == ['loss_x']
    assert set(distiller.recorder_cfgs) == {'student'}
