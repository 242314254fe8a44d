"""GKD's configs: each stage trains for two iterations on a tiny street DG set; two stages in one command.

Stage-1 configs run with a random teacher (no MAE checkpoint): this checks
the wiring (losses finite, teacher unchanged, student learning), not accuracy.
Stage-2 configs train two iterations and evaluate every domain.
"""
import glob
import json
import os.path as osp

import pytest
import torch

pytest.importorskip('mmseg')
pytest.importorskip('timm')

from mmengine.config import Config  # noqa: E402
from mmengine.hooks import Hook  # noqa: E402
from mmengine.runner import Runner  # noqa: E402

from mmkd.datasets.embedded import generate_street_domains  # noqa: E402
from helpers import ROOT  # noqa: E402

GKD = osp.join(ROOT, 'configs', 'gkd')
# the densebyol-teacher configs are their MAE twins with another checkpoint (tested below, not re-run)
STAGE1 = sorted(p for p in glob.glob(osp.join(GKD, '*_street-synthetic.py')) if '_densebyol-' not in p)
STAGE1_DENSEBYOL = sorted(glob.glob(osp.join(GKD, '*_densebyol-*_street-*.py')))
TEACHERS_DENSEBYOL = {'densebyol-vit-e192-d6': 'work_dirs/densebyol-vit-e192-d6_adamw-400i_street-all/iter_400.pth',
                      'densebyol-twins-vit-e192-d6':
                      'work_dirs/densebyol-twins-vit-e192-d6_adamw-400i_street-all/iter_400.pth'}
STAGE2 = sorted(p for p in glob.glob(osp.join(GKD, 'gkd_stage2-*_street-dg.py')) if '_densebyol-' not in p)
TEACHER = osp.join(ROOT, 'configs', 'foundation', 'mae-vit-e192-d6_adamw-600i_street-all.py')

pytestmark = pytest.mark.slow


@pytest.fixture(scope='module')
def dg_root(tmp_path_factory):
    root = tmp_path_factory.mktemp('street_dg')
    generate_street_domains(str(root), seed=0, num_train=4, num_val=1)
    return str(root) + '/'


class Outputs(Hook):
    def __init__(self):
        self.outputs, self.teacher_before = [], None

    def before_train(self, runner):
        teacher = getattr(runner.model, 'teacher', None)
        if teacher is not None:
            self.teacher_before = {k: v.clone() for k, v in teacher.state_dict().items()}

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None):
        self.outputs.append({k: float(v.detach()) for k, v in outputs.items()})


def two_iterations(path, root, work_dir, evaluate=False):
    cfg = Config.fromfile(path)
    if 'teacher' in cfg.model:
        cfg.model.teacher.checkpoint = None
    if cfg.model.get('init_ckpt'):
        cfg.model.init_ckpt = None  # a teacher pre-training that starts from another run
    if cfg.model.get('teacher_cache'):
        cfg.model.teacher_cache = None
    if cfg.model.get('backbone', {}).get('ckpt'):
        cfg.model.backbone.ckpt = None  # stage 2 of the teacher row: its MAE checkpoint is not needed
    cfg.work_dir = str(work_dir)
    cfg.train_cfg.update(max_iters=2, **(dict(val_interval=2) if evaluate else {}))
    cfg.param_scheduler = []
    cfg.default_hooks.logger.interval = 1
    cfg.default_hooks.checkpoint.interval = 100
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        if cfg.get(loader) is None:
            continue
        cfg[loader].update(batch_size=2)
        dataset = cfg[loader].dataset
        for inner in dataset.get('datasets', [dataset]):
            inner.data_root = root
    if not evaluate:
        for split in ('val', 'test'):
            cfg[f'{split}_dataloader'] = cfg[f'{split}_cfg'] = cfg[f'{split}_evaluator'] = None
    runner = Runner.from_cfg(cfg)
    hook = Outputs()
    runner.register_hook(hook)
    runner.train()
    return runner, hook


def test_every_stage1_variant_exists():
    names = [osp.basename(p) for p in STAGE1]
    for method in ('qsd-mask', 'proteus-mse', 'cwd'):
        for student in ('vit-e128-d4', 'resnet18-w32'):
            assert any(n.startswith(f'gkd_{method}_') and student in n for n in names), (method, student)


@pytest.mark.parametrize('path', STAGE1, ids=osp.basename)
def test_stage1_two_iterations(path, dg_root, tmp_path):
    runner, hook = two_iterations(path, dg_root, tmp_path)
    assert len(hook.outputs) == 2
    for out in hook.outputs:
        assert any(k.startswith('distill.') for k in out) and all(torch.isfinite(torch.tensor(list(out.values()))))
    teacher = runner.model.teacher
    assert all(torch.equal(v, hook.teacher_before[k]) for k, v in teacher.state_dict().items())


@pytest.mark.parametrize('path', STAGE2, ids=osp.basename)
def test_stage2_two_iterations_and_evaluation(path, dg_root, tmp_path):
    cfg = Config.fromfile(path)
    runner, hook = two_iterations(path, dg_root, tmp_path, evaluate=True)
    assert len(hook.outputs) == 2 and all('decode.loss_ce' in o for o in hook.outputs)
    metrics = runner.val_loop.run()
    assert set(metrics) == {'synthetic_mIoU', 'photo_mIoU', 'night_mIoU', 'fog_mIoU', 'target_mIoU'}
    assert cfg.model.backbone.frozen


