"""A distillation work dir is a self-contained student folder for plain mmdet / mmseg.

After a short real training, ``student_config.py`` + ``student_latest.pth`` are
loaded by the libraries' own inferencers in a subprocess where ``import mmkd``
fails, and their predictions on an image equal mmkd's own inference (the
distillation algorithm in predict mode) on the same image.
"""
import importlib.util
import json
import os.path as osp
import subprocess
import sys

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.dataset import Compose
from mmengine.runner import Runner

from mmkd.models.builder import build_model
from mmkd.models.student_config import mmkd_types, student_config

from helpers import ROOT  # noqa: E402
DET_CFG = osp.join(ROOT, 'configs/cwd/cwd_fpn_retinanet-r50-w16_retinanet-r18-w8_adamw-12e_shapes-coco.py')
SEG_CFG = osp.join(ROOT, 'configs/cwd/cwd_logits_deeplabv3-r50-w16_deeplabv3-r18-w8_adamw-20e_shapes-cityscapes.py')

pytestmark = pytest.mark.slow

STANDALONE = r'''
import json, sys
sys.modules['mmkd'] = None  # the student folder must not need mmkd
try:
    import mmkd  # noqa: F401
    raise SystemExit('mmkd importable')
except ImportError:
    pass
kind, cfg, ckpt, image = sys.argv[1:5]
if kind == 'det':
    from mmdet.apis import DetInferencer
    sample = DetInferencer(model=cfg, weights=ckpt, device='cpu')(image, return_datasamples=True)['predictions'][0]
    inst = sample.pred_instances
    print(json.dumps(dict(bboxes=inst.bboxes.tolist(), scores=inst.scores.tolist(), labels=inst.labels.tolist())))
else:
    from mmseg.apis import MMSegInferencer
    sample = MMSegInferencer(model=cfg, weights=ckpt, device='cpu')(image, return_datasamples=True)
    print(json.dumps(dict(sem_seg=sample.pred_sem_seg.data.tolist())))
'''


def short_run(path, data_root, work_dir, generate):
    generate(data_root, seed=0, num_train=4, num_val=2)
    cfg = Config.fromfile(path)
    cfg.model.teacher.ckpt = None
    # barely trained detectors score low: keep every box so the comparison is not vacuous
    if 'retinanet' in path:
        cfg.model.student.cfg_options = {'test_cfg.score_thr': 0.0}
    cfg.work_dir = work_dir
    cfg.train_cfg = dict(type='IterBasedTrainLoop', max_iters=1, val_interval=100)
    cfg.param_scheduler = []
    cfg.default_hooks.checkpoint = dict(type='CheckpointHook', interval=1)
    for split in ('train', 'val', 'test'):
        cfg[f'{split}_dataloader'].dataset.data_root = data_root
        cfg[f'{split}_dataloader'].update(num_workers=0, persistent_workers=False, batch_size=2)
    for split in ('val', 'test'):
        if 'ann_file' in cfg.get(f'{split}_evaluator', {}):
            cfg[f'{split}_evaluator'].ann_file = osp.join(data_root, 'annotations/instances_val2017.json')
    runner = Runner.from_cfg(cfg)
    runner.train()
    return runner, cfg


def mmkd_predict(runner, cfg, image):
    pipeline = [t for t in cfg.test_dataloader.dataset.pipeline if 'LoadAnnotations' not in t['type']]
    from mmengine.registry import init_default_scope
    init_default_scope('mmkd')
    data = Compose(pipeline)(dict(img_path=image, img_id=0))
    runner.model.eval()
    with torch.no_grad():
        return runner.model.test_step(dict(inputs=[data['inputs']], data_samples=[data['data_samples']]))[0]


