"""SingleTeacherDistill / MultiTeacherDistill on a tiny registered model."""
import copy

import pytest
import torch
import torch.nn.functional as F

from mmkd.models.algorithms import MultiTeacherDistill, SingleTeacherDistill

STUDENT = dict(type='mmkd.ToyNet', width=4)
TEACHER = dict(type='mmkd.ToyNet', width=8)


def fitnet_distiller(**overrides):
    cfg = dict(
        type='ConfigurableDistiller',
        student_recorders=dict(neck=dict(type='ModuleOutputs', source='neck')),
        teacher_recorders=dict(neck=dict(type='ModuleOutputs', source='neck')),
        connectors=dict(align=dict(type='ConvConnector', in_channels=4, out_channels=8)),
        losses=dict(loss_hint=dict(type='FitNetLoss', loss_weight=2.0)),
        loss_inputs=dict(loss_hint=dict(
            preds_S=dict(model='student', recorder='neck', connector='align'),
            preds_T=('teacher', 'neck'))))
    cfg.update(overrides)
    return cfg


def build(**overrides):
    return SingleTeacherDistill(student=STUDENT, teacher=TEACHER, distiller=fitnet_distiller(**overrides))


def test_gradient_reaches_student_and_connectors_only(toy_batch):
    inputs, labels = toy_batch
    algo = build()
    algo.train()
    losses = algo(inputs, labels, mode='loss')
    assert set(losses) == {'loss_cls', 'distill.loss_hint'}
    sum(losses.values()).backward()
    for name, p in algo.teacher.named_parameters():
        assert p.grad is None, f'teacher parameter {name} received a gradient'
        assert not p.requires_grad
    for module in (algo.student, algo.distiller.connectors):
        grads = [p.grad for p in module.parameters()]
        assert all(g is not None for g in grads)
        assert any(g.abs().sum() > 0 for g in grads)


def test_distill_loss_value_matches_formula(toy_batch):
    inputs, labels = toy_batch
    algo = build()
    algo.train()
    losses = algo(inputs, labels, mode='loss')
    with torch.no_grad():
        s = algo.distiller.connectors['align'](algo.student.neck(algo.student.backbone(inputs)))
        t = algo.teacher.neck(algo.teacher.backbone(inputs))
    assert torch.allclose(losses['distill.loss_hint'], 2.0 * ((s - t) ** 2).mean(), atol=1e-6)
    assert torch.allclose(losses['loss_cls'], F.cross_entropy(algo.student._forward(inputs), labels), atol=1e-6)


def test_teacher_stays_in_eval_mode_and_unchanged(toy_batch):
    inputs, labels = toy_batch
    algo = build()
    algo.train()
    assert algo.student.training and not algo.teacher.training
    bn = algo.teacher.backbone[1]
    before = (bn.running_mean.clone(), copy.deepcopy(algo.teacher.state_dict()))
    algo(inputs, labels, mode='loss')
    assert torch.equal(bn.running_mean, before[0])  # BN statistics not updated by teacher forward
    for k, v in algo.teacher.state_dict().items():
        assert torch.equal(v, before[1][k])


def test_predict_uses_student_unless_switched(toy_batch):
    inputs, _ = toy_batch
    algo = build().eval()
    assert torch.equal(algo(inputs, mode='tensor'), algo.student._forward(inputs))
    algo.predict_with = 'teacher'
    assert torch.equal(algo(inputs, mode='tensor'), algo.teacher._forward(inputs))


def test_teacher_checkpoint_loaded_weights_only(tmp_path, toy_batch):
    teacher = SingleTeacherDistill(student=STUDENT, teacher=TEACHER, distiller=fitnet_distiller()).teacher
    path = tmp_path / 'teacher.pth'
    torch.save({'state_dict': teacher.state_dict(), 'meta': {'epoch': 3}}, path)
    algo = SingleTeacherDistill(student=STUDENT, teacher=dict(TEACHER, ckpt=str(path)),
                                distiller=fitnet_distiller())
    for k, v in teacher.state_dict().items():
        assert torch.equal(algo.teacher.state_dict()[k], v)
    algo.init_weights()  # must not re-initialise the loaded teacher
    for k, v in teacher.state_dict().items():
        assert torch.equal(algo.teacher.state_dict()[k], v)


class Unsafe:
    """An arbitrary pickled object: not allowed by weights_only loading."""


