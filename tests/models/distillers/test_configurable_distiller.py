"""Build-time and first-step validation of the distiller wiring."""
import pytest
import torch

from mmkd.models.algorithms import SingleTeacherDistill

STUDENT = dict(type='mmkd.ToyNet', width=4)
TEACHER = dict(type='mmkd.ToyNet', width=8)
NECK = dict(neck=dict(type='ModuleOutputs', source='neck'))


def build(losses=None, loss_inputs=None, student_recorders=NECK, connectors=None):
    return SingleTeacherDistill(
        student=STUDENT, teacher=TEACHER,
        distiller=dict(type='ConfigurableDistiller', student_recorders=student_recorders,
                       teacher_recorders=NECK, connectors=connectors,
                       losses=losses or dict(loss_hint=dict(type='FitNetLoss')),
                       loss_inputs=dict(loss_hint=dict(preds_S=('student', 'neck'), preds_T=('teacher', 'neck')))
                       if loss_inputs is None else loss_inputs))


def test_unknown_module_path_lists_closest():
    with pytest.raises(KeyError) as err:
        build(student_recorders=dict(neck=dict(type='ModuleOutputs', source='nek')))
    assert "'nek'" in str(err.value) and "'neck'" in str(err.value) and 'student' in str(err.value)


def test_loss_input_naming_no_recorder():
    with pytest.raises(KeyError, match="recorder 'fpn' of the teacher.*its recorders: \\['neck'\\]"):
        build(loss_inputs=dict(loss_hint=dict(preds_S=('student', 'neck'), preds_T=('teacher', 'fpn'))))


def test_loss_input_naming_unknown_model():
    with pytest.raises(KeyError, match="reads model 'teachr'"):
        build(loss_inputs=dict(loss_hint=dict(preds_S=('student', 'neck'), preds_T=('teachr', 'neck'))))


def test_loss_argument_that_does_not_exist():
    with pytest.raises(TypeError, match="FitNetLoss.forward\\) has no argument 'pred_T'"):
        build(loss_inputs=dict(loss_hint=dict(preds_S=('student', 'neck'), pred_T=('teacher', 'neck'))))


def test_missing_loss_argument():
    with pytest.raises(TypeError, match="needs arguments \\['preds_T'\\]"):
        build(loss_inputs=dict(loss_hint=dict(preds_S=('student', 'neck'))))


def test_loss_without_inputs_and_unknown_connector():
    with pytest.raises(KeyError, match="loss 'loss_hint' has no entry in loss_inputs"):
        build(loss_inputs=dict())
    with pytest.raises(KeyError, match="connector 'align'"):
        build(loss_inputs=dict(loss_hint=dict(preds_S=dict(model='student', recorder='neck', connector='align'),
                                              preds_T=('teacher', 'neck'))))


def test_shape_mismatch_names_both_features(toy_batch):
    inputs, labels = toy_batch
    algo = build()
    algo.train()
    with pytest.raises(ValueError) as err:
        algo(inputs, labels, mode='loss')
    message = str(err.value)
    assert "'loss_hint'" in message
    assert 'student.neck has shape (4, 4, 8, 8)' in message
    assert 'teacher.neck has shape (4, 8, 8, 8)' in message


def test_weight_factor_scales_and_zero_skips(toy_batch):
    inputs, labels = toy_batch
    algo = build(connectors=dict(align=dict(type='ConvConnector', in_channels=4, out_channels=8)),
                 loss_inputs=dict(loss_hint=dict(preds_S=dict(model='student', recorder='neck', connector='align'),
                                                 preds_T=('teacher', 'neck'))))
    full = algo(inputs, labels, mode='loss')['distill.loss_hint']
    algo.distiller.set_weight_factor('loss_hint', 0.25)
    assert torch.allclose(algo(inputs, labels, mode='loss')['distill.loss_hint'], 0.25 * full)
    algo.distiller.set_weight_factor('loss_hint', 0)
    assert 'distill.loss_hint' not in algo(inputs, labels, mode='loss')
    with pytest.raises(KeyError, match='no distillation loss'):
        algo.distiller.set_weight_factor('loss_other', 1)


def test_sequence_inputs_sum_per_level():
    from mmkd.models.distillers import ConfigurableDistiller
    distiller = ConfigurableDistiller(
        student_recorders=NECK, teacher_recorders=NECK,
        losses=dict(loss_hint=dict(type='FitNetLoss')),
        loss_inputs=dict(loss_hint=dict(preds_S=('student', 'neck'), preds_T=('teacher', 'neck'))))
    a, b = [torch.randn(2, 3, 4, 4) for _ in range(2)], [torch.randn(2, 3, 4, 4) for _ in range(2)]

    distiller.recorder_managers = dict(student=_Fixed(tuple(a)), teacher=_Fixed(tuple(b)))
    loss = distiller.compute_losses()['distill.loss_hint']
    expected = sum(((x - y) ** 2).mean() for x, y in zip(a, b))
    assert torch.allclose(loss, expected)
    distiller.recorder_managers = dict(student=_Fixed(tuple(a)), teacher=_Fixed(tuple(b[:1])))
    with pytest.raises(ValueError, match='shapes disagree'):
        distiller.compute_losses()


