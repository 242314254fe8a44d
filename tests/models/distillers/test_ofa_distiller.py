"""OFADistiller: the OFA-KD graph (a branch per stage, OFA loss per branch and on the logits) from stage specs."""
import pytest

from mmkd.models.connectors import OFABranch
from mmkd.models.losses import OFALoss
from mmkd.registry import MODELS

STAGES = [dict(layout='nchw', channels=c, grid=(g, g)) for c, g in ((8, 16), (16, 8), (32, 4))]
STUDENT = {'logits': dict(type='ModuleOutputs', source='fc'),
           **{f'stage{k}': dict(type='ModuleOutputs', source=f'layer{k}') for k in (1, 2, 3)}}
TEACHER = {'logits': dict(type='ModuleOutputs', source='head')}


def build(**kwargs):
    return MODELS.build(dict(type='mmkd.OFADistiller', student_recorders=STUDENT, teacher_recorders=TEACHER,
                             stage_features=STAGES, teacher_dim=64, num_classes=10, **kwargs))


def test_one_branch_and_one_loss_per_stage_plus_the_logits():
    d = build(eps={'logits': 1.0, 'stage3': 2.0}, branch_loss_weight=0.25)
    assert sorted(d.connectors) == ['branch1', 'branch2', 'branch3']
    assert all(isinstance(b, OFABranch) for b in d.connectors.values())
    assert [d.connectors[f'branch{k}'].stage for k in (1, 2, 3)] == [1, 2, 3]
    assert sorted(d.losses) == ['loss_ofa_logits', 'loss_ofa_stage1', 'loss_ofa_stage2', 'loss_ofa_stage3']
    assert all(isinstance(loss, OFALoss) for loss in d.losses.values())
    eps = {name: loss.eps for name, loss in d.losses.items()}
    assert eps == {'loss_ofa_logits': 1.0, 'loss_ofa_stage1': 1.5, 'loss_ofa_stage2': 1.5, 'loss_ofa_stage3': 2.0}
    weights = {name: loss.loss_weight for name, loss in d.losses.items()}
    assert weights == {'loss_ofa_logits': 1.0, 'loss_ofa_stage1': 0.25, 'loss_ofa_stage2': 0.25,
                       'loss_ofa_stage3': 0.25}
    # the CNN branch of the last stage: a 1x1 conv to max(D_s, D_t) = 64
    assert d.connectors['branch3'].downsample.out_channels == 64


def test_bad_wiring_is_named():
    with pytest.raises(KeyError, match=r"missing \['stage3'\]"):
        MODELS.build(dict(type='mmkd.OFADistiller', student_recorders={k: v for k, v in STUDENT.items()
                                                                        if k != 'stage3'},
                          teacher_recorders=TEACHER, stage_features=STAGES, teacher_dim=64, num_classes=10))
    with pytest.raises(KeyError, match=r"eps given for \['stage9'\]"):
        build(eps={'stage9': 1.0})
    with pytest.raises(ValueError, match='at least one student stage'):
        MODELS.build(dict(type='mmkd.OFADistiller', student_recorders=STUDENT, teacher_recorders=TEACHER,
                          stage_features=[], teacher_dim=64, num_classes=10))