def test_pickled_checkpoint_refused_unless_opted_out(tmp_path):
    path = tmp_path / 'unsafe.pth'
    teacher = build().teacher
    torch.save({'state_dict': teacher.state_dict(), 'extra': Unsafe()}, path)
    with pytest.raises(RuntimeError, match='weights_only=True'):
        SingleTeacherDistill(student=STUDENT, teacher=dict(TEACHER, ckpt=str(path)),
                             distiller=fitnet_distiller())
    SingleTeacherDistill(student=STUDENT, teacher=dict(TEACHER, ckpt=str(path), ckpt_weights_only=False),
                         distiller=fitnet_distiller())


def test_missing_teacher_checkpoint_is_named(tmp_path):
    missing = str(tmp_path / 'nope.pth')
    with pytest.raises(FileNotFoundError, match="teacher 'teacher' checkpoint file not found.*nope.pth"):
        SingleTeacherDistill(student=STUDENT, teacher=dict(TEACHER, ckpt=missing), distiller=fitnet_distiller())


def test_mismatched_teacher_checkpoint_lists_keys(tmp_path):
    path = tmp_path / 'other.pth'
    torch.save({'state_dict': build().student.state_dict()}, path)  # width 4 weights for a width 8 teacher
    with pytest.raises(Exception, match='size mismatch|does not match'):
        SingleTeacherDistill(student=STUDENT, teacher=dict(TEACHER, ckpt=str(path)), distiller=fitnet_distiller())


def test_multi_teacher_losses_from_each_teacher(toy_batch):
    inputs, labels = toy_batch
    recorder = dict(neck=dict(type='ModuleOutputs', source='neck'))
    algo = MultiTeacherDistill(
        student=STUDENT,
        teachers=dict(big=TEACHER, small=dict(type='mmkd.ToyNet', width=4)),
        distiller=dict(
            type='ConfigurableDistiller',
            recorders=dict(student=recorder, big=recorder, small=recorder),
            connectors=dict(align=dict(type='ConvConnector', in_channels=4, out_channels=8)),
            losses=dict(loss_big=dict(type='FitNetLoss'), loss_small=dict(type='FitNetLoss')),
            loss_inputs=dict(
                loss_big=dict(preds_S=dict(model='student', recorder='neck', connector='align'),
                              preds_T=('big', 'neck')),
                loss_small=dict(preds_S=('student', 'neck'), preds_T=('small', 'neck')))))
    algo.train()
    losses = algo(inputs, labels, mode='loss')
    with torch.no_grad():
        s = algo.student.neck(algo.student.backbone(inputs))
        t_small = algo.teachers['small'].neck(algo.teachers['small'].backbone(inputs))
    assert torch.allclose(losses['distill.loss_small'], ((s - t_small) ** 2).mean(), atol=1e-6)
    assert losses['distill.loss_big'] > 0
    sum(losses.values()).backward()
    assert all(p.grad is None for t in algo.teachers.values() for p in t.parameters())


def test_trainable_teacher_learns_its_task_too(toy_batch):
    inputs, labels = toy_batch
    algo = SingleTeacherDistill(student=STUDENT, teacher=TEACHER, distiller=fitnet_distiller(),
                                teacher_trainable=True)
    algo.train()
    assert algo.teacher.training
    losses = algo(inputs, labels, mode='loss')
    assert set(losses) == {'loss_cls', 'teacher.loss_cls', 'distill.loss_hint'}
    sum(losses.values()).backward()
    assert all(p.grad is not None for p in algo.teacher.parameters())


def test_every_distill_key_counts_in_the_total_whatever_its_name(toy_batch):
    """A loss named without 'loss' (OADP's 'object', 'block', ...) is still part of the optimised total."""
    inputs, labels = toy_batch
    algo = build(losses=dict(hint=dict(type='FitNetLoss', loss_weight=2.0)),
                 loss_inputs=dict(hint=dict(preds_S=dict(model='student', recorder='neck', connector='align'),
                                            preds_T=('teacher', 'neck'))))
    algo.train()
    losses = algo(inputs, labels, mode='loss')
    assert set(losses) == {'loss_cls', 'distill.hint'}
    total, log_vars = algo.parse_losses(losses)
    torch.testing.assert_close(total, losses['loss_cls'] + losses['distill.hint'])
    assert log_vars['loss'] == total and 'distill.hint' in log_vars


def test_a_distiller_must_implement_the_contract():
    with pytest.raises(TypeError, match='does not implement mmkd.models.distillers.BaseDistiller'):
        SingleTeacherDistill(student=STUDENT, teacher=TEACHER, distiller=dict(type='mmkd.ToyNet', width=4))
