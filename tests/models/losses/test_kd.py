import math

import numpy as np
import pytest
import torch

from mmkd.models.losses import KDLoss, kd_loss
from mmkd.registry import MODELS


def np_kd(z_s: np.ndarray, z_t: np.ndarray, tau: float) -> float:
    """tau^2 * mean over rows of sum_c p_t (log p_t - log p_s), rows of (B, C)."""
    total = 0.0
    for row_s, row_t in zip(z_s.astype(np.float64), z_t.astype(np.float64)):
        p_s = np.exp(row_s / tau) / np.exp(row_s / tau).sum()
        p_t = np.exp(row_t / tau) / np.exp(row_t / tau).sum()
        total += float((p_t * (np.log(p_t) - np.log(p_s))).sum())
    return tau**2 * total / len(z_s)


def test_identical_logits_give_zero():
    z = torch.randn(4, 10)
    assert kd_loss(z, z.clone(), tau=3.0).item() == pytest.approx(0.0, abs=1e-6)


def test_hand_computed_two_class_value():
    tau = 2.0
    z_s, z_t = torch.tensor([[1.0, 0.0]]), torch.tensor([[0.0, 2.0]])
    # softmax([0.5, 0]) and softmax([0, 1]) written out
    p_s = [math.exp(0.5) / (math.exp(0.5) + 1), 1 / (math.exp(0.5) + 1)]
    p_t = [1 / (1 + math.exp(1)), math.exp(1) / (1 + math.exp(1))]
    expected = tau**2 * sum(t * (math.log(t) - math.log(s)) for s, t in zip(p_s, p_t))
    assert kd_loss(z_s, z_t, tau).item() == pytest.approx(expected, rel=1e-5)


def test_gradient_is_tau_times_prob_difference_over_batch():
    tau, batch = 3.0, 5
    z_s = torch.randn(batch, 7, requires_grad=True)
    z_t = torch.randn(batch, 7)
    kd_loss(z_s, z_t, tau).backward()
    expected = tau * (torch.softmax(z_s.detach() / tau, 1) - torch.softmax(z_t / tau, 1)) / batch
    assert torch.allclose(z_s.grad, expected, atol=1e-6)


def test_dense_logits_average_over_all_positions():
    g = torch.Generator().manual_seed(0)
    z_s, z_t = torch.randn(2, 5, 3, 4, generator=g), torch.randn(2, 5, 3, 4, generator=g)
    rows_s = z_s.numpy().transpose(0, 2, 3, 1).reshape(-1, 5)
    rows_t = z_t.numpy().transpose(0, 2, 3, 1).reshape(-1, 5)
    assert kd_loss(z_s, z_t, tau=2.0).item() == pytest.approx(np_kd(rows_s, rows_t, 2.0), rel=1e-5)


def test_bf16_inputs_give_float32_result():
    z_s, z_t = torch.randn(8, 10).bfloat16(), torch.randn(8, 10).bfloat16()
    out = kd_loss(z_s, z_t, tau=4.0)
    assert out.dtype == torch.float32
    assert out.item() == pytest.approx(np_kd(z_s.float().numpy(), z_t.float().numpy(), 4.0), rel=1e-4)
    with torch.autocast('cpu', dtype=torch.bfloat16):
        assert KDLoss(tau=4.0)(z_s, z_t).dtype == torch.float32


def test_shape_errors_name_the_shapes():
    with pytest.raises(ValueError, match=r'same shape, got \(2, 10\) and \(2, 11\)'):
        kd_loss(torch.randn(2, 10), torch.randn(2, 11))
    with pytest.raises(ValueError, match=r'at least 2 dims.*\(10,\)'):
        kd_loss(torch.randn(10), torch.randn(10))


def test_module_weight_and_registry():
    z_s, z_t = torch.randn(3, 6), torch.randn(3, 6)
    loss = MODELS.build(dict(type='mmkd.KDLoss', tau=2.0, loss_weight=3.0))
    assert isinstance(loss, KDLoss)
    assert loss(preds_S=z_s, preds_T=z_t).item() == pytest.approx(3.0 * KDLoss(tau=2.0)(z_s, z_t).item(), rel=1e-6)
