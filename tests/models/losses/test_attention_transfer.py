"""AttentionTransferLoss against a numpy transcription of the paper's formula."""
import numpy as np
import pytest
import torch

from mmkd.models.losses import AttentionTransferLoss
from mmkd.registry import MODELS


def np_attention(feat: np.ndarray, p: float) -> np.ndarray:
    a = (np.abs(feat) ** p).mean(axis=1).reshape(feat.shape[0], -1)
    return a / np.linalg.norm(a, axis=1, keepdims=True)


def test_value_matches_formula_across_widths():
    g = torch.Generator().manual_seed(0)
    f_s, f_t = torch.randn(2, 3, 4, 5, generator=g), torch.randn(2, 7, 4, 5, generator=g)
    expected = ((np_attention(f_s.double().numpy(), 2) - np_attention(f_t.double().numpy(), 2)) ** 2).mean()
    loss = MODELS.build(dict(type='mmkd.AttentionTransferLoss', p=2.0, loss_weight=10.0))
    assert loss(f_s, f_t).item() == pytest.approx(10.0 * expected, rel=1e-5)


def test_zero_for_the_same_pattern_at_another_scale():
    f = torch.rand(2, 4, 3, 3)
    assert AttentionTransferLoss()(3.0 * f, f).item() == pytest.approx(0.0, abs=1e-7)


def test_gradient_reaches_the_student_only():
    f_s, f_t = torch.randn(1, 2, 3, 3, requires_grad=True), torch.randn(1, 2, 3, 3)
    AttentionTransferLoss()(f_s, f_t).backward()
    assert f_s.grad is not None and f_s.grad.abs().sum() > 0 and f_t.grad is None


def test_clear_errors():
    with pytest.raises(ValueError, match='same N, H, W'):
        AttentionTransferLoss()(torch.randn(1, 2, 3, 3), torch.randn(1, 2, 4, 4))
    with pytest.raises(ValueError, match='p must be positive'):
        AttentionTransferLoss(p=0)
