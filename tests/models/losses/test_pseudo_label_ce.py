"""Pixel-level consistency (MGD-SSSS): CE of the student to the teacher's argmax."""
import math

import pytest
import torch

from mmkd.models.losses import PseudoLabelCELoss, pseudo_label_ce_loss


def test_hand_value():
    # one pixel, 2 classes: student probabilities (1/4, 3/4); teacher argmax = class 1 -> -log(3/4)
    student = torch.tensor([0.0, math.log(3.0)]).view(1, 2, 1, 1)
    teacher = torch.tensor([-1.0, 5.0]).view(1, 2, 1, 1)
    assert pseudo_label_ce_loss(student, teacher).item() == pytest.approx(-math.log(0.75), rel=1e-6)
    # teacher argmax = class 0 -> -log(1/4); weight scales
    assert PseudoLabelCELoss(loss_weight=2.0)(student, -teacher).item() == pytest.approx(-2 * math.log(0.25), rel=1e-6)


def test_only_the_teacher_decision_matters_and_no_teacher_grad():
    student = torch.randn(2, 5, 4, 4, requires_grad=True)
    teacher = torch.randn(2, 5, 4, 4, requires_grad=True)
    sharpened = (teacher * 10).detach()
    torch.testing.assert_close(pseudo_label_ce_loss(student, teacher), pseudo_label_ce_loss(student, sharpened))
    pseudo_label_ce_loss(student, teacher).backward()
    assert student.grad is not None and teacher.grad is None


def test_bad_input():
    with pytest.raises(ValueError, match='same shape'):
        pseudo_label_ce_loss(torch.randn(2, 5, 4, 4), torch.randn(2, 5, 8, 8))