class _Fixed:
    """Stands in for a recorder manager holding one value."""

    def __init__(self, value):
        self.value = value

    def get(self, name):
        return self.value

    def reset(self):
        pass


def _distiller_with(loss_cfg, **extra_inputs):
    from mmkd.models.distillers import ConfigurableDistiller
    return ConfigurableDistiller(
        student_recorders=NECK, teacher_recorders=NECK, losses=dict(loss_x=loss_cfg),
        loss_inputs=dict(loss_x=dict(preds_S=('student', 'neck'), preds_T=('teacher', 'neck'), **extra_inputs)))


def test_pkd_may_resize_spatially_but_channels_must_agree():
    distiller = _distiller_with(dict(type='PKDLoss'))
    distiller.recorder_managers = dict(student=_Fixed(torch.randn(2, 3, 4, 4)), teacher=_Fixed(torch.randn(2, 3, 8, 8)))
    assert torch.isfinite(distiller.compute_losses()['distill.loss_x'])
    distiller.recorder_managers = dict(student=_Fixed(torch.randn(2, 4, 8, 8)), teacher=_Fixed(torch.randn(2, 3, 8, 8)))
    with pytest.raises(ValueError, match=r'\(2, 4, 8, 8\).*\(2, 3, 8, 8\)'):
        distiller.compute_losses()


def test_fgd_channels_aligned_by_a_connector_gt_boxes_as_loss_input_size_must_agree():
    from mmengine.structures import InstanceData
    from mmdet.structures import DetDataSample
    from mmkd.models.distillers import ConfigurableDistiller
    distiller = ConfigurableDistiller(
        student_recorders=NECK, teacher_recorders=NECK,
        connectors=dict(align=dict(type='ChannelAlignConnector', student_channels=4, teacher_channels=8)),
        losses=dict(loss_x=dict(type='FGDLoss', channels=8)),
        loss_inputs=dict(loss_x=dict(preds_S=dict(model='student', recorder='neck', connector='align'),
                                     preds_T=('teacher', 'neck'), gt=('data_samples', 'gt_boxes'))))
    sample = DetDataSample(metainfo=dict(img_shape=(32, 32), batch_input_shape=(32, 32)))
    sample.gt_instances = InstanceData(bboxes=torch.tensor([[0., 0., 16., 16.]]), labels=torch.tensor([0]))
    distiller.recorder_managers = dict(student=_Fixed(torch.randn(1, 4, 8, 8)), teacher=_Fixed(torch.randn(1, 8, 8, 8)))
    assert torch.isfinite(distiller.compute_losses([sample])['distill.loss_x'])
    distiller.recorder_managers = dict(student=_Fixed(torch.randn(1, 4, 4, 4)), teacher=_Fixed(torch.randn(1, 8, 8, 8)))
    with pytest.raises(ValueError, match=r"preds_S from student.neck -> connector 'align' has shape \(1, 8, 4, 4\)"):
        distiller.compute_losses([sample])


def test_unknown_ground_truth_field_is_refused_at_build():
    with pytest.raises(KeyError, match="'gt_masks'.*known fields"):
        _distiller_with(dict(type='DKDLoss'), gt_labels=('data_samples', 'gt_masks'))


def test_connector_inputs_reach_the_connector_and_are_checked(toy_batch):
    from torch import nn

    from mmkd.registry import MODELS

    @MODELS.register_module(force=True)
    class AddKeys(nn.Module):
        """A connector that also reads another feature: out = student map + keys (same shape)."""

        def forward(self, feature, keys):
            return feature + keys

    same = dict(neck=dict(type='ModuleOutputs', source='neck'))
    algo = SingleTeacherDistill(
        student=dict(type='mmkd.ToyNet', width=8), teacher=TEACHER,
        distiller=dict(type='ConfigurableDistiller', student_recorders=same, teacher_recorders=same,
                       connectors=dict(add=dict(type='AddKeys')), losses=dict(loss_hint=dict(type='FitNetLoss')),
                       loss_inputs=dict(loss_hint=dict(
                           preds_S=dict(model='student', recorder='neck', connector='add',
                                        connector_inputs=dict(keys=('teacher', 'neck'))),
                           preds_T=('teacher', 'neck')))))
    inputs, labels = toy_batch
    losses = algo(inputs, labels, mode='loss')
    with torch.no_grad():  # MSE(s + t, t) = mean(s^2): the keys reached the connector
        expected = algo.student.neck(algo.student.backbone(inputs)).pow(2).mean()
    torch.testing.assert_close(losses['distill.loss_hint'].detach(), expected)
    with pytest.raises(KeyError, match=r"\['preds_S'\]\.connector_inputs\['keys'\] names recorder 'fpn'"):
        build(connectors=dict(add=dict(type='AddKeys')), loss_inputs=dict(loss_hint=dict(
            preds_S=dict(model='student', recorder='neck', connector='add',
                         connector_inputs=dict(keys=('teacher', 'fpn'))),
            preds_T=('teacher', 'neck'))))
    with pytest.raises(ValueError, match='without a connector'):
        build(loss_inputs=dict(loss_hint=dict(
            preds_S=dict(model='student', recorder='neck', connector_inputs=dict(keys=('teacher', 'neck'))),
            preds_T=('teacher', 'neck'))))
