"""RenormalizedInput: the student's normalised batch in the teacher's statistics and size."""
import pytest
import torch
from torch import nn

from mmkd.models.algorithms import RenormalizedInput
from mmkd.registry import TASK_UTILS


class StatsTeacher(nn.Module):
    mean = (10.0, 20.0, 30.0)
    std = (2.0, 4.0, 5.0)
    input_size = (2, 2)


def test_exact_values_on_a_hand_tensor():
    transform = TASK_UTILS.build(dict(type='mmkd.RenormalizedInput', student_mean=(100, 50, 0),
                                      student_std=(10, 5, 1)))
    x = torch.tensor([1.0, -2.0, 3.0]).view(1, 3, 1, 1).expand(1, 3, 4, 4).clone()
    out, samples = transform(x, ['s'], StatsTeacher())
    # pixel = x * std_S + mean_S = (110, 40, 3); teacher: ((110-10)/2, (40-20)/4, (3-30)/5) = (50, 5, -5.4)
    assert samples == ['s']
    assert out.shape == (1, 3, 2, 2)  # resized to the teacher's input_size
    torch.testing.assert_close(out[0, :, 0, 0], torch.tensor([50.0, 5.0, -5.4]))
    torch.testing.assert_close(out, out[:, :, :1, :1].expand_as(out))  # a constant image stays constant


def test_configured_values_override_the_teacher_and_resize():
    transform = RenormalizedInput(student_mean=(0, 0, 0), student_std=(1, 1, 1), mean=(1, 1, 1), std=(2, 2, 2),
                                  size=(1, 2), mode='bilinear')
    x = torch.tensor([[0.0, 2.0, 4.0, 6.0]]).expand(3, 1, 4).reshape(1, 3, 1, 4)
    out, _ = transform(x, None, StatsTeacher())
    # (x - 1) / 2 = [-0.5, 0.5, 1.5, 2.5]; bilinear 4 -> 2 (half-pixel centres) averages pairs
    torch.testing.assert_close(out[0, 0, 0], torch.tensor([0.0, 2.0]))
    assert 'mean=(1.0, 1.0, 1.0)' in transform.describe()


def test_same_size_and_no_size_keep_the_student_size():
    transform = RenormalizedInput(student_mean=(0, 0, 0), student_std=(1, 1, 1), mean=(0, 0, 0), std=(1, 1, 1))
    x = torch.randn(2, 3, 5, 7)
    out, _ = transform(x, None, nn.Identity())
    torch.testing.assert_close(out, x)


def test_clear_errors():
    with pytest.raises(ValueError, match='3 values'):
        RenormalizedInput(student_mean=(0, 0), student_std=(1, 1, 1))
    with pytest.raises(AttributeError, match='no mean/std'):
        RenormalizedInput(student_mean=(0, 0, 0), student_std=(1, 1, 1))(torch.zeros(1, 3, 2, 2), None, nn.Linear(1, 1))
    with pytest.raises(ValueError, match=r'\(B, 3, H, W\)'):
        RenormalizedInput(student_mean=(0, 0, 0), student_std=(1, 1, 1))(torch.zeros(3, 2, 2), None, StatsTeacher())
