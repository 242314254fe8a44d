"""The classification distillation configs (OFA-KD and its baselines on the same pairs).

Every pair config builds, its stage taps match the real timm modules, one loss
step trains the student and the distiller's branches/regressors but never the
teacher, and the exported student holds the student alone. One ViT -> CNN OFA
config trains for two iterations through mmengine's Runner.
"""
import glob
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope

from mmkd.engine import student_checkpoint
from mmkd.models.builder import build_model
from mmkd.registry import MODELS
from mmkd.structures import ClsDataSample
from helpers import ROOT

PAIR_CONFIGS = sorted(p for p in glob.glob(osp.join(ROOT, 'configs', '*', '*.py'))
                      if p.endswith(('shapes-cls.py', '_imagenet.py', '_cifar100.py'))
                      and '/classification/' not in p)
CONFIG_IDS = [osp.relpath(p, osp.join(ROOT, 'configs')) for p in PAIR_CONFIGS]


def build(path):
    cfg = Config.fromfile(path)
    init_default_scope('mmkd')
    cfg.model.teacher.ckpt = None
    return cfg, MODELS.build(cfg.model)


def batch(model, cfg, n=2):
    size = 224 if cfg.get('image_size', 32) == 224 else 32
    x = (torch.rand(n, 3, size, size) * 255).to(torch.uint8)
    samples = [ClsDataSample(gt_label=i % cfg.num_classes) for i in range(n)]
    return model.data_preprocessor(dict(inputs=list(x), data_samples=samples), True)


def test_every_pair_has_all_methods():
    names = [osp.basename(p) for p in PAIR_CONFIGS]
    pairs = {n.split('_', 2)[2].rsplit('_adamw', 1)[0] for n in names if n.endswith('shapes-cls.py')}
    assert len(pairs) >= 3
    for pair in pairs:
        for method in ('ofa-kd_branches', 'kd_logits', 'dkd_logits', 'fitnet_stages'):
            assert any(n.startswith(f'{method}_{pair}_') for n in names), (method, pair)
    assert 'ofa-kd_branches_deit-t_resnet18_sgd-100e_imagenet.py' in names
    assert 'ofa-kd_branches_swin-t_resnet18_sgd-300e_cifar100.py' in names


@pytest.mark.parametrize('path', PAIR_CONFIGS, ids=CONFIG_IDS)
def test_loss_step_trains_student_and_distiller_not_teacher(path):
    cfg, model = build(path)
    torch.manual_seed(0)
    model.train()
    losses = model(**batch(model, cfg), mode='loss')
    distill = {k: v for k, v in losses.items() if k.startswith('distill.')}
    assert distill and all(torch.isfinite(v) for v in losses.values())
    sum(losses.values()).backward()
    assert all(p.grad is None for p in model.teacher.parameters())
    assert any(p.grad is not None and p.grad.abs().sum() > 0 for p in model.student.parameters())
    for name, p in model.distiller.named_parameters():
        assert p.grad is not None, f'{name} got no gradient'


@pytest.mark.parametrize('path', [p for p in PAIR_CONFIGS if '/ofa_kd/' in p],
                         ids=[i for i in CONFIG_IDS if i.startswith('ofa_kd/')])
def test_ofa_branches_one_per_stage_and_absent_from_the_export(path):
    cfg, model = build(path)
    num_stages = len(cfg.student_taps)
    assert sorted(model.distiller.connectors) == [f'branch{i}' for i in range(1, num_stages + 1)]
    assert len(model.distiller.losses) == num_stages + 1  # the branches and the final logits
    exported = student_checkpoint(dict(state_dict=model.state_dict(), meta={}))['state_dict']
    assert not any('branch' in k or 'distiller' in k or 'teacher' in k for k in exported)
    plain = build_model(dict(cfg.model.student), 'student')
    plain.load_state_dict(exported, strict=True)  # the student as trained alone, nothing else


@pytest.mark.parametrize('path', [p for p in PAIR_CONFIGS if p.endswith('shapes-cls.py')],
                         ids=[i for i in CONFIG_IDS if i.endswith('shapes-cls.py')])
def test_stage_taps_describe_the_real_modules(path):
    """The FeatureSpec of every tap equals the recorded output shape of that module."""
    cfg, model = build(path)
    model.eval()
    data = batch(model, cfg, n=1)
    for role in ('student', 'teacher'):
        taps = cfg[f'{role}_taps']
        outputs = {}
        hooks = [model.get_submodule(f'{"student" if role == "student" else "teachers.teacher"}.{t.source}')
                 .register_forward_hook(lambda m, i, o, k=t.source: outputs.__setitem__(k, o)) for t in taps]
        with torch.no_grad():
            getattr(model, role)(data['inputs'], mode='tensor')
        for h in hooks:
            h.remove()
        for tap in taps:
            f = tap.feature
            expected = {'nchw': (f.channels, f.grid, f.grid), 'nhwc': (f.grid, f.grid, f.channels),
                        'nlc': (f.get('prefix', 0) + f.grid ** 2, f.channels)}[f.layout]
            assert tuple(outputs[tap.source].shape[1:]) == expected, (role, tap.source)


@pytest.mark.slow
def test_vit_to_cnn_ofa_config_trains(tmp_path):
    """The Swin -> ResNet-18-w32 OFA config runs two iterations through the Runner on a tiny
    generated set: losses finite, student and branches change, teacher does not, and the
    student-only checkpoint has no branch weights."""
    from mmengine.runner import Runner

    from mmkd.datasets import generate_classification
    data_root = str(tmp_path / 'cls')
    generate_classification(data_root, num_train=16, num_val=16)
    cfg = Config.fromfile(osp.join(ROOT, 'configs/ofa_kd/ofa-kd_branches_swin-w48_resnet18-w32_adamw-10e_shapes-cls.py'))
    cfg.model.teacher.ckpt = None
    cfg.work_dir = str(tmp_path / 'work')
    cfg.train_cfg = dict(type='IterBasedTrainLoop', max_iters=2, val_interval=2)
    cfg.param_scheduler = []
    cfg.default_hooks.checkpoint = dict(type='CheckpointHook', interval=2, by_epoch=False)
    cfg.default_hooks.logger = dict(type='LoggerHook', interval=1)
    for split in ('train', 'val', 'test'):
        loader = cfg[f'{split}_dataloader']
        loader.dataset.data_root = data_root
        loader.update(batch_size=8, num_workers=0, persistent_workers=False)
    runner = Runner.from_cfg(cfg)
    model = runner.model
    teacher_before = {k: v.clone() for k, v in model.teacher.state_dict().items()}
    branch_before = {k: v.clone() for k, v in model.distiller.state_dict().items()}
    runner.train()
    assert all(torch.equal(v, teacher_before[k]) for k, v in model.teacher.state_dict().items())
    assert any(not torch.equal(v, branch_before[k]) for k, v in model.distiller.state_dict().items()
               if v.is_floating_point())
    exported = torch.load(osp.join(cfg.work_dir, 'student_latest.pth'), weights_only=True)['state_dict']
    assert exported.keys() == model.student.state_dict().keys()
