"""StageHintDistiller: stage-wise FitNet wiring generated from two lists of stage taps."""
import pytest
import torch
import torch.nn.functional as F

from mmkd.models.algorithms import SingleTeacherDistill
from mmkd.models.connectors import HeteroHintConnector, TokensToMap
from mmkd.registry import MODELS


def taps(width, layout='nchw'):
    """ToyNet's two stages (conftest): backbone and neck, both (B, width, 8, 8) maps."""
    return [dict(source=source, feature=dict(layout=layout, channels=width, grid=8))
            for source in ('backbone', 'neck')]


def written_out(student_taps, teacher_taps):
    """The wiring the FitNet stage configs spelled out before this class existed."""
    pairs = list(zip(student_taps, teacher_taps))
    stages = range(1, len(pairs) + 1)
    return dict(
        type='ConfigurableDistiller',
        student_recorders={f'stage{i}': dict(type='ModuleOutputs', source=t['source'])
                           for i, t in enumerate(student_taps, 1)},
        teacher_recorders={f'stage{i}': dict(type='ModuleOutputs', source=t['source'])
                           for i, t in enumerate(teacher_taps, 1)},
        connectors={
            **{f'hint{i}': dict(type='HeteroHintConnector', student=s['feature'], teacher=t['feature'])
               for i, (s, t) in enumerate(pairs, 1)},
            **{f'teacher_map{i}': dict(type='TokensToMap', feature=t['feature'])
               for i, (_, t) in enumerate(pairs, 1)}},
        losses={f'loss_hint{i}': dict(type='FitNetLoss', loss_weight=1.0) for i in stages},
        loss_inputs={
            f'loss_hint{i}': dict(preds_S=dict(model='student', recorder=f'stage{i}', connector=f'hint{i}'),
                                  preds_T=dict(model='teacher', recorder=f'stage{i}', connector=f'teacher_map{i}'))
            for i in stages})


def test_names_and_pieces_one_hint_per_stage():
    d = MODELS.build(dict(type='mmkd.StageHintDistiller', student_stages=taps(4), teacher_stages=taps(8, 'nlc'),
                          loss=dict(type='FitNetLoss', loss_weight=0.5)))
    assert sorted(d.recorder_cfgs) == ['student', 'teacher']
    assert d.recorder_cfgs['student'] == {'stage1': dict(type='ModuleOutputs', source='backbone'),
                                          'stage2': dict(type='ModuleOutputs', source='neck')}
    assert list(d.connectors) == ['hint1', 'hint2', 'teacher_map1', 'teacher_map2']
    assert all(isinstance(d.connectors[f'hint{k}'], HeteroHintConnector) for k in (1, 2))
    assert all(isinstance(d.connectors[f'teacher_map{k}'], TokensToMap) for k in (1, 2))
    assert d.connectors['hint2'].regressor.weight.shape == (8, 4, 1, 1)
    assert d.connectors['teacher_map1'].feature.layout == 'nlc'
    assert sorted(d.losses) == ['loss_hint1', 'loss_hint2']
    assert all(loss.loss_weight == 0.5 for loss in d.losses.values())
    wiring = {arg: (item.model, item.recorder, item.connector) for arg, item in d.loss_inputs['loss_hint2'].items()}
    assert wiring == {'preds_S': ('student', 'stage2', 'hint2'), 'preds_T': ('teacher', 'stage2', 'teacher_map2')}


def test_same_parameters_as_the_written_out_wiring():
    torch.manual_seed(0)
    generated = MODELS.build(dict(type='mmkd.StageHintDistiller', student_stages=taps(4), teacher_stages=taps(8)))
    torch.manual_seed(0)
    spelled = MODELS.build(dict(written_out(taps(4), taps(8)), type='mmkd.ConfigurableDistiller'))
    a, b = generated.state_dict(), spelled.state_dict()
    assert list(a) == list(b)
    assert all(torch.equal(a[k], b[k]) for k in a)


def test_losses_are_the_mean_squared_hint_of_each_stage(toy_batch):
    inputs, labels = toy_batch
    algo = SingleTeacherDistill(student=dict(type='mmkd.ToyNet', width=4), teacher=dict(type='mmkd.ToyNet', width=8),
                                distiller=dict(type='StageHintDistiller', student_stages=taps(4),
                                               teacher_stages=taps(8)))
    algo.train()
    losses = algo(inputs, labels, mode='loss')
    student, teacher, connectors = algo.student, algo.teacher, algo.distiller.connectors
    with torch.no_grad():
        s1 = student.backbone(inputs)
        t1 = teacher.backbone(inputs)
        stages = [(s1, t1), (student.neck(s1), teacher.neck(t1))]
        for k, (s, t) in enumerate(stages, 1):
            regressed = F.conv2d(s, connectors[f'hint{k}'].regressor.weight)  # 1x1, no bias; same 8x8 grid
            expected = ((regressed - t) ** 2).mean()
            torch.testing.assert_close(losses[f'distill.loss_hint{k}'].detach(), expected)


def test_bad_taps_are_named():
    with pytest.raises(ValueError, match='2 student stages but 1 teacher stages'):
        MODELS.build(dict(type='mmkd.StageHintDistiller', student_stages=taps(4), teacher_stages=taps(8)[:1]))
    with pytest.raises(KeyError, match=r'teacher_stages\[1\] must be dict\(source=..., feature=...\)'):
        MODELS.build(dict(type='mmkd.StageHintDistiller', student_stages=taps(4),
                          teacher_stages=[taps(8)[0], dict(source='neck')]))
    with pytest.raises(ValueError, match='student_stages needs at least one stage tap'):
        MODELS.build(dict(type='mmkd.StageHintDistiller', student_stages=[], teacher_stages=taps(8)))
