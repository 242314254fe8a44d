"""Students and teachers from a package config (mmdet::), a local config file or a model dict."""
import os.path as osp

import pytest
import torch

pytest.importorskip('mmdet')
pytest.importorskip('mmseg')

from mmkd.models.algorithms import SingleTeacherDistill  # noqa: E402
from mmkd.models.builder import load_model_cfg  # noqa: E402
from helpers import ROOT  # noqa: E402

LOCAL_STUDENT = osp.join(ROOT, 'configs/_base_/models/retinanet_r18-w8_fpn_shapes.py')
FPN = dict(fpn=dict(type='ModuleOutputs', source='neck'))


def test_mmdet_package_config_and_local_config_and_overrides():
    student = dict(cfg_path=LOCAL_STUDENT)
    teacher = dict(cfg_path='mmdet::retinanet/retinanet_r18_fpn_1x_coco.py',
                   cfg_options={'bbox_head.num_classes': 8, 'backbone.init_cfg': None,
                                'neck.out_channels': 64, 'bbox_head.in_channels': 64,
                                'bbox_head.feat_channels': 64})
    algo = SingleTeacherDistill(
        student=student, teacher=teacher,
        distiller=dict(type='ConfigurableDistiller', student_recorders=FPN, teacher_recorders=FPN,
                       losses=dict(loss_cwd=dict(type='ChannelWiseDivergence')),
                       loss_inputs=dict(loss_cwd=dict(preds_S=('student', 'fpn'), preds_T=('teacher', 'fpn')))))
    assert type(algo.teacher).__name__ == 'RetinaNet'
    assert algo.teacher.backbone.depth == 18 and algo.teacher.bbox_head.num_classes == 8
    assert algo.student.backbone.base_channels == 8
    with torch.no_grad():
        feats_s = algo.student.extract_feat(torch.randn(1, 3, 64, 64))
        feats_t = algo.teacher.extract_feat(torch.randn(1, 3, 64, 64))
    assert [f.shape for f in feats_s] == [f.shape for f in feats_t]


def test_mmseg_package_config_builds():
    cfg = load_model_cfg(dict(cfg_path='mmseg::deeplabv3/deeplabv3_r50-d8_4xb2-40k_cityscapes-512x1024.py'),
                         'teacher')
    assert cfg['_scope_'] == 'mmseg' and cfg['type'] == 'EncoderDecoder'


def test_scoped_model_dict_builds_in_its_scope():
    cfg = load_model_cfg(dict(type='mmdet.RetinaNet', backbone={}, neck={}, bbox_head={}), 'student')
    assert cfg['_scope_'] == 'mmdet' and cfg['type'] == 'RetinaNet'


def test_missing_config_file_is_named():
    with pytest.raises(FileNotFoundError, match="teacher config not found: 'configs/nope.py'"):
        load_model_cfg(dict(cfg_path='configs/nope.py'), 'teacher')
    with pytest.raises(KeyError, match='needs either cfg_path'):
        load_model_cfg(dict(ckpt='x.pth'), 'student')


def test_keys_beside_cfg_path_override_the_config_model():
    """``--cfg-options model.student.bbox_head.x=...`` lands beside cfg_path and must reach the model."""
    cfg = load_model_cfg(dict(cfg_path=LOCAL_STUDENT, bbox_head=dict(num_classes=3), ckpt='unused.pth',
                              cfg_options={'neck.out_channels': 32}), 'student')
    assert cfg.bbox_head.num_classes == 3 and cfg.neck.out_channels == 32
    assert cfg.bbox_head.type and 'anchor_generator' in cfg.bbox_head  # merged, not replaced
    assert 'ckpt' not in cfg and 'cfg_path' not in cfg
