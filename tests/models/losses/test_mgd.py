import numpy as np
import pytest
import torch

from mmkd.models.losses import MGDLoss, mgd_loss
from mmkd.registry import MODELS


def np_mgd(s: np.ndarray, t: np.ndarray, alpha: float) -> float:
    total = 0.0
    for n in range(s.shape[0]):
        for c in range(s.shape[1]):
            for h in range(s.shape[2]):
                for w in range(s.shape[3]):
                    total += (float(s[n, c, h, w]) - float(t[n, c, h, w])) ** 2
    return alpha * total / s.shape[0]


def test_known_value():
    # N=2, teacher 0, generated student 1 on (2,4,3,3): sum 72, / N = 36, * alpha
    loss = mgd_loss(torch.ones(2, 4, 3, 3), torch.zeros(2, 4, 3, 3), alpha_mgd=2e-5)
    assert loss.item() == pytest.approx(36 * 2e-5, rel=1e-6)


def test_identical_gives_zero():
    f = torch.randn(2, 3, 4, 4)
    assert mgd_loss(f, f.clone(), alpha_mgd=1.0).item() == 0.0


def test_value_against_loops():
    g = torch.Generator().manual_seed(0)
    s, t = torch.randn(3, 2, 4, 5, generator=g), torch.randn(3, 2, 4, 5, generator=g)
    assert mgd_loss(s, t, 7e-5).item() == pytest.approx(np_mgd(s.numpy(), t.numpy(), 7e-5), rel=1e-5)


def test_fp32_and_shape_error():
    s, t = torch.randn(2, 3, 4, 4).half(), torch.randn(2, 3, 4, 4).half()
    assert mgd_loss(s, t).dtype == torch.float32
    with pytest.raises(ValueError, match=r'MGD.*\(2, 3, 4, 4\) and \(2, 5, 4, 4\)'):
        mgd_loss(torch.randn(2, 3, 4, 4), torch.randn(2, 5, 4, 4))


def test_module_weight_registry_and_gradient():
    g = torch.Generator().manual_seed(1)
    s = torch.randn(2, 3, 4, 4, generator=g, requires_grad=True)
    t = torch.randn(2, 3, 4, 4, generator=g)
    loss = MODELS.build(dict(type='mmkd.MGDLoss', alpha_mgd=2e-5, loss_weight=3.0))
    assert isinstance(loss, MGDLoss) and MGDLoss().alpha_mgd == 2e-5
    value = loss(preds_S=s, preds_T=t)
    assert value.item() == pytest.approx(3.0 * np_mgd(s.detach().numpy(), t.numpy(), 2e-5), rel=1e-5)
    value.backward()
    expected = 3.0 * 2e-5 * 2 * (s.detach() - t) / 2
    assert torch.allclose(s.grad, expected, rtol=1e-5, atol=1e-12)
    assert t.grad is None
