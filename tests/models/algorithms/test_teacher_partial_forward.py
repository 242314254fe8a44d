"""teacher_partial_forward: the teacher stops after its last recorded value, with identical features."""
import os.path as osp

import pytest
import torch

from mmkd.models.algorithms import SingleTeacherDistill
from mmkd.models.algorithms.partial_forward import TeacherPartialForward
from helpers import ROOT


def count_calls(module):
    calls = []
    module.register_forward_pre_hook(lambda *_: calls.append(1))
    return calls


def teacher_values(algo, inputs, data_samples=None):
    """What the teacher recorders hold after ``run_teachers``."""
    manager = algo.distiller.recorder_managers['teacher']
    with algo.distiller.recording(['teacher']):
        algo.run_teachers(inputs, data_samples)
        return {name: manager.get(name) for name in manager.recorders}


def assert_equal(a, b):
    if isinstance(a, torch.Tensor):
        assert torch.equal(a, b)
    elif isinstance(a, dict):
        assert a.keys() == b.keys()
        for k in a:
            assert_equal(a[k], b[k])
    else:
        assert type(a) is type(b) and len(a) == len(b)
        for x, y in zip(a, b):
            assert_equal(x, y)


# ----------------------------------------------------------------- ToyNet
def toy(partial=True, teacher_source='backbone', **kwargs):
    torch.manual_seed(0)
    distiller = dict(
        type='ConfigurableDistiller',
        student_recorders=dict(feat=dict(type='ModuleOutputs', source='backbone')),
        teacher_recorders=dict(feat=dict(type='ModuleOutputs', source=teacher_source)),
        connectors=dict(align=dict(type='ConvConnector', in_channels=4, out_channels=8)),
        losses=dict(loss_hint=dict(type='FitNetLoss')),
        loss_inputs=dict(loss_hint=dict(preds_S=dict(model='student', recorder='feat', connector='align'),
                                        preds_T=('teacher', 'feat'))))
    return SingleTeacherDistill(student=dict(type='mmkd.ToyNet', width=4), teacher=dict(type='mmkd.ToyNet', width=8),
                                distiller=distiller, teacher_partial_forward=partial, **kwargs)


def test_toy_teacher_stops_after_the_backbone_with_the_same_losses(toy_batch):
    inputs, labels = toy_batch
    partial, full = toy().train(), toy(partial=False).train()
    neck_calls, head_calls = count_calls(partial.teacher.neck), count_calls(partial.teacher.head)
    for _ in range(3):
        assert_equal(partial(inputs, labels, mode='loss'), full(inputs, labels, mode='loss'))
    assert len(neck_calls) == 1 and len(head_calls) == 1  # only the first (calibrating) step ran them
    assert_equal(teacher_values(partial, inputs), teacher_values(full, inputs))


def test_fewer_calls_than_in_the_full_forward_name_the_recorder_and_module(toy_batch):
    inputs, _ = toy_batch
    algo = toy(teacher_source='neck')
    manager = algo.distiller.recorder_managers['teacher']
    runner = TeacherPartialForward(manager, 'teacher')
    with manager.recording():
        runner.run(lambda: algo.teacher(inputs))  # full forward: calibrates
    assert runner.needed == {'feat': 1}
    with manager.recording(), pytest.raises(RuntimeError, match="recorder 'feat' of the teacher.*'neck'.*0 value"):
        runner.run(lambda: algo.teacher.backbone(inputs))  # a forward that never reaches the neck
    empty = TeacherPartialForward(manager, 'teacher')
    with manager.recording(), pytest.raises(RuntimeError, match="'feat'.*recorded nothing in the full forward"):
        empty.run(lambda: algo.teacher.backbone(inputs))


def test_partial_forward_needs_a_frozen_teacher():
    with pytest.raises(ValueError, match='teacher_trainable'):
        toy(teacher_trainable=True)


# --------------------------------------------------------------- RetinaNet
def retinanet(teacher_recorders, partial):
    torch.manual_seed(0)
    models = osp.join(ROOT, 'configs/_base_/models')
    distiller = dict(
        type='ConfigurableDistiller',
        student_recorders=dict(fpn=dict(type='ModuleOutputs', source='neck')),
        teacher_recorders=teacher_recorders,
        losses=dict(loss_cwd=dict(type='ChannelWiseDivergence', tau=1.0, loss_weight=1.0)),
        loss_inputs=dict(loss_cwd=dict(preds_S=('student', 'fpn'), preds_T=('teacher', 'fpn'))))
    algo = SingleTeacherDistill(
        student=dict(cfg_path=osp.join(models, 'retinanet_r18-w8_fpn_shapes.py')),
        teacher=dict(cfg_path=osp.join(models, 'retinanet_r50-w16_fpn_shapes.py')),
        distiller=distiller, teacher_partial_forward=partial)
    algo.init_weights()
    return algo.train()


def det_batch():
    from mmdet.structures import DetDataSample
    from mmengine.structures import InstanceData
    torch.manual_seed(1)
    samples = []
    for i in range(2):
        sample = DetDataSample(metainfo=dict(img_id=i, img_shape=(128, 128), ori_shape=(128, 128),
                                             pad_shape=(128, 128), batch_input_shape=(128, 128),
                                             scale_factor=(1.0, 1.0)))
        sample.gt_instances = InstanceData(bboxes=torch.tensor([[10.0 + i, 20.0, 70.0, 90.0]]),
                                           labels=torch.tensor([i]))
        samples.append(sample)
    return torch.randn(2, 3, 128, 128), samples


FPN = dict(fpn=dict(type='ModuleOutputs', source='neck'))
FPN_AND_CLS = dict(FPN, cls=dict(type='ModuleOutputs', source='bbox_head.retina_cls'))


@pytest.mark.parametrize('recorders, head_calls, reg_calls', [(FPN, 0, 0), (FPN_AND_CLS, 5, 4)])
def test_retinanet_partial_forward_is_exact(recorders, head_calls, reg_calls):
    pytest.importorskip('mmdet')
    inputs, samples = det_batch()
    partial, full = retinanet(recorders, True), retinanet(recorders, False)
    full_values = teacher_values(full, inputs, samples)
    assert teacher_values(partial, inputs, samples).keys() == full_values.keys()  # calibration (full) step
    conv = count_calls(partial.teacher.bbox_head.cls_convs[0])
    reg = count_calls(partial.teacher.bbox_head.retina_reg)
    values = teacher_values(partial, inputs, samples)
    assert len(conv) == head_calls and len(reg) == reg_calls  # the head is skipped, or its last level
    for name in full_values:
        assert_equal(values[name], full_values[name])
    if 'cls' in values:
        assert len(values['cls']) == 5
    assert_equal(partial(inputs, samples, mode='loss'), full(inputs, samples, mode='loss'))
