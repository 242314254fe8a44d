"""The teacher's view of a CutMix batch: [x_l; u_mix; u0; u1]."""
import pytest
import torch
from mmengine.structures import BaseDataElement

from mmkd.models.algorithms import CutMixSourcesInput
from mmkd.registry import TASK_UTILS


def test_teacher_sees_student_batch_then_both_sources():
    transform = TASK_UTILS.build(dict(type='mmkd.CutMixSourcesInput'))
    assert isinstance(transform, CutMixSourcesInput)
    x_l, u_mix = torch.zeros(2, 3, 4, 4), torch.ones(2, 3, 4, 4)
    u0, u1 = torch.full((2, 3, 4, 4), 2.0), torch.full((2, 3, 4, 4), 3.0)
    samples = [BaseDataElement() for _ in range(2)] + [
        BaseDataElement(cutmix_sources=torch.stack([u0[i], u1[i]])) for i in range(2)]
    inputs, out_samples = transform(torch.cat([x_l, u_mix]), samples, teacher=None)
    assert inputs.shape == (8, 3, 4, 4) and out_samples is samples
    assert [v.item() for v in inputs[:, 0, 0, 0]] == [0, 0, 1, 1, 2, 2, 3, 3]


def test_a_batch_without_sources_is_an_error():
    with pytest.raises(ValueError, match='cutmix_sources'):
        CutMixSourcesInput()(torch.zeros(2, 3, 4, 4), [BaseDataElement()] * 2, teacher=None)
