import numpy as np
import pytest
import torch

from mmkd.models.losses import ChannelWiseDivergence, cwd_loss
from mmkd.registry import MODELS


def np_cwd(f_s: np.ndarray, f_t: np.ndarray, tau: float) -> float:
    """tau^2 / (N*C) * sum_{n,c} sum_i phi_t,i (log phi_t,i - log phi_s,i)."""
    n, c = f_s.shape[:2]
    total = 0.0
    for i in range(n):
        for j in range(c):
            s = f_s[i, j].astype(np.float64).ravel() / tau
            t = f_t[i, j].astype(np.float64).ravel() / tau
            phi_s = np.exp(s) / np.exp(s).sum()
            phi_t = np.exp(t) / np.exp(t).sum()
            total += float((phi_t * (np.log(phi_t) - np.log(phi_s))).sum())
    return tau**2 * total / (n * c)


def test_identical_features_give_zero():
    f = torch.randn(2, 3, 4, 4)
    assert cwd_loss(f, f.clone(), tau=4.0).item() == pytest.approx(0.0, abs=1e-6)


def test_invariant_to_per_channel_offset_of_student():
    g = torch.Generator().manual_seed(1)
    f_s, f_t = torch.randn(2, 3, 4, 5, generator=g), torch.randn(2, 3, 4, 5, generator=g)
    offset = torch.randn(2, 3, 1, 1, generator=g) * 10
    assert cwd_loss(f_s + offset, f_t).item() == pytest.approx(cwd_loss(f_s, f_t).item(), rel=1e-5)


def test_value_against_explicit_loop_with_temperature():
    g = torch.Generator().manual_seed(0)
    f_s, f_t = torch.randn(2, 3, 4, 5, generator=g), torch.randn(2, 3, 4, 5, generator=g)
    expected = np_cwd(f_s.numpy(), f_t.numpy(), tau=2.0)
    # the tau^2 = 4 factor is in the reference: without it the loss would be 4x too small
    assert cwd_loss(f_s, f_t, tau=2.0).item() == pytest.approx(expected, rel=1e-5)


def test_bf16_inputs_give_float32_result():
    f_s, f_t = torch.randn(2, 3, 4, 4).bfloat16(), torch.randn(2, 3, 4, 4).bfloat16()
    out = cwd_loss(f_s, f_t, tau=2.0)
    assert out.dtype == torch.float32
    assert out.item() == pytest.approx(np_cwd(f_s.float().numpy(), f_t.float().numpy(), 2.0), rel=1e-4)


def test_shape_errors_name_the_shapes():
    with pytest.raises(ValueError, match=r'CWD expects preds_S and preds_T of the same shape, '
                                         r'got \(2, 64, 8, 8\) and \(2, 128, 8, 8\)'):
        cwd_loss(torch.randn(2, 64, 8, 8), torch.randn(2, 128, 8, 8))
    with pytest.raises(ValueError, match=r'4-d preds_S.*\(2, 64\)'):
        cwd_loss(torch.randn(2, 64), torch.randn(2, 64))


def test_module_weight_and_registry():
    f_s, f_t = torch.randn(2, 3, 4, 4), torch.randn(2, 3, 4, 4)
    loss = MODELS.build(dict(type='mmkd.ChannelWiseDivergence', tau=4.0, loss_weight=3.0))
    assert isinstance(loss, ChannelWiseDivergence)
    assert loss(preds_S=f_s, preds_T=f_t).item() == pytest.approx(3.0 * np_cwd(f_s.numpy(), f_t.numpy(), 4.0),
                                                                  rel=1e-5)
