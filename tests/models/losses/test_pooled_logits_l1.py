"""Image-level semantic-sensitive loss (MGD-SSSS): L1 between spatially averaged logits, summed."""
import pytest
import torch

from mmkd.models.losses import PooledLogitsL1Loss, pooled_logits_l1_loss


def test_hand_value():
    # B=1, K=2: GAP logits (1, 0) vs (0, 0) -> |1| + |0| = 1, times lambda_1 = 1e-3
    student = torch.zeros(1, 2, 3, 3)
    student[0, 0] = 1.0
    teacher = torch.zeros(1, 2, 3, 3)
    assert PooledLogitsL1Loss()(student, teacher).item() == pytest.approx(1e-3)


def test_sum_over_images_and_classes_and_only_means_matter():
    student = torch.zeros(2, 3, 2, 2)
    student[0, 1, 0, 0] = 4.0  # spatial mean 1
    student[1, 2] = -2.0  # spatial mean -2
    teacher = torch.zeros(2, 3, 4, 4)  # other size: only the means are compared
    assert pooled_logits_l1_loss(student, teacher).item() == pytest.approx(3.0)


def test_identical_logits_give_zero_and_no_teacher_grad():
    logits = torch.randn(2, 4, 5, 5)
    assert pooled_logits_l1_loss(logits, logits).item() == 0.0
    student = torch.randn(2, 4, 5, 5, requires_grad=True)
    teacher = torch.randn(2, 4, 5, 5, requires_grad=True)
    pooled_logits_l1_loss(student, teacher).backward()
    assert student.grad is not None and teacher.grad is None


def test_bad_input():
    with pytest.raises(ValueError, match=r'same \(N, K\)'):
        pooled_logits_l1_loss(torch.randn(2, 3, 4, 4), torch.randn(2, 4, 4, 4))
    with pytest.raises(ValueError, match='PooledLogitsL1'):
        pooled_logits_l1_loss(torch.randn(2, 3), torch.randn(2, 3))