def test_teacher_pretraining_two_iterations(dg_root, tmp_path):
    runner, hook = two_iterations(TEACHER, dg_root, tmp_path)
    assert len(hook.outputs) == 2 and all(o['loss_mae'] > 0 for o in hook.outputs)


@pytest.mark.parametrize('name', ['densebyol-vit-e192-d6_adamw-400i', 'densebyol-twins-vit-e192-d6_adamw-400i'])
def test_densebyol_teacher_pretraining_two_iterations(name, dg_root, tmp_path):
    runner, hook = two_iterations(osp.join(ROOT, 'configs', 'foundation', f'{name}_street-all.py'), dg_root, tmp_path)
    assert len(hook.outputs) == 2
    assert all(0 < o['loss_dense'] <= 4 for o in hook.outputs)
    batch = next(iter(runner.train_dataloader))
    assert batch['inputs'][0].shape[0] == 6  # image + the same frame in another style


@pytest.mark.parametrize('path', STAGE1_DENSEBYOL, ids=osp.basename)
def test_densebyol_configs_are_their_mae_twins_with_the_new_teacher(path):
    cfg = Config.fromfile(path)
    teacher = next(t for t in sorted(TEACHERS_DENSEBYOL, key=len, reverse=True) if f'_{t}_' in path)
    checkpoint = TEACHERS_DENSEBYOL[teacher]
    twin = Config.fromfile(path.replace(f'_{teacher}_', '_mae-vit-e192-d6_'))
    if 'backbone' in cfg.model:  # stage 2, the teacher row
        assert cfg.model.backbone.ckpt == checkpoint
        cfg.model.backbone.ckpt = twin.model.backbone.ckpt
    else:
        assert cfg.model.teacher.checkpoint == checkpoint
        cfg.model.teacher.checkpoint = twin.model.teacher.checkpoint
        if cfg.model.get('teacher_cache'):
            assert 'densebyol' in cfg.model.teacher_cache.cache_dir
            cfg.model.teacher_cache = twin.model.teacher_cache
    assert cfg.model.to_dict() == twin.model.to_dict()
    assert cfg.train_cfg == twin.train_cfg and cfg.train_dataloader.to_dict() == twin.train_dataloader.to_dict()


def test_train_stages_runs_both_stages_and_resumes(dg_root, tmp_path):
    from tools.train_stages import main
    stage1 = osp.join(GKD, 'gkd_qsd-mask_mae-vit-e192-d6_vit-e128-d4_adamw-800i_street-synthetic.py')
    stage2 = STAGE2[-1]  # the ViT student's
    assert 'vit-e128-d4' in stage2
    common = ['train_cfg.max_iters=2', 'train_dataloader.batch_size=2', f'data_root={dg_root}',
              'default_hooks.checkpoint.interval=2', 'param_scheduler=[]']
    argv = [stage1, stage2, '--work-dir', str(tmp_path), '--seed', '1',
            '--stage1-options', *common, 'model.teacher.checkpoint=None',
            '--stage2-options', *common, 'train_cfg.val_interval=2', 'val_dataloader.batch_size=2']
    metrics = main(argv)
    assert osp.isfile(tmp_path / 'stage1' / 'student_latest.pth')
    assert osp.isfile(tmp_path / 'stage1' / 'iter_2.pth') and osp.isfile(tmp_path / 'stage2' / 'iter_2.pth')
    assert 'target_mIoU' in metrics
    saved = json.loads((tmp_path / 'stage2_metrics.json').read_text())
    assert saved['seed'] == 1 and saved['target_mIoU'] == metrics['target_mIoU']
    mtime = osp.getmtime(tmp_path / 'stage2' / 'iter_2.pth')
    main(argv)  # finished stages are skipped
    assert osp.getmtime(tmp_path / 'stage2' / 'iter_2.pth') == mtime


def test_paper_configs_describe_the_real_setting():
    stage1 = Config.fromfile(osp.join(GKD, 'gkd_qsd-mask_dinov2-b14_vit-s16_adamw-300e_gta5.py'))
    stage2 = Config.fromfile(osp.join(GKD, 'gkd_stage2-frozen_vit-s16_uper_adamw-40k_gta5-dg.py'))
    teacher, student = stage1.model.teacher, stage1.model.student
    assert teacher.name == 'dinov2_vitb14' and student.arch == 'deit_small_patch16_224'
    assert teacher.arch_cfg == dict(img_size=512, patch_size=16)  # DINOv2's patch embedding resampled to 16 px
    assert stage1.model.distiller.num_patches == (512 // 16) ** 2
    assert stage2.model.backbone.arch == student.arch and stage2.model.backbone.frozen
    assert stage2.val_evaluator.domains == ('cityscapes', 'bdd100k', 'mapillary')
    roots = [d.data_root for d in stage2.val_dataloader.dataset.datasets]
    assert [r.strip('/').split('/')[-1] for r in roots] == list(stage2.val_evaluator.domains)
