import pytest
import torch

from mmkd.models.losses import DKDLoss, dkd_loss
from mmkd.registry import MODELS
from dkd_reference import np_dkd_parts


@pytest.fixture
def logits():
    g = torch.Generator().manual_seed(0)
    return torch.randn(4, 6, generator=g) * 2, torch.randn(4, 6, generator=g) * 2, torch.tensor([0, 3, 5, 3])


@pytest.mark.parametrize('tau', [1.0, 4.0])
def test_tckd_and_nckd_pieces(logits, tau):
    z_s, z_t, y = logits
    _, tckd, nckd, _ = np_dkd_parts(z_s.numpy(), z_t.numpy(), y.numpy(), tau)
    assert dkd_loss(z_s, z_t, y, alpha=1.0, beta=0.0, tau=tau).item() == pytest.approx(tckd, rel=1e-5)
    assert dkd_loss(z_s, z_t, y, alpha=0.0, beta=1.0, tau=tau).item() == pytest.approx(nckd, rel=1e-5)


def test_kd_decomposes_into_tckd_and_weighted_nckd():
    # per sample: KD = TCKD + (1 - p_t^gt) * NCKD (DKD paper, eq. 4); batch of one
    g = torch.Generator().manual_seed(1)
    z_s, z_t, y = torch.randn(1, 5, generator=g), torch.randn(1, 5, generator=g), torch.tensor([2])
    kd, tckd, nckd, p_t_gt = np_dkd_parts(z_s.numpy(), z_t.numpy(), y.numpy(), 1.0)
    assert kd == pytest.approx(tckd + (1 - p_t_gt[0]) * nckd, rel=1e-9)
    module_tckd = dkd_loss(z_s, z_t, y, alpha=1.0, beta=0.0).item()
    module_nckd = dkd_loss(z_s, z_t, y, alpha=0.0, beta=1.0).item()
    assert module_tckd + (1 - p_t_gt[0]) * module_nckd == pytest.approx(kd, rel=1e-5)


def test_identical_logits_give_zero(logits):
    z, _, y = logits
    assert dkd_loss(z, z.clone(), y, alpha=1.0, beta=8.0, tau=4.0).item() == pytest.approx(0.0, abs=1e-6)


def test_confident_teacher_is_finite_and_float32():
    z_s = torch.randn(2, 4).bfloat16().requires_grad_()
    z_t = torch.tensor([[80.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 80.0]])
    out = dkd_loss(z_s, z_t, torch.tensor([0, 3]))
    out.backward()
    assert out.dtype == torch.float32 and torch.isfinite(out) and torch.isfinite(z_s.grad).all()


def test_input_errors():
    with pytest.raises(ValueError, match=r'same shape, got \(2, 5\) and \(2, 6\)'):
        dkd_loss(torch.randn(2, 5), torch.randn(2, 6), torch.tensor([0, 1]))
    with pytest.raises(ValueError, match=r'gt_labels of shape \(2,\), got \(3,\)'):
        dkd_loss(torch.randn(2, 5), torch.randn(2, 5), torch.tensor([0, 1, 2]))


def test_module_weight_and_registry(logits):
    z_s, z_t, y = logits
    _, tckd, nckd, _ = np_dkd_parts(z_s.numpy(), z_t.numpy(), y.numpy(), 2.0)
    loss = MODELS.build(dict(type='mmkd.DKDLoss', alpha=0.5, beta=3.0, tau=2.0, loss_weight=2.0))
    assert isinstance(loss, DKDLoss)
    out = loss(preds_S=z_s, preds_T=z_t, gt_labels=y)
    assert out.item() == pytest.approx(2.0 * (0.5 * tckd + 3.0 * nckd), rel=1e-5)
