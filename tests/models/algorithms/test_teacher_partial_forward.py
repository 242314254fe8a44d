"""teacher_partial_forward: the teacher stops after its last recorded value, with identical features."""
import os.path as osp

import pytest
import torch

from mmkd.models.algorithms import SingleTeacherDistill
from mmkd.models.algorithms.partial_forward import TeacherPartialForward
from helpers import ROOT, toy_fitnet_distiller


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
DEFAULT = object()  # leave teacher_partial_forward to the algorithm's default


def toy(partial=True, teacher_source='backbone', **kwargs):
    """ToyNet 8 -> ToyNet 4: FitNet on the backbone, or KD on the logits when the teacher's head is recorded."""
    torch.manual_seed(0)
    if teacher_source == 'head':
        distiller = dict(
            type='ConfigurableDistiller',
            student_recorders=dict(feat=dict(type='ModuleOutputs', source='head')),
            teacher_recorders=dict(feat=dict(type='ModuleOutputs', source='head')),
            losses=dict(loss_kd=dict(type='KDLoss', tau=2.0)),
            loss_inputs=dict(loss_kd=dict(preds_S=('student', 'feat'), preds_T=('teacher', 'feat'))))
    else:
        distiller = toy_fitnet_distiller(dict(feat=dict(type='ModuleOutputs', source=teacher_source)))
    if partial is not DEFAULT:
        kwargs['teacher_partial_forward'] = partial
    return SingleTeacherDistill(student=dict(type='mmkd.ToyNet', width=4), teacher=dict(type='mmkd.ToyNet', width=8),
                                distiller=distiller, **kwargs)


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


# ------------------------------------------------------------ auto (default)
class LogLines:
    """The lines mmkd logs through the current MMLogger while the context is open."""

    def __enter__(self):
        import logging
        from mmengine.logging import MMLogger
        self.lines, self.logger = [], MMLogger.get_current_instance()
        self.handler = logging.Handler()
        self.handler.emit = lambda record: self.lines.append(record.getMessage())
        self.logger.addHandler(self.handler)
        return self.lines

    def __exit__(self, *exc):
        self.logger.removeHandler(self.handler)


def toy_auto(teacher_source):
    algo = toy(partial=DEFAULT, teacher_source=teacher_source)
    return algo, algo.partial_forwards['teacher']


def test_auto_is_the_default_and_skips_what_follows_the_recorders(toy_batch):
    inputs, labels = toy_batch
    algo, runner = toy_auto('backbone')
    assert runner.mode == 'auto'
    full = toy(partial=False).train()
    neck_calls, head_calls = count_calls(algo.teacher.neck), count_calls(algo.teacher.head)
    with LogLines() as lines:
        for _ in range(3):
            assert_equal(algo.train()(inputs, labels, mode='loss'), full(inputs, labels, mode='loss'))
    assert runner.enabled and runner.skipped == ['neck', 'head']
    assert len(neck_calls) == 1 and len(head_calls) == 1  # only the first (full, checked) forward ran them
    assert [line for line in lines if 'teacher_partial_forward' in line] == [
        "teacher 'teacher': teacher_partial_forward='auto': the forward stops after the recorders 'feat' "
        "(backbone); skipped: neck, head (first step checked: the recorded values equal the full forward's)"]


def test_auto_keeps_the_full_forward_when_a_recorder_sits_on_the_last_module(toy_batch):
    inputs, labels = toy_batch
    algo, runner = toy_auto('head')
    head_calls = count_calls(algo.teacher.head)
    with LogLines() as lines:
        for _ in range(3):
            algo.train()(inputs, labels, mode='loss')
    assert not runner.enabled and len(head_calls) == 3
    assert any("full forward runs, because a recorded value comes from its last module 'head'" in line
               for line in lines)


def test_auto_keeps_the_full_forward_when_a_later_module_changes_a_recorded_value_in_place(toy_batch):
    inputs, labels = toy_batch
    algo, runner = toy_auto('backbone.1')  # BatchNorm output, then ReLU(inplace=True) overwrites it
    algo.teacher.backbone[2].inplace = True
    full = toy(partial=False, teacher_source='backbone.1').train()
    full.teacher.backbone[2].inplace = True
    for _ in range(2):
        assert_equal(algo.train()(inputs, labels, mode='loss'), full(inputs, labels, mode='loss'))
    assert not runner.enabled
    forced = toy(partial=True, teacher_source='backbone.1').train()
    forced.teacher.backbone[2].inplace = True
    with pytest.raises(RuntimeError, match="recorder 'feat'.*'backbone.1'.*changes in place"):
        forced(inputs, labels, mode='loss')


def test_auto_falls_back_to_the_full_forward_when_a_recorder_gets_fewer_values(toy_batch):
    inputs, _ = toy_batch
    algo = toy(teacher_source='neck')
    manager = algo.distiller.recorder_managers['teacher']
    runner = TeacherPartialForward(manager, 'teacher', algo.teacher, mode='auto')
    neck_runs = [2]

    def forward():  # the neck runs twice in the first forward, once afterwards
        feat = algo.teacher.backbone(inputs)
        for _ in range(neck_runs[0]):
            algo.teacher.neck(feat)
        algo.teacher.head(feat.mean((2, 3)))

    with manager.recording():
        runner.run(forward)
    assert runner.enabled and runner.needed == {'feat': 2} and runner.skipped == ['head']
    neck_runs[0] = 1
    with manager.recording():
        runner.run(forward)  # short: reruns in full, no error
        assert len(manager.recorders['feat'].data_buffer) == 1
    assert not runner.enabled


def test_bad_partial_forward_value_is_refused():
    with pytest.raises(ValueError, match="teacher_partial_forward must be 'auto', True or False"):
        toy(partial='yes')


@pytest.mark.parametrize('recorders, enabled', [(FPN, True), (FPN_AND_CLS, False)])
def test_retinanet_auto_skips_the_head_only_for_fpn_recorders(recorders, enabled):
    pytest.importorskip('mmdet')
    inputs, samples = det_batch()
    auto, full = retinanet(recorders, 'auto'), retinanet(recorders, False)
    full_values = teacher_values(full, inputs, samples)
    for _ in range(2):
        values = teacher_values(auto, inputs, samples)
        for name in full_values:
            assert_equal(values[name], full_values[name])
    runner = auto.partial_forwards['teacher']
    assert runner.enabled is enabled
    if enabled:
        assert runner.skipped == ['bbox_head']
