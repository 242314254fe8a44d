"""teacher_precision: the frozen teacher runs in its own autocast; features and parameters stay fp32."""
import os.path as osp

import pytest
import torch

from mmkd.models.algorithms import SingleTeacherDistill, teacher_precision
from mmkd.models.algorithms.teacher_precision import TeacherPrecision, cast_floating
from helpers import ROOT, toy_fitnet_distiller


def toy(precision=None, **spec):
    """ToyNet 8 -> ToyNet 4, FitNet on the backbone; the teacher's neck output is recorded too."""
    torch.manual_seed(0)
    distiller = toy_fitnet_distiller(dict(feat=dict(type='ModuleOutputs', source='backbone'),
                                          neck=dict(type='ModuleOutputs', source='neck')))
    return SingleTeacherDistill(student=dict(type='mmkd.ToyNet', width=4),
                                teacher=dict(type='mmkd.ToyNet', width=8, precision=precision, **spec),
                                distiller=distiller).train()


def teacher_features(algo, inputs):
    manager = algo.distiller.recorder_managers['teacher']
    with algo.distiller.recording(['teacher']):
        algo.run_teachers(inputs)
        return {name: manager.get(name) for name in manager.recorders}


def relative_error(value, reference):
    return ((value.float() - reference).norm() / reference.norm()).item()


def test_bf16_teacher_runs_in_bf16_and_hands_fp32_features_to_the_losses(toy_batch):
    inputs, _ = toy_batch
    algo = toy('bf16', force_precision=True)
    seen = []
    algo.teacher.neck.register_forward_hook(lambda m, i, out: seen.append(out.dtype))
    feats, reference = teacher_features(algo, inputs), teacher_features(toy('fp32'), inputs)
    assert seen == [torch.bfloat16]  # the conv ran under bf16 autocast
    for name in feats:
        assert feats[name].dtype == torch.float32
        assert 0 < relative_error(feats[name], reference[name]) < 2e-2


def test_fp32_teacher_ignores_the_students_autocast(toy_batch):
    inputs, _ = toy_batch
    reference = teacher_features(toy('fp32'), inputs)
    with torch.autocast('cpu', dtype=torch.bfloat16):
        fp32 = teacher_features(toy('fp32'), inputs)
        inherited = teacher_features(toy(), inputs)  # default: the student's autocast, as before
    assert torch.equal(fp32['neck'], reference['neck'])
    assert inherited['neck'].dtype == torch.bfloat16


def test_no_teacher_parameter_changes_dtype_in_training_or_in_the_checkpoint(toy_batch, tmp_path):
    inputs, labels = toy_batch
    algo = toy('bf16', force_precision=True)
    optimizer = torch.optim.SGD([p for p in algo.parameters() if p.requires_grad], lr=0.1)
    for _ in range(2):
        losses = algo(inputs, labels, mode='loss')
        optimizer.zero_grad()
        sum(losses.values()).backward()
        optimizer.step()
    torch.save(algo.state_dict(), tmp_path / 'algo.pth')
    state = torch.load(tmp_path / 'algo.pth', weights_only=True)
    teacher_tensors = {k: v for k, v in state.items() if k.startswith('teachers.') and v.is_floating_point()}
    assert teacher_tensors and {v.dtype for v in teacher_tensors.values()} == {torch.float32}
    assert {p.dtype for p in algo.teacher.parameters()} == {torch.float32}


def test_bf16_without_native_support_keeps_fp32_unless_forced(toy_batch, monkeypatch):
    inputs, _ = toy_batch
    monkeypatch.setattr(teacher_precision, 'cpu_has_native_bf16', lambda: False)
    reference = teacher_features(toy('fp32'), inputs)
    kept = teacher_features(toy('bf16'), inputs)
    assert torch.equal(kept['neck'], reference['neck'])
    forced = teacher_features(toy('bf16', force_precision=True), inputs)
    assert not torch.equal(forced['neck'], reference['neck'])


def test_bf16_tolerance_on_a_retinanet_fpn_and_its_cwd_loss():
    """Measured: 0.5-0.7 % relative L2 error per FPN level, 1e-4 relative on the CWD loss (tau 1)."""
    pytest.importorskip('mmdet')
    models = osp.join(ROOT, 'configs/_base_/models')
    distiller = dict(
        type='ConfigurableDistiller',
        student_recorders=dict(fpn=dict(type='ModuleOutputs', source='neck')),
        teacher_recorders=dict(fpn=dict(type='ModuleOutputs', source='neck')),
        losses=dict(loss_cwd=dict(type='ChannelWiseDivergence', tau=1.0, loss_weight=1.0)),
        loss_inputs=dict(loss_cwd=dict(preds_S=('student', 'fpn'), preds_T=('teacher', 'fpn'))))
    torch.manual_seed(1)
    inputs = torch.randn(2, 3, 128, 128)
    results = {}
    for precision in ('fp32', 'bf16'):
        torch.manual_seed(0)
        algo = SingleTeacherDistill(
            student=dict(cfg_path=osp.join(models, 'retinanet_r18-w8_fpn_shapes.py')),
            teacher=dict(cfg_path=osp.join(models, 'retinanet_r50-w16_fpn_shapes.py'), precision=precision,
                         force_precision=True),
            distiller=distiller)
        algo.init_weights()
        with algo.distiller.recording(['teacher', 'student']):
            algo.run_teachers(inputs)
            fpn = algo.distiller.recorder_managers['teacher'].get('fpn')
            algo.student(inputs, mode='tensor')
            results[precision] = fpn, algo.distiller.compute_losses()['distill.loss_cwd']
    (fpn32, loss32), (fpn16, loss16) = results['fp32'], results['bf16']
    assert len(fpn16) == 5 and all(level.dtype == torch.float32 for level in fpn16)
    for level16, level32 in zip(fpn16, fpn32):
        assert relative_error(level16, level32) < 2e-2
    assert abs(loss16.item() - loss32.item()) / loss32.item() < 1e-3


def test_bad_precisions_are_refused_with_the_teachers_name(toy_batch):
    inputs, _ = toy_batch
    with pytest.raises(ValueError, match="precision of the teacher 'teacher' must be.*got 'int8'"):
        toy('int8')
    with pytest.raises(ValueError, match="precision='fp16' of the teacher 'teacher': fp16 autocast runs on GPUs"):
        teacher_features(toy('fp16'), inputs)
    with pytest.raises(ValueError, match='precision of teacher .teacher. need frozen teachers'):
        SingleTeacherDistill(student=dict(type='mmkd.ToyNet'), teacher=dict(type='mmkd.ToyNet', precision='bf16'),
                             distiller=dict(type='ConfigurableDistiller'), teacher_trainable=True)


def test_algorithm_level_precision_is_every_teachers_default():
    algo = SingleTeacherDistill(student=dict(type='mmkd.ToyNet'), teacher=dict(type='mmkd.ToyNet'),
                                distiller=dict(type='ConfigurableDistiller'), teacher_precision='bf16')
    assert algo.teacher_precisions['teacher'].precision == 'bf16'
    assert TeacherPrecision().describe() == 'as the student'


def test_cast_floating_walks_nested_values_and_leaves_integers():
    value = dict(a=(torch.ones(2, dtype=torch.bfloat16), [torch.arange(3)]), b='x')
    out = cast_floating(value, torch.float32)
    assert out['a'][0].dtype == torch.float32 and out['a'][1][0].dtype == torch.int64 and out['b'] == 'x'