def standalone(kind, work_dir, image):
    out = subprocess.run([sys.executable, '-c', STANDALONE, kind, osp.join(work_dir, 'student_config.py'),
                          osp.join(work_dir, 'student_latest.pth'), image],
                         capture_output=True, text=True, cwd=osp.dirname(work_dir), timeout=300)
    assert out.returncode == 0, out.stderr[-3000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_student_config_has_the_student_and_no_mmkd_type():
    cfg = student_config(Config.fromfile(DET_CFG))
    assert cfg.default_scope == 'mmdet' and cfg.model.type == 'RetinaNet'
    assert cfg.model.backbone.depth == 18  # the student, not the teacher
    assert cfg.visualizer.type == 'mmdet.DetLocalVisualizer'
    assert cfg.test_cfg == dict(type='TestLoop') and not mmkd_types(cfg.to_dict())
    assert 'teacher' not in cfg.pretty_text and 'distiller' not in cfg.pretty_text
    seg = student_config(Config.fromfile(SEG_CFG))
    assert seg.default_scope == 'mmseg' and seg.visualizer.type == 'mmseg.SegLocalVisualizer'


def test_student_config_refuses_what_plain_libraries_cannot_build():
    with pytest.raises(KeyError, match='no `student`'):
        student_config(Config(dict(model=dict(type='mmdet.RetinaNet'))))
    cfg = Config.fromfile(DET_CFG)
    cfg.test_dataloader.dataset.pipeline.append(dict(type='mmkd.PackClsInputs'))
    with pytest.raises(ValueError, match=r'test_dataloader.dataset.pipeline\[\d+\]: mmkd.PackClsInputs'):
        student_config(cfg)


def test_detection_student_folder_runs_in_plain_mmdet(tmp_path):
    from mmkd.datasets.embedded import generate_detection
    root, work_dir = str(tmp_path / 'data'), str(tmp_path / 'work')
    runner, cfg = short_run(DET_CFG, root, work_dir, generate_detection)
    image = osp.join(root, 'val2017', '000000000001.jpg')
    ours = mmkd_predict(runner, cfg, image).pred_instances
    theirs = standalone('det', work_dir, image)
    assert len(theirs['scores']) == len(ours.scores) > 0
    np.testing.assert_allclose(theirs['scores'], ours.scores.numpy(), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(theirs['bboxes'], ours.bboxes.numpy(), rtol=1e-4, atol=1e-3)
    assert theirs['labels'] == ours.labels.tolist()
    # tools/export_student.py writes the same folder from the full checkpoint (its stored config)
    spec = importlib.util.spec_from_file_location('export_student', osp.join(ROOT, 'tools', 'export_student.py'))
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    full = [p for p in sorted(__import__('glob').glob(osp.join(work_dir, '*.pth')))
            if not osp.basename(p).startswith('student')][-1]
    tool.main([full, str(tmp_path / 'exported' / 'student.pth')])
    assert (tmp_path / 'exported' / 'student_config.py').read_text() == \
        open(osp.join(work_dir, 'student_config.py')).read()


def test_package_config_student_with_overrides_runs_in_plain_mmdet(tmp_path):
    """A student given as ``mmdet::`` config path plus overrides: the folder carries the resolved model."""
    from mmkd.datasets.embedded import generate_detection
    cfg = Config.fromfile(DET_CFG)
    cfg.model.student = dict(cfg_path='mmdet::gfl/gfl_r50_fpn_1x_coco.py',
                             backbone=dict(depth=18, init_cfg=None), neck=dict(in_channels=[64, 128, 256, 512]),
                             bbox_head=dict(num_classes=8), test_cfg=dict(score_thr=0.0))
    folder = student_config(cfg)
    assert folder.model.type == 'GFL' and folder.model.backbone.depth == 18 and folder.model.bbox_head.num_classes == 8
    (tmp_path / 'student_config.py').write_text(folder.pretty_text)
    model = build_model(cfg.model.student, 'student')
    torch.save(dict(state_dict=model.state_dict(), meta=dict(dataset_meta=dict(classes=cfg.classes))),
               tmp_path / 'student_latest.pth')
    root = str(tmp_path / 'data')
    generate_detection(root, seed=0, num_train=1, num_val=1)
    theirs = standalone('det', str(tmp_path), osp.join(root, 'val2017', '000000000001.jpg'))
    assert len(theirs['scores']) > 0 and max(theirs['labels']) < 8


def test_segmentation_student_folder_runs_in_plain_mmseg(tmp_path):
    from mmkd.datasets.embedded import generate_segmentation
    root, work_dir = str(tmp_path / 'data'), str(tmp_path / 'work')
    runner, cfg = short_run(SEG_CFG, root, work_dir, generate_segmentation)
    image = sorted(__import__('glob').glob(osp.join(root, 'leftImg8bit', 'val', '*', '*.png')))[0]
    ours = mmkd_predict(runner, cfg, image).pred_sem_seg.data
    theirs = torch.tensor(standalone('seg', work_dir, image)['sem_seg'])
    assert theirs.shape == ours.shape and torch.equal(theirs, ours.cpu())


def test_package_config_segmentor_with_overrides_runs_in_plain_mmseg(tmp_path):
    """A student given as ``mmseg::`` config path plus overrides (PSPNet R18) as a student folder."""
    from mmkd.datasets.embedded import generate_segmentation
    cfg = Config.fromfile(SEG_CFG)
    cfg.model.student = dict(
        cfg_path='mmseg::pspnet/pspnet_r18-d8_4xb2-80k_cityscapes-512x1024.py',
        backbone=dict(init_cfg=None, norm_cfg=dict(type='BN', requires_grad=True)),
        decode_head=dict(norm_cfg=dict(type='BN', requires_grad=True)),
        auxiliary_head=dict(norm_cfg=dict(type='BN', requires_grad=True)),
        data_preprocessor=dict(size=None, size_divisor=8))
    folder = student_config(cfg)
    assert folder.model.type == 'EncoderDecoder' and folder.model.backbone.depth == 18
    assert folder.model.decode_head.type == 'PSPHead' and folder.default_scope == 'mmseg'
    (tmp_path / 'student_config.py').write_text(folder.pretty_text)
    model = build_model(cfg.model.student, 'student')
    torch.save(dict(state_dict=model.state_dict(), meta=dict(dataset_meta=dict(classes=tuple(str(i) for i in range(19))))),
               tmp_path / 'student_latest.pth')
    root = str(tmp_path / 'data')
    generate_segmentation(root, seed=0, num_train=1, num_val=1)
    image = sorted(__import__('glob').glob(osp.join(root, 'leftImg8bit', 'val', '*', '*.png')))[0]
    theirs = torch.tensor(standalone('seg', str(tmp_path), image)['sem_seg'])
    assert theirs.shape[-2:] == (128, 256) and int(theirs.max()) < 19
